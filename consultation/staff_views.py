"""Staff pages: consultation managers' editor and the moderator's desk.

StaffAccessMiddleware already keeps out anyone without a staff role or MFA; each view also
checks its own predicate and answers 404 when the role is missing (staff pages are private).
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from consultation import selectors
from consultation.desk_filters import desk_filters
from consultation.forms import (
    ApproveForm,
    AttachmentForm,
    AuditFilterForm,
    BlockForm,
    BulkForm,
    ConsultationForm,
    PageForm,
    RedactForm,
    RejectForm,
    UnblockForm,
)
from consultation.models import Comment, Consultation, ParticipantBlock, ProposalPage
from consultation.services import consultations as consultation_services
from consultation.services import moderation as moderation_services
from talklondon.converters import ascii_int
from talklondon.guards import (
    errors_into_form,
    found_or_404,
    require_permission_or_404,
    require_recent_authentication,
)
from talklondon.permissions import can_block_users, can_manage_consultations, can_moderate

STAFF_RATE = "60/m"


# --- Consultation managers -------------------------------------------------------------------


@require_GET
@require_permission_or_404(can_manage_consultations)
def consultation_list(request: HttpRequest) -> HttpResponse:
    consultations = Consultation.objects.order_by("-opens_at")
    return render(
        request, "consultation/staff/consultation_list.html", {"consultations": consultations}
    )


@require_http_methods(["GET", "POST"])
@ratelimit(key="user", rate=STAFF_RATE, method="POST", block=True)
@require_permission_or_404(can_manage_consultations)
def consultation_create(request: HttpRequest) -> HttpResponse:
    form = ConsultationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            consultation = consultation_services.consultation_create(
                actor=request.user, **form.cleaned_data
            )
        except (ValidationError, PermissionDenied) as exc:
            errors_into_form(form, exc)
        else:
            messages.success(request, f"Consultation “{consultation.title}” created.")
            return redirect("consultation_staff:consultation_edit", pk=consultation.pk)
    return render(
        request,
        "consultation/staff/consultation_form.html",
        {"form": form, "consultation": None},
    )


@require_http_methods(["GET", "POST"])
@ratelimit(key="user", rate=STAFF_RATE, method="POST", block=True)
@require_permission_or_404(can_manage_consultations)
def consultation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    consultation = found_or_404(selectors.consultation_for_staff(consultation_id=pk))
    form = ConsultationForm(request.POST or None, instance=consultation)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            consultation_services.consultation_update(
                actor=request.user, consultation=Consultation.objects.get(pk=pk), **data
            )
        except (ValidationError, PermissionDenied) as exc:
            errors_into_form(form, exc)
        else:
            messages.success(request, "Consultation saved.")
            return redirect("consultation_staff:consultation_edit", pk=pk)
    pages = ProposalPage.objects.filter(consultation_id=pk).prefetch_related("attachments")
    return render(
        request,
        "consultation/staff/consultation_form.html",
        {"form": form, "consultation": Consultation.objects.get(pk=pk), "pages": pages},
    )


@require_http_methods(["GET", "POST"])
@ratelimit(key="user", rate=STAFF_RATE, method="POST", block=True)
@require_permission_or_404(can_manage_consultations)
def page_create(request: HttpRequest, pk: int) -> HttpResponse:
    consultation = found_or_404(selectors.consultation_for_staff(consultation_id=pk))
    form = PageForm(request.POST or None, initial={"comments_enabled": True})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            page = consultation_services.page_create(
                actor=request.user,
                consultation=consultation,
                title=data["title"],
                slug=data["slug"],
                body=data["body"],
                position=data["position"],
                comments_enabled=data["comments_enabled"],
            )
        except (ValidationError, PermissionDenied) as exc:
            errors_into_form(form, exc)
        else:
            messages.success(request, f"Page “{page.title}” added.")
            return redirect("consultation_staff:page_edit", page_id=page.pk)
    return render(
        request,
        "consultation/staff/page_form.html",
        {"form": form, "consultation": consultation, "page": None},
    )


@require_http_methods(["GET", "POST"])
@ratelimit(key="user", rate=STAFF_RATE, method="POST", block=True)
@require_permission_or_404(can_manage_consultations)
def page_edit(request: HttpRequest, page_id: int) -> HttpResponse:
    page = found_or_404(selectors.page_for_staff(page_id=page_id))
    initial = {
        "title": page.title,
        "slug": page.slug,
        "position": page.position,
        "body": page.body,
        "comments_enabled": page.comments_enabled,
    }
    form = PageForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            consultation_services.page_update(
                actor=request.user,
                page=page,
                title=data["title"],
                slug=data["slug"],
                body=data["body"],
                position=data["position"] if data["position"] is not None else page.position,
                comments_enabled=data["comments_enabled"],
                change_note=data["change_note"],
            )
        except (ValidationError, PermissionDenied) as exc:
            page.refresh_from_db()
            errors_into_form(form, exc)
        else:
            messages.success(request, "Page saved.")
            return redirect("consultation_staff:page_edit", page_id=page.pk)
    return render(
        request,
        "consultation/staff/page_form.html",
        {
            "form": form,
            "consultation": page.consultation,
            "page": page,
            "attachments": page.attachments.all(),
        },
    )


@require_http_methods(["GET", "POST"])
@ratelimit(key="user", rate=STAFF_RATE, method="POST", block=True)
@require_permission_or_404(can_manage_consultations)
def attachment_create(request: HttpRequest, page_id: int) -> HttpResponse:
    page = found_or_404(selectors.page_for_staff(page_id=page_id))
    form = AttachmentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            consultation_services.attachment_add(
                actor=request.user,
                page=page,
                title=form.cleaned_data["title"],
                uploaded_file=form.cleaned_data["file"],
            )
        except (ValidationError, PermissionDenied) as exc:
            errors_into_form(form, exc)
        else:
            messages.success(request, "Document attached.")
            return redirect("consultation_staff:page_edit", page_id=page.pk)
    return render(request, "consultation/staff/attachment_form.html", {"form": form, "page": page})


@require_POST
@ratelimit(key="user", rate=STAFF_RATE, method="POST", block=True)
@require_permission_or_404(can_manage_consultations)
def attachment_delete(request: HttpRequest, attachment_id: int) -> HttpResponse:
    attachment = found_or_404(selectors.attachment_for_staff(attachment_id=attachment_id))
    page_id = attachment.page_id
    consultation_services.attachment_delete(actor=request.user, attachment=attachment)
    messages.success(request, "Document removed.")
    return redirect("consultation_staff:page_edit", page_id=page_id)


# --- The moderator's desk --------------------------------------------------------------------


@require_GET
@require_permission_or_404(can_moderate)
def moderation_desk(request: HttpRequest) -> HttpResponse:
    queue = request.GET.get("queue", "pending")
    if queue not in selectors.QUEUES:
        queue = "pending"
    filters = desk_filters(request.GET)
    comments = selectors.moderation_queue(queue=queue, **filters.query)
    page_obj = Paginator(comments, 50).get_page(request.GET.get("page", 1))
    return render(
        request,
        "consultation/staff/moderation_desk.html",
        {
            "queue": queue,
            "filters": filters,
            "select_all": request.GET.get("select") == "all",
            "queues": selectors.QUEUES,
            "counts": selectors.moderation_queue_counts(),
            "page_obj": page_obj,
            "bulk_form": BulkForm(),
            "blocks": selectors.active_blocks()[:50],
        },
    )


@require_POST
@ratelimit(key="user", rate=STAFF_RATE, method="POST", block=True)
@require_permission_or_404(can_moderate)
def moderation_bulk(request: HttpRequest) -> HttpResponse:
    ids = [pk for pk in map(ascii_int, request.POST.getlist("comment")) if pk is not None]
    form = BulkForm(request.POST, comment_ids=ids)
    queue = request.POST.get("queue", "pending")
    if queue not in selectors.QUEUES:
        queue = "pending"
    back = f"{reverse('consultation_staff:moderation')}?queue={queue}"
    back += desk_filters(request.POST).querystring
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    try:
        done = moderation_services.comments_bulk_moderate(
            actor=request.user,
            comment_ids=form.cleaned_data["comment"],
            action=form.cleaned_data["action"],
            reason_code=form.cleaned_data["reason_code"],
        )
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        verb = "approved" if form.cleaned_data["action"] == "approve" else "removed"
        messages.success(request, f"{done} comment{'s' if done != 1 else ''} {verb}.")
    return redirect(back)


def _comment_context(comment: Comment, **forms) -> dict:
    return {
        "comment": comment,
        "approve_form": forms.get("approve_form") or ApproveForm(),
        "reject_form": forms.get("reject_form") or RejectForm(),
        "redact_form": forms.get("redact_form") or RedactForm(initial={"text": comment.body}),
        "author_blocked": ParticipantBlock.objects.filter(
            user_id=comment.author_id, lifted_at__isnull=True
        ).exists(),
    }


def _moderated_comment(comment_id: int) -> Comment:
    comment = selectors.comment_for_moderation(comment_id=comment_id)
    if comment is None:
        raise Http404
    return comment


@require_GET
@require_permission_or_404(can_moderate)
def moderation_comment(request: HttpRequest, comment_id: int) -> HttpResponse:
    comment = _moderated_comment(comment_id)
    return render(request, "consultation/staff/moderation_comment.html", _comment_context(comment))


@require_permission_or_404(can_moderate)
def _moderation_post(request, comment_id: int, form_class, form_key: str, service):
    comment = _moderated_comment(comment_id)
    queue = selectors.moderation_queue_of(comment)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            service(actor=request.user, comment=comment, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            errors_into_form(form, exc)
        else:
            # Straight on to the next comment in the same queue: a surge is worked item by item.
            following = (
                selectors.moderation_queue(queue=queue)
                .exclude(pk=comment.pk)
                .values_list("pk", flat=True)
                .first()
            )
            if following is None:
                messages.success(request, "Done. The decision is in the audit trail. "
                                 "That was the last comment in this queue.")  # fmt: skip
                return redirect(f"{reverse('consultation_staff:moderation')}?queue={queue}")
            messages.success(
                request,
                f"Done: comment {comment.pk} is in the audit trail. This is the next one.",
            )
            return redirect("consultation_staff:moderation_comment", comment_id=following)
    context = _comment_context(comment, **{form_key: form})
    context["error_form"] = form
    return render(request, "consultation/staff/moderation_comment.html", context, status=400)


@require_POST
@ratelimit(key="user", rate=STAFF_RATE, method="POST", block=True)
@require_permission_or_404(can_moderate)
def moderation_approve(request: HttpRequest, comment_id: int) -> HttpResponse:
    return _moderation_post(
        request, comment_id, ApproveForm, "approve_form", moderation_services.comment_approve
    )


@require_POST
@ratelimit(key="user", rate=STAFF_RATE, method="POST", block=True)
@require_permission_or_404(can_moderate)
def moderation_reject(request: HttpRequest, comment_id: int) -> HttpResponse:
    return _moderation_post(
        request, comment_id, RejectForm, "reject_form", moderation_services.comment_reject
    )


@require_POST
@ratelimit(key="user", rate=STAFF_RATE, method="POST", block=True)
@require_permission_or_404(can_moderate)
def moderation_redact(request: HttpRequest, comment_id: int) -> HttpResponse:
    return _moderation_post(
        request, comment_id, RedactForm, "redact_form", moderation_services.comment_redact
    )


@require_http_methods(["GET", "POST"])
@ratelimit(key="user", rate=STAFF_RATE, method="POST", block=True)
@require_permission_or_404(can_block_users)
@require_recent_authentication
def participant_block(request: HttpRequest, user_id: int) -> HttpResponse:
    person = found_or_404(selectors.participant_for_moderation(user_id=user_id))
    active = ParticipantBlock.objects.filter(user=person, lifted_at__isnull=True).first()
    form = BlockForm(request.POST or None)
    unblock_form = UnblockForm(request.POST or None) if active else None
    if request.method == "POST":
        bound = unblock_form if active else form
        if bound.is_valid():
            try:
                if active:
                    moderation_services.participant_unblock(
                        actor=request.user, user=person, reason=bound.cleaned_data["reason"]
                    )
                else:
                    moderation_services.participant_block(
                        actor=request.user, user=person, reason=bound.cleaned_data["reason"]
                    )
            except (ValidationError, PermissionDenied) as exc:
                errors_into_form(bound, exc)
            else:
                messages.success(
                    request,
                    f"{person.public_name} is {'unblocked' if active else 'blocked'}.",
                )
                return redirect("consultation_staff:participant_block", user_id=person.pk)
    recent = (
        Comment.objects.filter(author=person)
        .select_related("page__consultation")
        .order_by("-created_at")[:20]
    )
    return render(
        request,
        "consultation/staff/participant_block.html",
        {
            "person": person,
            "active": active,
            "form": form,
            "unblock_form": unblock_form,
            "recent": recent,
        },
    )


@require_GET
@require_permission_or_404(can_moderate)
def moderation_audit(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    filters = {}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = {
            "kind": data["kind"],
            "actor_id": data["actor"],
            "consultation_id": data["consultation"].pk if data["consultation"] else None,
            "subject_user_id": data["subject_user"],
            "date_from": data["date_from"],
            "date_to": data["date_to"],
        }
    actions = selectors.audit_trail(**filters)
    page_obj = Paginator(actions, 100).get_page(request.GET.get("page", 1))
    selectors.audit_texts_attach(page_obj.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "consultation/staff/moderation_audit.html",
        {"form": form, "page_obj": page_obj, "query": query.urlencode()},
    )
