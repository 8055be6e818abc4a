"""A person's own account pages: profile, download my data, delete my account."""

import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods
from django_ratelimit.decorators import ratelimit

from talklondon import permissions, services
from talklondon.forms import AccountDeleteForm, ProfileForm
from talklondon.selectors import personal_data_export, personal_data_summary, profile_for

PROFILE_FIELDS = [
    "display_name",
    "borough",
    "age_band",
    "gender",
    "ethnicity",
    "disability",
    "email_on_reply",
    "email_on_moderation",
    "email_on_results",
    "email_news",
]


@login_required
@require_http_methods(["GET", "POST"])
@ratelimit(key="user", rate="10/m", method="POST", block=True)
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    account = profile_for(user)
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            try:
                services.profile_update(actor=user, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, "Your profile has been saved.")
                return redirect("profile")
    else:
        initial = {name: getattr(account, name, None) for name in PROFILE_FIELDS}
        initial["display_name"] = user.display_name
        form = ProfileForm(initial=initial)
    return render(
        request,
        "account/profile.html",
        {
            "form": form,
            "participation_problem": permissions.participation_problem(user),
            "has_verified_email": permissions.has_verified_email(user),
        },
    )


@login_required
@require_GET
def data(request: HttpRequest) -> HttpResponse:
    return render(
        request, "account/data.html", {"summary": personal_data_summary(user=request.user)}
    )


@login_required
@require_GET
@ratelimit(key="user", rate="10/m", method="GET", block=True)
def data_download(request: HttpRequest) -> HttpResponse:
    payload = personal_data_export(user=request.user)
    response = HttpResponse(
        json.dumps(payload, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False),
        content_type="application/json; charset=utf-8",
    )
    filename = f"talk-london-my-data-{timezone.localdate():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
@ratelimit(key="user", rate="5/m", method="POST", block=True)
def delete(request: HttpRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        form = AccountDeleteForm(request.POST, user=user)
        if form.is_valid():
            services.account_erase(user=user, remove_content=form.cleaned_data["remove_content"])
            logout(request)
            messages.success(request, "Your account has been deleted.")
            return redirect("home")
    else:
        form = AccountDeleteForm(user=user)
    return render(request, "account/delete.html", {"form": form})
