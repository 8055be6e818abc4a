"""Staff: previewing a draft consultation or proposal page, and publishing it.

A consultation and each of its pages are drafts until a Consultation manager publishes them
(consultation.services.consultations); until then the public routes answer 404, so the
preview here is the only way to read them as a reader would.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods
from django_ratelimit.decorators import ratelimit

from consultation import selectors
from consultation.models import Consultation, ProposalPage
from consultation.permissions import can_publish_consultation, can_publish_page
from consultation.services import consultations as consultation_services
from talklondon.guards import found_or_404, require_permission_or_404
from talklondon.permissions import can_manage_consultations

STAFF_RATE = "60/m"


def _pages_line(pages: list[ProposalPage]) -> str:
    drafts = [page.title for page in pages if page.is_draft]
    if not pages:
        return "It has no proposal pages yet."
    if not drafts:
        return f"All {len(pages)} of its proposal pages are published."
    return (
        f"{len(drafts)} of its {len(pages)} proposal pages are drafts and stay hidden until "
        f"you publish them: {', '.join(f'“{title}”' for title in drafts)}."
    )


def _confirm(request, *, subject: str, title: str, lines: list[str], back_url: str, button: str):
    return render(
        request,
        "consultation/staff/publish_confirm.html",
        {
            "subject": subject,
            "title": title,
            "lines": lines,
            "back_url": back_url,
            "button": button,
        },
    )


def _publish(request, publish, done: str, back_url: str) -> HttpResponse:
    try:
        publish()
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, done)
    return redirect(back_url)


@require_http_methods(["GET", "POST"])
@ratelimit(key="user", rate=STAFF_RATE, method="POST", block=True)
@require_permission_or_404(can_manage_consultations)
def consultation_publish(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks to confirm, saying what the public will see; POST publishes."""
    consultation = found_or_404(selectors.consultation_for_staff(consultation_id=pk))
    back_url = reverse("consultation_staff:consultation_edit", kwargs={"pk": pk})
    if request.method == "POST":
        return _publish(
            request,
            lambda: consultation_services.consultation_publish(
                actor=request.user, consultation=consultation
            ),
            "Consultation published. The home page and the list of consultations now show it.",
            back_url,
        )
    if not can_publish_consultation(request.user, consultation):
        return redirect(back_url)
    pages = selectors.consultation_pages(consultation, drafts=True)
    return _confirm(
        request,
        subject=consultation.title,
        title=f"Publish “{consultation.title}”?",
        lines=[
            "The home page and the list of consultations will show it to everyone, and it "
            f"opens for comments on {timezone.localtime(consultation.opens_at):%-d %B %Y %H:%M}.",
            _pages_line(pages),
        ],
        back_url=back_url,
        button="Publish consultation",
    )


@require_http_methods(["GET", "POST"])
@ratelimit(key="user", rate=STAFF_RATE, method="POST", block=True)
@require_permission_or_404(can_manage_consultations)
def page_publish(request: HttpRequest, page_id: int) -> HttpResponse:
    page = found_or_404(selectors.page_for_staff(page_id=page_id))
    back_url = reverse("consultation_staff:page_edit", kwargs={"page_id": page.pk})
    if request.method == "POST":
        return _publish(
            request,
            lambda: consultation_services.proposal_page_publish(actor=request.user, page=page),
            "Page published.",
            back_url,
        )
    if not can_publish_page(request.user, page):
        return redirect(back_url)
    consultation = page.consultation
    shown = (
        "Everyone can read it, and comment on it while the consultation is open."
        if not consultation.is_draft
        else f"Everyone can read it once the consultation “{consultation.title}” is published "
        "too; it is still a draft."
    )
    return _confirm(
        request,
        subject=consultation.title,
        title=f"Publish the page “{page.title}”?",
        lines=[shown],
        back_url=back_url,
        button="Publish page",
    )


@require_GET
@require_permission_or_404(can_manage_consultations)
def consultation_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The consultation as readers will see its text, drafts included."""
    consultation: Consultation = found_or_404(selectors.consultation_for_staff(consultation_id=pk))
    return render(
        request,
        "consultation/staff/preview.html",
        {
            "consultation": consultation,
            "page": None,
            "pages": selectors.consultation_pages(consultation, drafts=True),
        },
    )


@require_GET
@require_permission_or_404(can_manage_consultations)
def page_preview(request: HttpRequest, page_id: int) -> HttpResponse:
    """A proposal page as readers will see its text, before it is published."""
    page = found_or_404(selectors.page_for_staff(page_id=page_id))
    return render(
        request,
        "consultation/staff/preview.html",
        {
            "consultation": page.consultation,
            "page": page,
            "pages": selectors.proposal_page_titles(page, drafts=True),
            "attachments": page.attachments.order_by("id"),
        },
    )
