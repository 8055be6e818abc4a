"""Public consultation pages: the home page, listing, consultation, proposal pages and comment
actions.

Views are thin: form -> service -> redirect. Services raise ValidationError (shown in the
form's error summary) or PermissionDenied (shown the same way, with status 403).
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from consultation import selectors
from consultation.comment_html import comment_threads_html
from consultation.forms import CommentForm, ReportForm
from consultation.models import Comment, Consultation
from consultation.page_history import page_has_changes
from consultation.permissions import can_reply_to
from consultation.services import comments as comment_services
from consultation.services.notifications import reply_emails_unsubscribe, unsubscribe_user_id
from consultation.statements.selectors import activity_for_consultation as statements_activity_for
from talklondon.guards import errors_into_form
from talklondon.page_cache import cache_anonymous_page, param_choice, param_page_number
from talklondon.permissions import participation_problem

# Anonymous visitors share pages rendered at most a few seconds ago (talklondon.page_cache).
# The services that change what these pages show invalidate the same namespaces
# (consultation.services.cache).


def _participation(request) -> str | None:
    """Why this person cannot comment, or None."""
    problem = participation_problem(request.user)
    if problem is None and comment_services.is_blocked(request.user):
        return comment_services.BLOCKED_MESSAGE
    return problem


@require_GET
@cache_anonymous_page("consultations", params=())
def home(request: HttpRequest) -> HttpResponse:
    """The site's home page: what Talk London is, and the consultations open, coming and closed."""
    problem = participation_problem(request.user) if request.user.is_authenticated else None
    return render(
        request,
        "consultation/home.html",
        {"groups": selectors.consultation_list_public(), "participation_problem": problem},
    )


@require_GET
@cache_anonymous_page("consultations", params=())
def consultation_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "consultation/list.html",
        {"groups": selectors.consultation_list_public()},
    )


