"""Participants' writes on comment threads: post, edit, delete, like and report."""

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from consultation.limits import edit_window, max_comment_length, rate_per_hour, rate_per_minute
from consultation.models import (
    Comment,
    CommentLike,
    CommentReport,
    CommentVersion,
    Consultation,
    ParticipantBlock,
    ProposalPage,
)
from consultation.models.comments import MAX_DEPTH
from consultation.services.public_pages import comment_likes_changed, comment_pages_changed
from consultation.services.rules import comment_hold_reasons, text_hold_reasons
from talklondon.models import User
from talklondon.outbox import outbox_enqueue
from talklondon.permissions import participation_problem
from talklondon.rich_text import render_markdown_lite

BLOCKED_MESSAGE = (
    "Your account has been blocked from taking part in discussions. If you think this is a "
    "mistake, contact us."
)


def blocked_user_ids():
    """A subquery of the people currently blocked (used to hide their comments)."""
    return ParticipantBlock.objects.filter(lifted_at__isnull=True).values("user_id")


def is_blocked(user) -> bool:
    # Loaded this request with the object acted on (consultation.selectors.viewer_flags).
    loaded = getattr(user, "participation_blocked_loaded", None)
    if loaded is not None:
        return loaded
    return ParticipantBlock.objects.filter(user=user, lifted_at__isnull=True).exists()


def participant_check(user) -> None:
    """Raise PermissionDenied with a message we can show if this person cannot take part."""
    problem = participation_problem(user)
    if problem:
        raise PermissionDenied(problem)
    if is_blocked(user):
        raise PermissionDenied(BLOCKED_MESSAGE)


def consultation_open_check(consultation: Consultation, *, doing: str = "comment") -> None:
    status = consultation.status
    if status == Consultation.Status.UPCOMING:
        raise ValidationError(
            f"This consultation has not opened yet, so you cannot {doing} yet. It opens on "
            f"{timezone.localtime(consultation.opens_at):%-d %B %Y}."
        )
    if status == Consultation.Status.CLOSED:
        raise ValidationError(
            f"This consultation has closed, so you can no longer {doing}. The discussion stays "
            "here to read."
        )


def comment_text_clean(text: str) -> str:
    """Validate comment text and return it trimmed."""
    text = (text or "").replace("\r\n", "\n").strip()
    if not text:
        raise ValidationError("Enter your comment.", code="empty")
    if len(text) > max_comment_length():
        raise ValidationError(
            f"Your comment must be {max_comment_length():,} characters or fewer; it is "
            f"{len(text):,}.",
            code="too_long",
        )
    return text


def _posting_state(user, consultation) -> dict:
    """Everything the checks before a post need, in one query that locks the person's row.

    The lock serialises this person's posts, so that a double submit cannot slip past the
    rate limits and the duplicate check. Counts: their comments in the last minute and hour,
    whether they have commented before, the body of their last comment, and the comments on
    this consultation in the last minute (the surge rule).
    """
    now = timezone.now()
    minute_ago, hour_ago = now - timedelta(minutes=1), now - timedelta(hours=1)

    def count(comments, group_by: str):
        counted = comments.order_by().values(group_by).annotate(n=Count("pk")).values("n")[:1]
        return Coalesce(Subquery(counted), 0)

    mine = Comment.objects.filter(author_id=OuterRef("pk"))
    state = (
        User.objects.select_for_update(of=("self",))
        .filter(pk=user.pk)
        .annotate(
            last_minute=count(mine.filter(created_at__gte=minute_ago), "author_id"),
            last_hour=count(mine.filter(created_at__gte=hour_ago), "author_id"),
            has_commented=Exists(mine),
            last_body=Subquery(mine.order_by("-created_at", "-id").values("body")[:1]),
            on_consultation=count(
                Comment.objects.filter(
                    page__consultation_id=consultation.pk, created_at__gte=minute_ago
                ),
                "page__consultation_id",
            ),
        )
        .values("last_minute", "last_hour", "has_commented", "last_body", "on_consultation")
        .first()
    )
    return state or {
        "last_minute": 0,
        "last_hour": 0,
        "has_commented": False,
        "last_body": None,
        "on_consultation": 0,
    }


def _rate_limit_check(user, state: dict | None = None) -> None:
    now = timezone.now()
    per_minute = rate_per_minute()
    per_hour = rate_per_hour()
    recent = Comment.objects.filter(author=user, created_at__gte=now - timedelta(hours=1))
    last_minute = (
        state["last_minute"]
        if state
        else recent.filter(created_at__gte=now - timedelta(minutes=1)).count()
    )
    if last_minute >= per_minute:
        raise ValidationError(
            f"You can post up to {per_minute} comments a minute. Wait a minute and try again; "
            "your text is still in the box.",
            code="rate_minute",
        )
    if (state["last_hour"] if state else recent.count()) >= per_hour:
        raise ValidationError(
            f"You can post up to {per_hour} comments an hour. Try again later; your text is "
            "still in the box.",
            code="rate_hour",
        )


