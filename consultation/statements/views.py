"""Public statements pages: vote one statement at a time, add a statement, your votes, results.

Thin: form -> service -> redirect. Every page works without JavaScript.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from consultation.statements import charts, selectors
from consultation.statements.disclosure import disclosed, group_label
from consultation.statements.forms import StatementForm, VoteForm
from consultation.statements.permissions import voting_problem
from consultation.statements.services.voting import statement_submit, statement_vote
from talklondon.disclosure import CONFIDENTIAL_NOTE, ROUNDING_NOTE
from talklondon.disclosure.downloads import datapackage
from talklondon.guards import errors_into_form

VOTE_RATE = "120/m"
SUBMIT_RATE = "20/m"


def _activity_or_404(slug: str):
    activity = selectors.activity_for_slug(slug)
    if activity is None:
        raise Http404
    return activity


def _vote_page(request, activity, *, statement=None, form=None, status=200) -> HttpResponse:
    """The voting page: the next statement to vote on (or `statement`, to change a vote)."""
    problem = voting_problem(request.user, activity)
    progress = selectors.voting_progress(activity, request.user)
    current_vote = None
    if statement is not None:
        current_vote = selectors.vote_of(statement, request.user)
        shown = (statement.pk, statement.text)
    else:
        shown = progress.next_statement
    return render(
        request,
        "statements/vote.html",
        {
            "activity": activity,
            "consultation": activity.consultation,
            "status": activity.status,
            "problem": problem,
            "progress": progress,
            "shown": shown,
            "changing": statement is not None,
            "current_vote": current_vote,
            "form": form or VoteForm(),
        },
        status=status,
    )


@require_GET
def vote_page(request: HttpRequest, slug: str) -> HttpResponse:
    return _vote_page(request, _activity_or_404(slug))


@require_GET
def statement_page(request: HttpRequest, slug: str, statement_id: int) -> HttpResponse:
    """One statement, to vote on it or change one's vote."""
    activity = _activity_or_404(slug)
    statement = selectors.statement_for_voting(activity, statement_id)
    if statement is None:
        raise Http404
    return _vote_page(request, activity, statement=statement)


@require_POST
@ratelimit(key="user_or_ip", rate=VOTE_RATE, method="POST", block=True)
def vote(request: HttpRequest, slug: str, statement_id: int) -> HttpResponse:
    statement = selectors.statement_for_voting_in(slug, statement_id, request.user)
    if statement is None:
        raise Http404
    activity = statement.activity
    form = VoteForm(request.POST)
    if form.is_valid():
        try:
            statement_vote(
                actor=request.user, statement=statement, choice=form.cleaned_data["choice"]
            )
        except (ValidationError, PermissionDenied) as exc:
            errors_into_form(form, exc)
        else:
            if form.cleaned_data.get("then") == "mine":
                messages.success(request, "Your vote has been changed.")
                return redirect("statements:mine", slug=slug)
            return redirect("statements:vote", slug=slug)
    status = 403 if voting_problem(request.user, activity) else 400
    return _vote_page(request, activity, statement=statement, form=form, status=status)


@require_GET
def my_votes(request: HttpRequest, slug: str) -> HttpResponse:
    activity = _activity_or_404(slug)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return render(
        request,
        "statements/my_votes.html",
        {
            "activity": activity,
            "consultation": activity.consultation,
            "votes": selectors.votes_of(activity, request.user),
            "submitted": selectors.statements_submitted_by(activity, request.user),
            "progress": selectors.voting_progress(activity, request.user),
        },
    )


@require_http_methods(["GET", "POST"])
@ratelimit(key="user_or_ip", rate=SUBMIT_RATE, method="POST", block=True)
def add_statement(request: HttpRequest, slug: str) -> HttpResponse:
    activity = _activity_or_404(slug)
    problem = voting_problem(request.user, activity)
    form = StatementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            statement = statement_submit(
                actor=request.user, activity=activity, text=form.cleaned_data["text"]
            )
        except (ValidationError, PermissionDenied) as exc:
            errors_into_form(form, exc)
        else:
            if statement.status == statement.Status.PUBLISHED:
                messages.success(
                    request, "Your statement has been added. Others can now vote on it."
                )
            else:
                messages.success(
                    request,
                    "Thank you. A moderator will check your statement before others can vote on "
                    "it.",
                )
            return redirect("statements:vote", slug=slug)
    return render(
        request,
        "statements/add.html",
        {
            "activity": activity,
            "consultation": activity.consultation,
            "problem": problem,
            "form": form,
        },
        status=403 if request.method == "POST" and problem else (400 if form.errors else 200),
    )


def results_context(activity) -> dict:
    """What the public and staff results pages show (from the latest stored computation)."""
    result = selectors.latest_result(activity)
    if result is None:
        return {"activity": activity, "consultation": activity.consultation, "results": None}
    public = disclosed(result)
    return {
        "activity": activity,
        "consultation": activity.consultation,
        "result": result,
        "results": public,
        "group_labels": [group.label for group in public.groups],
        "svg": charts.chart_svg_inline(public, result_id=result.pk) if public.statements else "",
    }


@require_GET
def results(request: HttpRequest, slug: str) -> HttpResponse:
    activity = _activity_or_404(slug)
    return render(request, "statements/results.html", results_context(activity))


def _public_or_404(activity):
    result = selectors.latest_result(activity)
    if result is None:
        raise Http404
    return result, disclosed(result)


@require_GET
def results_csv(request: HttpRequest, slug: str) -> HttpResponse:
    activity = _activity_or_404(slug)
    result, public = _public_or_404(activity)
    labels = [group_label(g) for g in range(len(public.groups))]
    response = HttpResponse(
        charts.results_csv(public, labels), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{slug}-statements.csv"'
    return response


@require_GET
def results_datapackage(request: HttpRequest, slug: str) -> HttpResponse:
    """The Frictionless Data Package descriptor beside the statements CSV."""
    activity = _activity_or_404(slug)
    result, _public = _public_or_404(activity)
    descriptor = datapackage(
        name=f"{slug}-statements",
        title=f"Votes on statements: {activity.consultation.title}",
        version=str(result.pk),
        csv_name="statements.csv",
        fields=[{"name": column} for column in charts.CSV_HEADER],
        description=(
            "Agree, disagree and pass votes on each statement, by everyone and by opinion "
            f"group, as worked out on {result.computed_at:%-d %B %Y at %H:%M}."
        ),
        unit="people",
        notes=[CONFIDENTIAL_NOTE, ROUNDING_NOTE],
        created=result.computed_at.isoformat(),
        homepage=request.build_absolute_uri(reverse("statements:results", args=[slug])),
    )
    return JsonResponse(descriptor, json_dumps_params={"ensure_ascii": False, "indent": 2})


@require_GET
def results_svg(request: HttpRequest, slug: str) -> HttpResponse:
    activity = _activity_or_404(slug)
    result, public = _public_or_404(activity)
    response = HttpResponse(
        charts.chart_svg(public, result_id=result.pk), content_type="image/svg+xml"
    )
    response["Content-Disposition"] = f'inline; filename="{slug}-statements.svg"'
    return response
