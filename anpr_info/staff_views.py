"""Staff pages for Statistics publishers: sources and keys, returns and quarantine, the release
calendar, preparation, approval (two-person rule) and embargo."""

from __future__ import annotations

from allauth.core.exceptions import ReauthenticationRequired
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from anpr_info import registry, selectors
from anpr_info.permissions import can_approve_release
from anpr_info.services import releases as release_services
from anpr_info.services.sources import api_key_create, api_key_revoke, api_key_rotate, source_create
from anpr_info.services.submissions import quarantine_mark_reviewed
from talklondon.guards import (
    error_messages,
    errors_into_form,
    found_or_404,
    recently_authenticated,
    require_permission_or_404,
    require_recent_authentication,
)
from talklondon.permissions import can_manage_releases

WRITE_RATE = "30/m"


# Staff pages are private: without the role, answer 404 as if they did not exist.
publisher_required = require_permission_or_404(can_manage_releases)


class SourceForm(forms.Form):
    name = forms.CharField(label="Name of the source", max_length=120)


class AnnounceForm(forms.Form):
    period = forms.CharField(
        label="Month the figures cover", help_text="For example, 2025-03", max_length=7
    )
    announced_at = forms.DateTimeField(
        label="Publication date and time",
        help_text="London time, for example 2025-04-15 09:30",
        input_formats=["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M"],
    )
    notes = forms.CharField(
        label="Notes (required for a revision of a published month)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )


@require_GET
@publisher_required
def home(request: HttpRequest) -> HttpResponse:
    return _home_page(request)


def _home_page(
    request: HttpRequest,
    *,
    source_form: SourceForm | None = None,
    announce_form: AnnounceForm | None = None,
) -> HttpResponse:
    """The publishers' home page; a refused form is shown again with its errors (status 400)."""
    context = {
        "sources": selectors.sources_with_keys(),
        "submissions": selectors.submissions_recent(20),
        "quarantine": selectors.quarantine_list(10),
        "releases": selectors.releases_calendar()[:30],
        "source_form": SourceForm() if source_form is None else source_form,
        "announce_form": AnnounceForm() if announce_form is None else announce_form,
    }
    refused = source_form is not None or announce_form is not None
    return render(request, "anpr_info/staff/home.html", context, status=400 if refused else 200)


@require_POST
@publisher_required
@ratelimit(key="user", rate=WRITE_RATE, method="POST", block=True)
def source_add(request: HttpRequest) -> HttpResponse:
    form = SourceForm(request.POST)
    if form.is_valid():
        try:
            source_create(name=form.cleaned_data["name"], actor=request.user)
        except ValidationError as exc:
            errors_into_form(form, exc)
        else:
            messages.success(request, "Source added. Issue it a key next.")
            return redirect("anpr_staff:home")
    return _home_page(request, source_form=form)


@require_POST
@publisher_required
@require_recent_authentication
@ratelimit(key="user", rate=WRITE_RATE, method="POST", block=True)
def key_issue(request: HttpRequest, source_id: int) -> HttpResponse:
    source = found_or_404(selectors.source_for_staff(source_id=source_id))
    service = api_key_rotate if request.POST.get("rotate") else api_key_create
    try:
        record, key = service(source=source, actor=request.user)
    except (ValidationError, PermissionDenied) as exc:
        for message in error_messages(exc):
            messages.error(request, message)
        return redirect("anpr_staff:home")
    # Shown once, on this response only; never stored in plain text.
    response = render(
        request, "anpr_info/staff/key_issued.html", {"source": source, "record": record, "key": key}
    )
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@publisher_required
@ratelimit(key="user", rate=WRITE_RATE, method="POST", block=True)
def key_revoke(request: HttpRequest, key_id: int) -> HttpResponse:
    api_key = found_or_404(selectors.api_key_for_staff(key_id=key_id))
    api_key_revoke(api_key=api_key, actor=request.user)
    messages.success(request, f"Key {api_key.prefix} revoked.")
    return redirect("anpr_staff:home")


@require_GET
@publisher_required
def quarantine(request: HttpRequest) -> HttpResponse:
    return render(
        request, "anpr_info/staff/quarantine.html", {"batches": selectors.quarantine_list(200)}
    )


@require_POST
@publisher_required
@ratelimit(key="user", rate=WRITE_RATE, method="POST", block=True)
def quarantine_reviewed(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = found_or_404(selectors.quarantined_batch_for_staff(batch_id=batch_id))
    quarantine_mark_reviewed(batch=batch, actor=request.user)
    messages.success(request, "Marked as reviewed.")
    return redirect("anpr_staff:quarantine")


@require_http_methods(["POST"])
@publisher_required
@ratelimit(key="user", rate=WRITE_RATE, method="POST", block=True)
def release_add(request: HttpRequest) -> HttpResponse:
    form = AnnounceForm(request.POST)
    if form.is_valid():
        try:
            release = release_services.release_announce(
                period=form.cleaned_data["period"],
                announced_at=form.cleaned_data["announced_at"],
                notes=form.cleaned_data["notes"],
                actor=request.user,
            )
        except ValidationError as exc:
            errors_into_form(form, exc)
        else:
            messages.success(request, f"Release for {release.period} announced.")
            return redirect("anpr_staff:release", release.pk)
    return _home_page(request, announce_form=form)


@require_GET
@publisher_required
def release_detail(request: HttpRequest, pk: int) -> HttpResponse:
    release = selectors.release_staff_get(pk)
    tables = [
        {
            "table": t,
            "measure": registry.MEASURES[t.measure],
            "definition": registry.table(t.measure, t.table),
            "rows": [
                {
                    "label": selectors.cell_label(t.payload, (tuple(r), tuple(c))),
                    "display": f"[{f}]" if v is None else f"{v:,}",
                }
                for r, c, v, f in t.payload["cells"]
            ],
        }
        for t in release.tables.all()
    ]
    user = request.user
    uploaded = release.submissions.filter(uploaded_by=user).exists()
    revision = selectors.release_revision_changes(release) if release.prepared_by_id else None
    context = {
        "release": release,
        "tables": tables,
        "revision": revision,
        # The two-person rule, and a revision must change something to be approved.
        "can_approve": can_approve_release(user, release)
        and (revision is None or revision.changed),
        "is_preparer": release.prepared_by_id == user.pk or uploaded,
        "period_label": registry.period_label(release.period),
    }
    return render(request, "anpr_info/staff/release.html", context)


@require_POST
@publisher_required
@ratelimit(key="user", rate=WRITE_RATE, method="POST", block=True)
def release_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    release = selectors.release_staff_get(pk)
    actions = {
        "prepare": lambda: release_services.release_prepare(release=release, actor=request.user),
        "approve": lambda: release_services.release_approve(
            release=release,
            actor=request.user,
            content_sha256=request.POST.get("content_sha256", ""),
        ),
        "embargo": lambda: release_services.release_embargo(release=release, actor=request.user),
        "reopen": lambda: release_services.release_reopen(release=release, actor=request.user),
    }
    if action not in actions:
        raise Http404
    if action == "approve" and not recently_authenticated(request):
        raise ReauthenticationRequired  # allauth asks the approver to confirm it is them
    try:
        actions[action]()
    except (ValidationError, PermissionDenied) as exc:
        for message in error_messages(exc):
            messages.error(request, message)
    else:
        done = {
            "prepare": "Tables prepared. Another Statistics publisher must now check and approve them.",
            "approve": "Approved. Put it under embargo to have it published at the announced time.",
            "embargo": "Under embargo: it will be published automatically at the announced time.",
            "reopen": "Back to draft.",
        }
        messages.success(request, done[action])
    return redirect("anpr_staff:release", release.pk)
