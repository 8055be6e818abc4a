"""Staff: write, preview, publish and unpublish a consultation's results page (managers)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from consultation.analysis import selectors as analysis_selectors
from consultation.analysis.figure_selectors import results_anchors
from consultation.analysis.forms import ResultsPageForm, ResultsRevisionForm
from consultation.analysis.models import ResultsPage, ResultsRelease
from consultation.analysis.services import releases as release_services
from consultation.analysis.services.results import (
    results_page_publish,
    results_page_save,
    results_page_unpublish,
)
from consultation.models import Consultation
from consultation.selectors import consultation_for_staff
from talklondon.guards import errors_into_form, found_or_404, require_permission_or_404
from talklondon.permissions import can_manage_consultations


def _consultation(request, consultation_id: int) -> Consultation:
    return found_or_404(consultation_for_staff(consultation_id=consultation_id))


def _manager_action(view):
    """A button on the results page: a POST by a Consultation manager, 10 a minute at most."""
    view = require_permission_or_404(can_manage_consultations)(view)
    view = ratelimit(key="user_or_ip", rate="10/m", method="POST", block=True)(view)
    return require_POST(view)


def _flash(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


@require_http_methods(["GET", "POST"])
@ratelimit(key="user_or_ip", rate="20/m", method="POST", block=True)
@require_permission_or_404(can_manage_consultations)
def results_edit(request, consultation_id: int):
    consultation = _consultation(request, consultation_id)
    page = ResultsPage.objects.filter(consultation=consultation).first()
    initial = (
        {
            "summary": page.summary,
            "we_asked": page.we_asked,
            "you_said": page.you_said,
            "we_did": page.we_did,
        }
        if page
        else {}
    )
    form = ResultsPageForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            results_page_save(actor=request.user, consultation=consultation, **form.cleaned_data)
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            errors_into_form(form, exc)
        else:
            messages.success(
                request,
                "Results page saved."
                + (
                    " The published page shows the changes now."
                    if consultation.results_published_at
                    else ""
                ),
            )
            return redirect("analysis_staff:results_edit", consultation_id=consultation.pk)
    # Anchors the "You said" text can link to, so each statement can cite its figures.
    anchors = results_anchors(consultation)
    return render(
        request,
        "analysis/results_edit.html",
        {
            "consultation": consultation,
            "page": page,
            "form": form,
            "anchors": anchors,
            "releases": ResultsRelease.objects.filter(consultation=consultation).order_by(
                "-version"
            ),
            "revision_form": ResultsRevisionForm(),
        },
    )


@_manager_action
def results_publish(request, consultation_id: int):
    consultation = _consultation(request, consultation_id)
    try:
        results_page_publish(actor=request.user, consultation=consultation)
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        _flash(request, exc)
    else:
        messages.success(request, "The results page is published and linked from the consultation.")
    return redirect("analysis_staff:results_edit", consultation_id=consultation.pk)


@_manager_action
def results_unpublish(request, consultation_id: int):
    consultation = _consultation(request, consultation_id)
    try:
        results_page_unpublish(actor=request.user, consultation=consultation)
    except PermissionDenied:
        raise Http404 from None
    messages.success(request, "The results page is no longer public.")
    return redirect("analysis_staff:results_edit", consultation_id=consultation.pk)


@_manager_action
def results_revise(request, consultation_id: int):
    """Prepare a revision of the published figures from the responses as they are now."""
    consultation = _consultation(request, consultation_id)
    form = ResultsRevisionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        return redirect("analysis_staff:results_edit", consultation_id=consultation.pk)
    try:
        release = release_services.results_revision_prepare(
            actor=request.user, consultation=consultation, reason=form.cleaned_data["reason"]
        )
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        _flash(request, exc)
    else:
        if release.problems:
            messages.error(
                request,
                f"Version {release.version} did not pass the differencing check: see below.",
            )
        else:
            messages.success(request, f"Version {release.version} passed the differencing check.")
    return redirect("analysis_staff:results_edit", consultation_id=consultation.pk)


@_manager_action
def results_revision_publish(request, consultation_id: int, version: int):
    consultation = _consultation(request, consultation_id)
    release = found_or_404(
        analysis_selectors.results_release_for_staff(consultation=consultation, version=version)
    )
    try:
        release_services.results_revision_publish(actor=request.user, release=release)
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        _flash(request, exc)
    else:
        messages.success(request, f"Version {version} of the figures is published.")
    return redirect("analysis_staff:results_edit", consultation_id=consultation.pk)
