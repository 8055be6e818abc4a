"""Moderators' writes: approve, reject, redact, bulk actions, block and unblock.

Every action writes one row to the append-only audit trail (ModerationAction) and, for
actions on a comment, tells its author the outcome through the outbox.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from consultation.limits import max_comment_length
from consultation.models import (
    Comment,
    CommentReport,
    CommentVersion,
    ModerationAction,
    ParticipantBlock,
)
from consultation.services.comments import reply_notification_enqueue
from consultation.services.public_pages import author_pages_changed, comment_pages_changed
from consultation.services.rules import text_hold_reasons
from talklondon.house_rules import HOUSE_RULES
from talklondon.models import User
from talklondon.outbox import outbox_enqueue
from talklondon.permissions import can_block_users, can_moderate
from talklondon.rich_text import render_markdown_lite
from talklondon.sealing import text_seal

HOUSE_RULE_CODES = {rule.code for rule in HOUSE_RULES}
REDACTED_VERSION_TEXT = (
    "[Personal information removed by a moderator. The original is not shown; it is kept sealed "
    "in the audit trail and erased with the author's account.]"
)
# Hold reasons that mean "this text carries someone's personal data", in a moderator's words.
PERSONAL_DATA_HOLD_REASONS = {
    "vehicle_registration": "what looks like a vehicle registration mark (number plate)",
    "email": "an email address",
    "phone": "a phone number",
}


def _require_moderator(actor: User) -> None:
    if not can_moderate(actor):
        raise PermissionDenied("Only moderators can do this.")


def _locked(comment: Comment) -> Comment:
    return (
        Comment.objects.select_for_update(of=("self",))
        .select_related("page__consultation")
        .get(pk=comment.pk)
    )


def _resolve_reports(comment: Comment, now) -> None:
    CommentReport.objects.filter(comment=comment, resolved_at__isnull=True).update(resolved_at=now)
    comment.open_report_count = 0


def _record(
    *,
    actor: User,
    kind: str,
    comment: Comment | None = None,
    before_text: str = "",
    after_text: str = "",
    **fields,
) -> ModerationAction:
    subject_id = comment.author_id if comment is not None else fields.pop("subject_user_id")
    # Notes and reasons stay in clear for accountability, so they must not carry anyone's
    # plate, email address or phone number.
    _personal_data_refuse(fields.get("reason_text", ""), what="Your note or reason contains")
    return ModerationAction.objects.create(
        actor=actor,
        kind=kind,
        comment=comment,
        subject_user_id=subject_id,
        consultation_id=comment.page.consultation_id if comment is not None else None,
        before_sealed=text_seal(user_id=subject_id, text=before_text),
        after_sealed=text_seal(user_id=subject_id, text=after_text),
        **fields,
    )


def personal_data_left(text: str) -> list[str]:
    """What the comment hold rules still see in `text` that is personal data (plates, email
    addresses, phone numbers), as labels a moderator can act on."""
    return [
        PERSONAL_DATA_HOLD_REASONS[code]
        for code in text_hold_reasons(text)
        if code in PERSONAL_DATA_HOLD_REASONS
    ]


def _personal_data_refuse(text: str, *, what: str) -> None:
    found = personal_data_left(text)
    if found:
        raise ValidationError(
            f"{what} {' and '.join(found)}. Take it out: personal information must not be "
            "published or kept in the audit trail."
        )


def _notify_author(action: ModerationAction) -> None:
    outbox_enqueue(
        task_name="consultation.tasks.comment_moderation_notify",
        kwargs={"action_id": action.pk},
    )


@transaction.atomic
def comment_approve(*, actor: User, comment: Comment, note: str = "") -> ModerationAction:
    """Publish a pending or held comment, keep a reported one, or reinstate a removed one.

    Open reports on the comment are resolved. The author is told when the approval changes
    what the public sees (a pending or removed comment becomes public).
    """
    _require_moderator(actor)
    comment = _locked(comment)
    if comment.is_deleted:
        raise ValidationError("The author deleted this comment; there is nothing to approve.")
    was = comment.status
    now = timezone.now()
    _resolve_reports(comment, now)
    comment.status = Comment.Status.PUBLISHED
    comment.removal_reason = ""
    if comment.published_at is None:
        comment.published_at = now
    comment.save(update_fields=["status", "removal_reason", "published_at", "open_report_count"])
    comment_pages_changed(comment)
    action = _record(
        actor=actor,
        kind=ModerationAction.Kind.APPROVE,
        comment=comment,
        reason_text=note.strip()[:1000],
        after_text=comment.body if was != Comment.Status.PUBLISHED else "",
    )
    if was != Comment.Status.PUBLISHED:
        _notify_author(action)
        reply_notification_enqueue(comment=comment)
    return action


@transaction.atomic
def comment_reject(
    *, actor: User, comment: Comment, reason_code: str, note: str = ""
) -> ModerationAction:
    """Remove a comment for breaking a house rule. Its replies stay visible under a notice."""
    _require_moderator(actor)
    if reason_code not in HOUSE_RULE_CODES:
        raise ValidationError("Choose the house rule the comment breaks.")
    comment = _locked(comment)
    if comment.is_removed:
        raise ValidationError("This comment has already been removed.")
    now = timezone.now()
    _resolve_reports(comment, now)
    comment.status = Comment.Status.REMOVED
    comment.removal_reason = reason_code
    comment.save(update_fields=["status", "removal_reason", "open_report_count"])
    comment_pages_changed(comment)
    action = _record(
        actor=actor,
        kind=ModerationAction.Kind.REJECT,
        comment=comment,
        reason_code=reason_code,
        reason_text=note.strip()[:1000],
    )
    if not comment.is_deleted:
        _notify_author(action)
    return action


@transaction.atomic
def comment_redact(
    *, actor: User, comment: Comment, text: str, reason_code: str = "2", note: str = ""
) -> ModerationAction:
    """Edit personal data out of a comment and publish it; the original stays for the audit,
    sealed with the author's key. A redaction that still holds personal data is refused."""
    _require_moderator(actor)
    if reason_code not in HOUSE_RULE_CODES:
        raise ValidationError("Choose the house rule the redaction enforces.")
    comment = _locked(comment)
    if comment.is_deleted:
        raise ValidationError("The author deleted this comment; there is nothing to redact.")
    text = (text or "").replace("\r\n", "\n").strip()
    if not text:
        raise ValidationError("Enter the redacted text. To hide the whole comment, reject it.")
    if len(text) > max_comment_length():
        raise ValidationError(f"The text must be {max_comment_length():,} characters or fewer.")
    if text == comment.body:
        raise ValidationError("The redacted text is the same as the original. Change it first.")
    _personal_data_refuse(text, what="The redacted text still contains")
    before = comment.body
    was = comment.status
    now = timezone.now()
    # The history shows that a redaction happened, not what it removed: the original is kept
    # only sealed in the audit trail, under the author's key.
    CommentVersion.objects.create(
        comment=comment, body=REDACTED_VERSION_TEXT, kind=CommentVersion.Kind.REDACTION
    )
    _resolve_reports(comment, now)
    comment.body = text
    comment.body_html = render_markdown_lite(text)
    comment.redacted_at = now
    comment.status = Comment.Status.PUBLISHED
    comment.removal_reason = ""
    if comment.published_at is None:
        comment.published_at = now
    comment.save(
        update_fields=[
            "body", "body_html", "redacted_at", "status", "removal_reason", "published_at",
            "open_report_count",
        ]
    )  # fmt: skip
    comment_pages_changed(comment)
    action = _record(
        actor=actor,
        kind=ModerationAction.Kind.REDACT,
        comment=comment,
        reason_code=reason_code,
        reason_text=note.strip()[:1000],
        before_text=before,
        after_text=text,
    )
    _notify_author(action)
    if was != Comment.Status.PUBLISHED:
        reply_notification_enqueue(comment=comment)
    return action