def _time_left(consultation: Consultation, now) -> str:
    status = consultation.status_at(now)
    if status == Consultation.Status.UPCOMING:
        days = (consultation.opens_at - now).days
        return "Opens tomorrow" if days < 1 else f"Opens in {days} day{'s' if days != 1 else ''}"
    if status == Consultation.Status.OPEN:
        left = consultation.closes_at - now
        if left.days >= 1:
            return f"Closes in {left.days} day{'s' if left.days != 1 else ''}"
        hours = int(left.total_seconds() // 3600)
        if hours >= 1:
            return f"Closes in {hours} hour{'s' if hours != 1 else ''}"
        return "Closes in less than an hour"
    return f"Closed on {timezone.localtime(consultation.closes_at):%-d %B %Y}"


@require_GET
@cache_anonymous_page(lambda request, slug: ["consultations", f"consultation:{slug}"], params=())
def consultation_detail(request: HttpRequest, slug: str) -> HttpResponse:
    consultation = selectors.consultation_get_public(slug=slug)
    if consultation is None:
        raise Http404
    now = timezone.now()
    survey_links = selectors.consultation_survey_links(consultation)
    return render(
        request,
        "consultation/detail.html",
        {
            "consultation": consultation,
            "status": consultation.status_at(now),
            "time_left": _time_left(consultation, now),
            "timeline": selectors.consultation_timeline(consultation, now),
            "pages": selectors.consultation_pages(consultation),
            "summary": selectors.moderation_summary(consultation),
            "survey_links": survey_links,
            "survey_url": survey_links[0]["url"] if survey_links else "",
            "statements_activity": statements_activity_for(consultation),
        },
    )


def _page_or_404(request, slug: str, page_slug: str):
    page = selectors.proposal_page_get(
        consultation_slug=slug,
        page_slug=page_slug,
        user=request.user,
        attachments=request.method == "GET",  # a POST that succeeds redirects
    )
    if page is None:
        raise Http404
    return page


def _page_context(request, page, form=None) -> dict:
    sort = request.GET.get("sort", selectors.DEFAULT_SORT)
    threads = selectors.comment_threads(
        page=page, user=request.user, sort=sort, page_number=request.GET.get("page", 1)
    )
    consultation = page.consultation
    problem = _participation(request) if consultation.is_open else None
    can_comment = consultation.is_open and page.comments_enabled and problem is None
    return {
        "consultation": consultation,
        "page": page,
        "pages": selectors.proposal_page_titles(page),
        "threads": threads,
        "threads_html": comment_threads_html(
            request, threads=threads, can_comment=can_comment, consultation=consultation
        ),
        "sort_labels": selectors.SORT_LABELS,
        "participation_problem": problem,
        "can_comment": can_comment,
        "form": form or CommentForm(),
        "page_has_changes": bool(page.last_updated_at) and page_has_changes(page),
    }


@require_http_methods(["GET", "POST"])
@cache_anonymous_page(
    lambda request, slug, page_slug: f"consultation:{slug}",
    # What _page_context and the comment pages' links read: ?sort=&page=(&fragment=1).
    params={
        "sort": param_choice(*selectors.SORTS),
        "page": param_page_number,
        "fragment": param_choice("1"),
    },
)
@ratelimit(key="user_or_ip", rate="20/m", method="POST", block=True)
def proposal_page(request: HttpRequest, slug: str, page_slug: str) -> HttpResponse:
    """A proposal page with its comments; POST posts a top-level comment."""
    page = _page_or_404(request, slug, page_slug)
    if request.method == "GET" and request.GET.get("fragment"):
        context = _page_context(request, page)
        return render(request, "consultation/includes/comment_page.html", context)
    form = None
    status = 200
    if request.method == "POST":
        form = CommentForm(request.POST)
        if form.is_valid():
            try:
                comment = comment_services.comment_post(
                    actor=request.user, page=page, text=form.cleaned_data["body"]
                )
            except (ValidationError, PermissionDenied) as exc:
                errors_into_form(form, exc)
                status = 403 if isinstance(exc, PermissionDenied) else 200
            else:
                return _after_post(request, comment)
    return render(
        request, "consultation/page.html", _page_context(request, page, form), status=status
    )


def _after_post(request, comment: Comment) -> HttpResponse:
    if comment.status == Comment.Status.PENDING:
        messages.info(
            request,
            "Your comment is awaiting moderation. It will appear once a moderator has checked it.",
        )
    else:
        messages.success(request, "Your comment has been posted.")
    return redirect(_comment_url(comment))


def _comment_url(comment: Comment, sort: str = "newest") -> str:
    page = comment.page
    url = reverse("consultation:page", args=[page.consultation.slug, page.slug])
    return f"{url}?sort={sort}#comment-{comment.pk}"


def _comment_visible_or_404(request, comment_id: int) -> Comment:
    comment = selectors.comment_get_public(comment_id=comment_id, user=request.user)
    if comment is None:
        raise Http404
    return comment


def _sign_in_first(request):
    if not request.user.is_authenticated:
        return redirect(f"{reverse('account_login')}?next={request.get_full_path()}")
    return None


@require_http_methods(["GET", "POST"])
@ratelimit(key="user_or_ip", rate="20/m", method="POST", block=True)
def comment_reply(request: HttpRequest, comment_id: int) -> HttpResponse:
    comment = _comment_visible_or_404(request, comment_id)
    if (response := _sign_in_first(request)) is not None:
        return response
    form = CommentForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            reply = comment_services.comment_post(
                actor=request.user,
                page=comment.page,
                text=form.cleaned_data["body"],
                reply_to_id=comment.pk,
            )
        except (ValidationError, PermissionDenied) as exc:
            errors_into_form(form, exc)
            status = 403 if isinstance(exc, PermissionDenied) else 200
        else:
            return _after_post(request, reply)
    replyable = can_reply_to(request.user, comment)
    return render(
        request,
        "consultation/comment_reply.html",
        {
            "comment": comment,
            "replyable": replyable,
            "page": comment.page,
            "consultation": comment.page.consultation,
            "form": form,
            "participation_problem": _participation(request),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@ratelimit(key="user_or_ip", rate="20/m", method="POST", block=True)
def comment_edit(request: HttpRequest, comment_id: int) -> HttpResponse:
    if (response := _sign_in_first(request)) is not None:
        return response
    comment = _comment_visible_or_404(request, comment_id)
    if comment.author_id != request.user.pk:
        raise Http404
    form = CommentForm(request.POST or None, initial={"body": comment.body})
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            comment = comment_services.comment_edit(
                actor=request.user, comment=comment, text=form.cleaned_data["body"]
            )
        except (ValidationError, PermissionDenied) as exc:
            errors_into_form(form, exc)
            status = 403 if isinstance(exc, PermissionDenied) else 200
        else:
            if comment.status == Comment.Status.PENDING:
                messages.info(request, "Your edited comment is awaiting moderation.")
            else:
                messages.success(request, "Your comment has been updated.")
            return redirect(_comment_url(comment))
    return render(
        request,
        "consultation/comment_edit.html",
        {"comment": comment, "page": comment.page, "form": form},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@ratelimit(key="user_or_ip", rate="20/m", method="POST", block=True)
def comment_delete(request: HttpRequest, comment_id: int) -> HttpResponse:
    if (response := _sign_in_first(request)) is not None:
        return response
    comment = _comment_visible_or_404(request, comment_id)
    if comment.author_id != request.user.pk:
        raise Http404
    error = ""
    if request.method == "POST":
        try:
            comment_services.comment_delete(actor=request.user, comment=comment)
        except (ValidationError, PermissionDenied) as exc:
            error = " ".join(getattr(exc, "messages", [str(exc)]))
        else:
            messages.success(request, "Your comment has been deleted.")
            return redirect(_comment_url(comment))
    return render(
        request,
        "consultation/comment_delete.html",
        {"comment": comment, "page": comment.page, "error": error},
        status=200 if not error else 400,
    )


@require_http_methods(["GET", "POST"])
@ratelimit(key="user_or_ip", rate="10/m", method="POST", block=True)
def comment_report(request: HttpRequest, comment_id: int) -> HttpResponse:
    if (response := _sign_in_first(request)) is not None:
        return response
    comment = _comment_visible_or_404(request, comment_id)
    form = ReportForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            comment_services.comment_report(
                actor=request.user,
                comment=comment,
                reason=form.cleaned_data["reason"],
                details=form.cleaned_data["details"],
            )
        except (ValidationError, PermissionDenied) as exc:
            errors_into_form(form, exc)
            status = 403 if isinstance(exc, PermissionDenied) else 200
        else:
            messages.success(
                request, "Thank you. A moderator will check the comment against the house rules."
            )
            return redirect(_comment_url(comment))
    return render(
        request,
        "consultation/comment_report.html",
        {"comment": comment, "page": comment.page, "form": form},
        status=status,
    )


@require_POST
@ratelimit(key="user_or_ip", rate="60/m", method="POST", block=True)
def comment_like(request: HttpRequest, comment_id: int) -> HttpResponse:
    if (response := _sign_in_first(request)) is not None:
        return response
    comment = _comment_visible_or_404(request, comment_id)
    try:
        if request.POST.get("action") == "unlike":
            comment_services.comment_unlike(actor=request.user, comment=comment)
        else:
            comment_services.comment_like(actor=request.user, comment=comment)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    sort = request.POST.get("sort", "newest")
    return redirect(_comment_url(comment, sort if sort in selectors.SORTS else "newest"))


@csrf_exempt  # the signed token authorises; RFC 8058 one-click POSTs carry no CSRF token
@require_http_methods(["GET", "POST"])
@ratelimit(key="ip", rate="30/m", method="POST", block=True)
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """One-click unsubscribe from reply emails: GET asks to confirm, POST switches them off."""
    valid = unsubscribe_user_id(token) is not None
    done = False
    if request.method == "POST" and valid:
        done = reply_emails_unsubscribe(token=token)
    return render(
        request,
        "consultation/unsubscribe.html",
        {"valid": valid, "done": done},
        status=200 if valid else 400,
    )


@require_GET
def attachment_download(request: HttpRequest, attachment_id: int) -> HttpResponse:
    attachment = selectors.attachment_get_public(attachment_id=attachment_id)
    if attachment is None:
        raise Http404
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    filename = attachment.file.name.rsplit("/", 1)[-1]
    response = FileResponse(handle, content_type="application/pdf", filename=filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response