def _normalised(text: str) -> str:
    return " ".join(text.split()).casefold()


def _duplicate_check(user, text: str, state: dict | None = None) -> None:
    if state is not None:
        last_body = state["last_body"]
    else:
        last = Comment.objects.filter(author=user).order_by("-created_at", "-id").first()
        last_body = last.body if last is not None else None
    if last_body is not None and _normalised(last_body) == _normalised(text):
        raise ValidationError(
            "You have just posted this same comment. It has not been posted twice.",
            code="duplicate",
        )


@transaction.atomic
def comment_post(
    *, actor: User, page: ProposalPage, text: str, reply_to_id: int | None = None
) -> Comment:
    """Post a comment (or a reply) on a proposal page.

    Held for a moderator when the consultation is pre-moderated or a hold rule matches;
    otherwise published at once. Replies deeper than three levels attach at the third level.
    """
    participant_check(actor)
    consultation = page.consultation
    consultation_open_check(consultation)
    if not page.comments_enabled:
        raise ValidationError("Comments are switched off on this page.")
    text = comment_text_clean(text)
    state = _posting_state(actor, consultation)
    _rate_limit_check(actor, state)
    _duplicate_check(actor, text, state)

    parent = replied_to = thread = None
    depth = 0
    if reply_to_id is not None:
        replied_to = (
            Comment.objects.filter(
                pk=reply_to_id,
                page=page,
                status=Comment.Status.PUBLISHED,
                deleted_at__isnull=True,
            )
            .exclude(author_id__in=blocked_user_ids())
            .first()
        )
        if replied_to is None:
            raise ValidationError(
                "The comment you are replying to has been removed or no longer exists.",
                code="bad_parent",
            )
        if replied_to.depth >= MAX_DEPTH:
            parent, depth = replied_to.parent, MAX_DEPTH
        else:
            parent, depth = replied_to, replied_to.depth + 1
        thread = replied_to.thread or replied_to

    reasons = comment_hold_reasons(
        user=actor,
        consultation=consultation,
        text=text,
        has_commented=state["has_commented"],
        recent_on_consultation=state["on_consultation"],
    )
    now = timezone.now()
    pending = bool(reasons) or consultation.moderation_mode == Consultation.ModerationMode.PRE
    comment = Comment.objects.create(
        page=page,
        author=actor,
        parent=parent,
        replied_to=replied_to,
        thread=thread,
        depth=depth,
        body=text,
        body_html=render_markdown_lite(text),
        status=Comment.Status.PENDING if pending else Comment.Status.PUBLISHED,
        held_for=",".join(reasons),
        created_at=now,
        published_at=None if pending else now,
    )
    if not pending:
        reply_notification_enqueue(comment=comment)
        comment_pages_changed(comment)
    return comment


def reply_notification_enqueue(*, comment: Comment) -> None:
    """Tell the author of the comment replied to, once the reply is public."""
    if comment.replied_to_id is None or comment.reply_notified_at is not None:
        return
    outbox_enqueue(
        task_name="consultation.tasks.comment_reply_notify",
        kwargs={"comment_id": comment.pk},
    )


def _own_comment(user, comment: Comment) -> None:
    if not user.is_authenticated or comment.author_id != user.pk:
        raise PermissionDenied("You can only change your own comments.")