BULK_ACTIONS = {"approve", "reject"}


@transaction.atomic
def comments_bulk_moderate(
    *, actor: User, comment_ids: list[int], action: str, reason_code: str = "", note: str = ""
) -> int:
    """Approve or reject every selected comment, all or nothing. Returns how many were acted on.

    Comments already in the requested state are skipped rather than failing the batch.
    """
    _require_moderator(actor)
    if action not in BULK_ACTIONS:
        raise ValidationError("Choose an action for the selected comments.")
    if action == "reject" and reason_code not in HOUSE_RULE_CODES:
        raise ValidationError("Choose the house rule the selected comments break.")
    comments = list(Comment.objects.filter(pk__in=comment_ids).order_by("pk"))
    if not comments:
        raise ValidationError("Select at least one comment.")
    done = 0
    for comment in comments:
        if action == "approve":
            if comment.status == Comment.Status.PUBLISHED and not comment.open_report_count:
                continue
            if comment.is_deleted:
                continue
            comment_approve(actor=actor, comment=comment, note=note)
        else:
            if comment.is_removed:
                continue
            comment_reject(actor=actor, comment=comment, reason_code=reason_code, note=note)
        done += 1
    return done


def _require_blocker(actor: User) -> None:
    if not can_block_users(actor):
        raise PermissionDenied("Only moderators who may block users can do this.")


@transaction.atomic
def participant_block(*, actor: User, user, reason: str) -> ParticipantBlock:
    """Stop a person posting and hide all their comments until they are unblocked."""
    _require_blocker(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Say why you are blocking this person; it goes in the audit trail.")
    if user.pk == actor.pk:
        raise ValidationError("You cannot block yourself.")
    if ParticipantBlock.objects.filter(user=user, lifted_at__isnull=True).exists():
        raise ValidationError("This person is already blocked.")
    block = ParticipantBlock.objects.create(user=user, reason=reason[:500], blocked_by=actor)
    author_pages_changed(user.pk)
    action = _record(
        actor=actor,
        kind=ModerationAction.Kind.BLOCK,
        subject_user_id=user.pk,
        reason_text=reason[:1000],
    )
    # The person is told, with the appeal route (through the outbox, after commit).
    outbox_enqueue(
        task_name="consultation.tasks.participant_block_notify", kwargs={"action_id": action.pk}
    )
    return block


@transaction.atomic
def participant_unblock(*, actor: User, user, reason: str = "") -> ParticipantBlock:
    """Lift a block: the person can post again and their comments reappear."""
    _require_blocker(actor)
    block = (
        ParticipantBlock.objects.select_for_update()
        .filter(user=user, lifted_at__isnull=True)
        .first()
    )
    if block is None:
        raise ValidationError("This person is not blocked.")
    block.lifted_at = timezone.now()
    block.lifted_by = actor
    block.save(update_fields=["lifted_at", "lifted_by"])
    author_pages_changed(user.pk)
    _record(
        actor=actor,
        kind=ModerationAction.Kind.UNBLOCK,
        subject_user_id=user.pk,
        reason_text=(reason or "").strip()[:1000],
    )
    return block
