"""Staff pages of the statements activity: set-up, seeding, moderation, results and exports.

Every page is guarded by require_permission_or_404 with a predicate from
consultation.statements.permissions (which needs MFA in the session) and answers "not found" to
staff without the role, as the other staff pages do.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from consultation import selectors as consultation_selectors
from consultation.statements import selectors
from consultation.statements.exports import vote_matrix_lines
from consultation.statements.forms import ActivityForm, RejectStatementForm, StatementForm
from consultation.statements.permissions import (
    can_export_vote_matrix,
    can_manage_statements,
    can_moderate_statements,
    can_see_statement_workspace,
)
from consultation.statements.services.activity import statement_seed, statements_activity_save
from consultation.statements.services.moderation import statement_approve, statement_reject
from consultation.statements.services.results import common_ground_add_to_results
from consultation.statements.services.voting import opinion_groups_request
from consultation.statements.views import results_context
from talklondon.guards import (
    error_messages,
    errors_into_form,
    found_or_404,
    require_permission_or_404,
)

STAFF_RATE = "60/m"


def _consultation(consultation_id: int):
    return found_or_404(
        consultation_selectors.consultation_for_staff(consultation_id=consultation_id)
    )


def _activity(consultation_id: int):
    return found_or_404(selectors.activity_for_staff(consultation_id=consultation_id))


@require_GET
@require_permission_or_404(can_see_statement_workspace)
def activity_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "statements/staff/list.html",
        {
            "consultations": selectors.activities_for_staff(),
            "can_manage": can_manage_statements(request.user),
        },
    )


def _workspace_context(request, activity, **extra) -> dict:
    return {
        "activity": activity,
        "consultation": activity.consultation,
        "to_moderate": selectors.statements_to_moderate(activity),
        "statements": selectors.statements_for_staff(activity),
        "counts": selectors.activity_counts(activity),
        "result": selectors.latest_result(activity),
        "can_manage": can_manage_statements(request.user),
        "can_moderate": can_moderate_statements(request.user),
        "can_export": can_export_vote_matrix(request.user),
        "seed_form": extra.pop("seed_form", None) or StatementForm(),
        "reject_form": RejectStatementForm(),
        **extra,
    }


@require_GET
@require_permission_or_404(can_see_statement_workspace)
def workspace(request: HttpRequest, consultation_id: int) -> HttpResponse:
    consultation = _consultation(consultation_id)
    activity = selectors.activity_for_consultation(consultation)
    if activity is None:
        if can_manage_statements(request.user):
            return redirect("statements_staff:activity_edit", consultation_id=consultation_id)
        raise Http404
    activity.consultation = consultation
    return render(request, "statements/staff/workspace.html", _workspace_context(request, activity))


@require_http_methods(["GET", "POST"])
@ratelimit(key="user", rate=STAFF_RATE, method="POST", block=True)
@require_permission_or_404(can_manage_statements)
def activity_edit(request: HttpRequest, consultation_id: int) -> HttpResponse:
    consultation = _consultation(consultation_id)
    activity = selectors.activity_for_consultation(consultation)
    initial = (
        {
            "introduction": activity.introduction,
            "opens_at": activity.opens_at,
            "closes_at": activity.closes_at,
        }
        if activity
        else {"opens_at": consultation.opens_at, "closes_at": consultation.closes_at}
    )
    form = ActivityForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            statements_activity_save(
                actor=request.user, consultation=consultation, **form.cleaned_data
            )
        except (ValidationError, PermissionDenied) as exc:
            errors_into_form(form, exc)
        else:
            messages.success(request, "Statements activity saved.")
            return redirect("statements_staff:workspace", consultation_id=consultation_id)
    return render(
        request,
        "statements/staff/activity_form.html",
        {"form": form, "consultation": consultation, "activity": activity},
        status=400 if form.errors else 200,
    )


@require_POST
@ratelimit(key="user", rate=STAFF_RATE, method="POST", block=True)
@require_permission_or_404(can_manage_statements)
def seed(request: HttpRequest, consultation_id: int) -> HttpResponse:
    activity = _activity(consultation_id)
    form = StatementForm(request.POST)
    if form.is_valid():
        try:
            statement_seed(actor=request.user, activity=activity, text=form.cleaned_data["text"])
        except (ValidationError, PermissionDenied) as exc:
            errors_into_form(form, exc)
        else:
            messages.success(request, "Statement added and published.")
            return redirect("statements_staff:workspace", consultation_id=consultation_id)
    return render(
        request,
        "statements/staff/workspace.html",
        _workspace_context(request, activity, seed_form=form),
        status=400,
    )


@require_POST
@ratelimit(key="user", rate=STAFF_RATE, method="POST", block=True)
@require_permission_or_404(can_see_statement_workspace)
def compute(request: HttpRequest, consultation_id: int) -> HttpResponse:
    activity = _activity(consultation_id)
    if opinion_groups_request(activity=activity):
        messages.success(request, "The opinion groups are being worked out again.")
    else:
        messages.success(request, "The opinion groups are already being worked out.")
    return redirect("statements_staff:workspace", consultation_id=consultation_id)


@require_GET
@require_permission_or_404(can_see_statement_workspace)
def results(request: HttpRequest, consultation_id: int) -> HttpResponse:
    activity = _activity(consultation_id)
    context = results_context(activity)
    context["can_manage"] = can_manage_statements(request.user)
    context["can_export"] = can_export_vote_matrix(request.user)
    return render(request, "statements/staff/results.html", context)


@require_POST
@ratelimit(key="user", rate=STAFF_RATE, method="POST", block=True)
@require_permission_or_404(can_manage_statements)
def common_ground(request: HttpRequest, consultation_id: int) -> HttpResponse:
    activity = _activity(consultation_id)
    try:
        common_ground_add_to_results(actor=request.user, activity=activity)
    except (ValidationError, PermissionDenied) as exc:
        for message in error_messages(exc):
            messages.error(request, message)
    else:
        messages.success(
            request, "The common ground has been added to “You said” on the results page."
        )
    return redirect("statements_staff:results", consultation_id=consultation_id)


@require_GET
@require_permission_or_404(can_export_vote_matrix)
def vote_matrix(request: HttpRequest, consultation_id: int) -> HttpResponse:
    activity = _activity(consultation_id)
    response = StreamingHttpResponse(
        vote_matrix_lines(activity), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{activity.consultation.slug}-vote-matrix.csv"'
    )
    return response


@require_POST
@ratelimit(key="user", rate=STAFF_RATE, method="POST", block=True)
@require_permission_or_404(can_moderate_statements)
def approve(request: HttpRequest, statement_id: int) -> HttpResponse:
    statement = found_or_404(selectors.statement_for_staff(statement_id=statement_id))
    try:
        statement_approve(actor=request.user, statement=statement)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(error_messages(exc)))
    else:
        messages.success(request, "Statement published.")
    return redirect(
        "statements_staff:workspace", consultation_id=statement.activity.consultation_id
    )


@require_POST
@ratelimit(key="user", rate=STAFF_RATE, method="POST", block=True)
@require_permission_or_404(can_moderate_statements)
def reject(request: HttpRequest, statement_id: int) -> HttpResponse:
    statement = found_or_404(selectors.statement_for_staff(statement_id=statement_id))
    form = RejectStatementForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose the house rule the statement breaks.")
    else:
        try:
            statement_reject(
                actor=request.user,
                statement=statement,
                reason_code=form.cleaned_data["reason_code"],
            )
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(error_messages(exc)))
        else:
            messages.success(request, "Statement removed.")
    return redirect(
        "statements_staff:workspace", consultation_id=statement.activity.consultation_id
    )