@transaction.atomic
def comment_edit(*, actor: User, comment: Comment, text: str) -> Comment:
    """Edit one's own comment within the edit window; the earlier text is kept for moderators.

    An edit that trips a text hold rule (or any edit under pre-moderation) goes back to the
    moderation queue.
    """
    comment = (
        Comment.objects.select_for_update().select_related("page__consultation").get(pk=comment.pk)
    )
    _own_comment(actor, comment)
    participant_check(actor)
    consultation_open_check(comment.page.consultation, doing="edit comments")
    if comment.is_deleted or comment.is_removed:
        raise ValidationError("This comment can no longer be edited.")
    if timezone.now() > comment.created_at + edit_window():
        minutes = int(edit_window().total_seconds() // 60)
        raise ValidationError(f"You can only edit a comment in the first {minutes} minutes.")
    text = comment_text_clean(text)
    if text == comment.body:
        return comment
    CommentVersion.objects.create(comment=comment, body=comment.body, kind=CommentVersion.Kind.EDIT)
    reasons = text_hold_reasons(text)
    pre = comment.page.consultation.moderation_mode == Consultation.ModerationMode.PRE
    comment.body = text
    comment.body_html = render_markdown_lite(text)
    comment.edited_at = timezone.now()
    fields = ["body", "body_html", "edited_at"]
    if reasons or pre:
        comment.status = Comment.Status.PENDING
        comment.held_for = ",".join(reasons)
        comment.published_at = None
        fields += ["status", "held_for", "published_at"]
    comment.save(update_fields=fields)
    comment_pages_changed(comment)
    return comment


@transaction.atomic
def comment_delete(*, actor: User, comment: Comment) -> Comment:
    """Delete one's own comment. Its replies stay; the text is kept only for moderators."""
    comment = (
        Comment.objects.select_for_update().select_related("page__consultation").get(pk=comment.pk)
    )
    _own_comment(actor, comment)
    consultation_open_check(comment.page.consultation, doing="delete comments")
    if comment.is_deleted:
        raise ValidationError("You have already deleted this comment.")
    CommentVersion.objects.create(
        comment=comment, body=comment.body, kind=CommentVersion.Kind.DELETION
    )
    comment.deleted_at = timezone.now()
    comment.body = ""
    comment.body_html = ""
    comment.save(update_fields=["deleted_at", "body", "body_html"])
    comment_pages_changed(comment)
    return comment


def _loaded(comment: Comment) -> bool:
    """Whether the caller loaded the comment with its page this request (no need to reload)."""
    page = Comment._meta.get_field("page")
    return page.is_cached(comment) and ProposalPage._meta.get_field("consultation").is_cached(
        comment.page
    )


def _likeable(user, comment: Comment) -> Comment:
    participant_check(user)
    if not _loaded(comment):
        comment = Comment.objects.select_related("page__consultation").get(pk=comment.pk)
    consultation_open_check(comment.page.consultation, doing="like comments")
    if comment.status != Comment.Status.PUBLISHED or comment.is_deleted:
        raise ValidationError("You can only like a published comment.")
    if comment.author_id == user.pk:
        raise ValidationError("You cannot like your own comment.")
    return comment


@transaction.atomic
def comment_like(*, actor: User, comment: Comment) -> bool:
    """Like a comment once. Returns False if this person had already liked it."""
    comment = _likeable(actor, comment)
    try:
        with transaction.atomic():
            CommentLike.objects.create(comment=comment, user=actor)
    except IntegrityError:
        return False
    Comment.objects.filter(pk=comment.pk).update(like_count=F("like_count") + 1)
    comment_likes_changed(comment)
    return True


@transaction.atomic
def comment_unlike(*, actor: User, comment: Comment) -> bool:
    """Take a like back. Returns False if there was no like to take back."""
    comment = _likeable(actor, comment)
    deleted, _ = CommentLike.objects.filter(comment=comment, user=actor).delete()
    if not deleted:
        return False
    Comment.objects.filter(pk=comment.pk, like_count__gt=0).update(like_count=F("like_count") - 1)
    comment_likes_changed(comment)
    return True


def comment_report(
    *, actor: User, comment: Comment, reason: str, details: str = ""
) -> CommentReport:
    """Report a comment to the moderators. Each person can report a comment once."""
    try:
        with transaction.atomic():
            return _comment_report(actor=actor, comment=comment, reason=reason, details=details)
    except IntegrityError as exc:
        # The same report twice at once: the database keeps one (and nothing of this one).
        raise ValidationError(ALREADY_REPORTED) from exc


ALREADY_REPORTED = "You have already reported this comment. A moderator will look at it."


def _comment_report(*, actor: User, comment: Comment, reason: str, details: str) -> CommentReport:
    if not actor.is_authenticated:
        raise PermissionDenied("Sign in to report a comment.")
    participant_check(actor)
    if not _loaded(comment):
        comment = Comment.objects.select_related("page__consultation").get(pk=comment.pk)
    # Reports stay open after closing: removing harmful content is not taking part.
    if comment.page.consultation.status == Consultation.Status.UPCOMING:
        raise ValidationError("This consultation has not opened yet.")
    if comment.status != Comment.Status.PUBLISHED or comment.is_deleted:
        raise ValidationError("This comment is not published, so there is nothing to report.")
    if comment.author_id == actor.pk:
        raise ValidationError("You cannot report your own comment. You can edit or delete it.")
    if reason not in CommentReport.Reason.values:
        raise ValidationError("Choose why you are reporting this comment.")
    details = (details or "").strip()
    if reason == CommentReport.Reason.OTHER and not details:
        raise ValidationError("Tell us what is wrong with this comment.")
    if len(details) > 500:
        raise ValidationError("Your explanation must be 500 characters or fewer.")
    # The view loads whether this person has reported it with the comment (viewer_reported).
    reported = getattr(comment, "viewer_reported", None)
    if reported is None:
        reported = CommentReport.objects.filter(comment=comment, reporter=actor).exists()
    if reported:
        raise ValidationError(ALREADY_REPORTED)
    report = CommentReport.objects.create(
        comment=comment, reporter=actor, reason=reason, details=details
    )
    Comment.objects.filter(pk=comment.pk).update(open_report_count=F("open_report_count") + 1)
    return report
