"""The consultation app's part of a person's data: export it, and erase or anonymise it.

The lead registers these with the site's personal-data service:
  comments_export(user) -> list[dict]
  comments_erase(user, *, remove_content: bool) -> int
"""

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from consultation.models import (
    Comment,
    CommentLike,
    CommentReport,
    CommentVersion,
    ModerationAction,
    ParticipantBlock,
)
from talklondon.house_rules import house_rule_title
from talklondon.personal_data import (
    ACCOUNT_LIFE,
    BLANK,
    CONTRIBUTION_LIFE,
    DELETE,
    KEEP,
    PSEUDONYMISE,
    PUBLIC_TASK,
    SHRED,
    STAFF_RECORD,
    Field,
    NotPersonal,
    Retention,
    RetentionRule,
    register_fields,
    register_not_personal,
    register_retention,
)
from talklondon.sealing import Unsealer
from talklondon.services import months_before


def comments_export(user) -> list[dict]:
    """Everything this person wrote or did in discussions, as plain data for a subject access
    export: their comments (with earlier versions), moderators' decisions about them (with the
    texts sealed under their key), blocks, the comments they liked and reported."""
    comments = (
        Comment.objects.filter(author=user)
        .select_related("page__consultation")
        .prefetch_related("versions")
        .order_by("created_at", "id")
    )
    rows: list[dict] = []
    for c in comments:
        rows.append(
            {
                "type": "comment",
                "id": c.pk,
                "consultation": c.page.consultation.title,
                "page": c.page.title,
                "in_reply_to": c.replied_to_id,
                "text": c.body,
                "status": c.get_status_display(),
                "held_for": c.held_reason_labels,
                "removal_reason": house_rule_title(c.removal_reason) if c.removal_reason else "",
                "likes_received": c.like_count,
                "created_at": c.created_at.isoformat(),
                "edited_at": c.edited_at.isoformat() if c.edited_at else None,
                "deleted_at": c.deleted_at.isoformat() if c.deleted_at else None,
                "earlier_versions": [
                    {
                        "text": v.body,
                        "kind": v.get_kind_display(),
                        "replaced_at": v.replaced_at.isoformat(),
                    }
                    for v in c.versions.all()
                ],
            }
        )
    for like in CommentLike.objects.filter(user=user).order_by("created_at"):
        rows.append(
            {
                "type": "like",
                "comment_id": like.comment_id,
                "created_at": like.created_at.isoformat(),
            }
        )
    unsealer = Unsealer()
    for action in ModerationAction.objects.filter(subject_user=user).order_by("created_at", "pk"):
        rows.append(
            {
                "type": "moderation decision",
                "decision": action.get_kind_display(),
                "comment_id": action.comment_id,
                "house_rule": house_rule_title(action.reason_code) if action.reason_code else "",
                "moderator_note": action.reason_text,
                "text_before": unsealer.open(user_id=user.pk, sealed=action.before_sealed),
                "text_after": unsealer.open(user_id=user.pk, sealed=action.after_sealed),
                "created_at": action.created_at.isoformat(),
            }
        )
    for block in ParticipantBlock.objects.filter(user=user).order_by("created_at"):
        rows.append(
            {
                "type": "block",
                "reason": block.reason,
                "blocked_at": block.created_at.isoformat(),
                "lifted_at": block.lifted_at.isoformat() if block.lifted_at else None,
            }
        )
    for report in CommentReport.objects.filter(reporter=user).order_by("created_at"):
        rows.append(
            {
                "type": "report",
                "comment_id": report.comment_id,
                "reason": report.get_reason_display(),
                "details": report.details,
                "created_at": report.created_at.isoformat(),
            }
        )
    return rows


@transaction.atomic
def comments_erase(user, *, remove_content: bool) -> int:
    """Erase or anonymise this person's part in discussions. Returns comments affected.

    remove_content=False: comments stay, shown under "Deleted account" once the account is
    marked erased (User.public_name); their likes and reports are removed.
    remove_content=True: additionally the text of every comment and all earlier versions are
    wiped; comments with replies stay as "deleted" placeholders so threads still read.

    Earlier versions always go, and so does the text of comments the public never saw. The
    moderation audit trail is append-only: its texts are sealed with the person's key, which
    the account erasure destroys (talklondon.sealing).
    """
    liked = list(CommentLike.objects.filter(user=user).values_list("comment_id", flat=True))
    CommentLike.objects.filter(user=user).delete()
    if liked:
        Comment.objects.filter(pk__in=liked, like_count__gt=0).update(
            like_count=F("like_count") - 1
        )
    open_reports = list(
        CommentReport.objects.filter(reporter=user, resolved_at__isnull=True).values_list(
            "comment_id", flat=True
        )
    )
    CommentReport.objects.filter(reporter=user).delete()
    if open_reports:
        Comment.objects.filter(pk__in=open_reports, open_report_count__gt=0).update(
            open_report_count=F("open_report_count") - 1
        )
    comments = Comment.objects.filter(author=user)
    count = comments.count()
    comment_versions_delete(CommentVersion.objects.filter(comment__author=user))
    # Comments the public never saw (held, or removed by a moderator) are often held or
    # removed *because* they carry personal information: they go whatever the choice.
    unseen = comments.exclude(status=Comment.Status.PUBLISHED)
    comments_text_blank(unseen)
    if remove_content:
        comments_text_blank(comments)
    ParticipantBlock.objects.filter(user=user).update(reason=ERASED_REASON)
    return count


ERASED_REASON = "[removed when the account was deleted]"


def comment_versions_delete(versions) -> int:
    """Earlier texts (edits, redactions, deletions) kept for moderators: deleted outright."""
    deleted, _ = versions.delete()
    return deleted


def comments_text_blank(comments) -> int:
    """Mark these comments deleted and blank their text; threads still read around them."""
    comments.filter(deleted_at__isnull=True).update(deleted_at=timezone.now())
    return comments.update(body="", body_html="")


def comment_participation():
    """(author id, consultation close) for everyone who commented: feeds the retention job."""
    return (
        Comment.objects.filter(author__isnull=False)
        .values("author_id")
        .annotate(ended_at=Max("page__consultation__closes_at"))
        .values_list("author_id", "ended_at")
    )


# --- The consultation app's part of the personal-data inventory -----------------------------

VERSION_LIFE = Retention(
    "comment_versions",
    "{COMMENT_VERSION_RETENTION_MONTHS} months after the consultation closes, or when your "
    "account is erased",
)
AUDIT_LIFE = Retention(
    "audit",
    "the record of who moderated what, when and under which house rule is kept for "
    "accountability; the text it concerns is sealed with your own key, which is destroyed when "
    "your account is erased",
)
_DISCUSSION = "Comments and discussion"
_MODERATION = "Moderation"
_STAFF = "Staff"

register_fields(
    Field("consultation.Comment", "author", "that you wrote a comment", "to show it under "
          "your display name and let you edit it", PUBLIC_TASK, CONTRIBUTION_LIFE, KEEP,
          person="author", group=_DISCUSSION),
    Field("consultation.Comment", "body", "the comments and replies you post, which everyone "
          "can read", "the consultation's public discussion", PUBLIC_TASK, CONTRIBUTION_LIFE,
          BLANK, person="author", group=_DISCUSSION),
    Field("consultation.Comment", "body_html", "the same comment, formatted for the page",
          "the consultation's public discussion", PUBLIC_TASK, CONTRIBUTION_LIFE, BLANK,
          person="author", group=_DISCUSSION),
    Field("consultation.Comment", "created_at", "when you posted", "to show the discussion in "
          "order", PUBLIC_TASK, CONTRIBUTION_LIFE, KEEP, person="author", group=_DISCUSSION),
    Field("consultation.CommentVersion", "body", "earlier text of a comment you edited or "
          "deleted", "so moderators can see what was changed", PUBLIC_TASK, VERSION_LIFE,
          DELETE, person="comment__author", group=_DISCUSSION),
    Field("consultation.CommentLike", "user", "which comments you liked", "to count likes "
          "once per person", PUBLIC_TASK, ACCOUNT_LIFE, DELETE, person="user",
          group=_DISCUSSION),
    Field("consultation.CommentReport", "reporter", "that you reported a comment",
          "so moderators can review it", PUBLIC_TASK, ACCOUNT_LIFE, DELETE, person="reporter",
          group=_MODERATION),
    Field("consultation.CommentReport", "details", "what you told us when you reported a "
          "comment", "so moderators can review it", PUBLIC_TASK, ACCOUNT_LIFE, DELETE,
          person="reporter", group=_MODERATION),
    Field("consultation.ParticipantBlock", "user", "that you were blocked from taking part",
          "to enforce the house rules", PUBLIC_TASK, AUDIT_LIFE, KEEP, person="user",
          group=_MODERATION),
    Field("consultation.ParticipantBlock", "reason", "why a moderator blocked you",
          "to enforce the house rules", PUBLIC_TASK, AUDIT_LIFE, BLANK, person="user",
          group=_MODERATION),
    Field("consultation.ParticipantBlock", "blocked_by", "which moderator blocked someone",
          "accountability", PUBLIC_TASK, STAFF_RECORD, KEEP, person="blocked_by",
          audience="staff", group=_STAFF),
    Field("consultation.ParticipantBlock", "lifted_by", "which moderator lifted a block",
          "accountability", PUBLIC_TASK, STAFF_RECORD, KEEP, person="lifted_by",
          audience="staff", group=_STAFF),
    Field("consultation.ModerationAction", "subject_user", "moderators' decisions about your "
          "comments or your account", "accountability for moderation", PUBLIC_TASK,
          AUDIT_LIFE, KEEP, person="subject_user", group=_MODERATION),
    Field("consultation.ModerationAction", "before_sealed", "the text of your comment before "
          "a moderator acted, sealed with your key", "accountability for moderation",
          PUBLIC_TASK, AUDIT_LIFE, SHRED, person="subject_user", group=_MODERATION),
    Field("consultation.ModerationAction", "after_sealed", "the text after a moderator acted, "
          "sealed with your key", "accountability for moderation", PUBLIC_TASK, AUDIT_LIFE,
          SHRED, person="subject_user", group=_MODERATION),
    Field("consultation.ModerationAction", "reason_text", "a moderator's note on a decision "
          "(checked to hold no plates, email addresses or phone numbers)", "accountability "
          "for moderation", PUBLIC_TASK, AUDIT_LIFE, KEEP, person="subject_user",
          group=_MODERATION),
    Field("consultation.ModerationAction", "actor", "which moderator acted", "accountability "
          "for moderation", PUBLIC_TASK, STAFF_RECORD, KEEP, person="actor", audience="staff",
          group=_STAFF),
    Field("consultation.ProposalPageVersion", "created_by", "which member of staff edited a "
          "proposal page", "accountability", PUBLIC_TASK, STAFF_RECORD, KEEP,
          person="created_by", audience="staff", group=_STAFF),
    Field("consultation.Attachment", "uploaded_by", "which member of staff uploaded a "
          "document", "accountability", PUBLIC_TASK, STAFF_RECORD, PSEUDONYMISE,
          person="uploaded_by", audience="staff", group=_STAFF),
    Field("consultation.Consultation", "published_by", "which member of staff published a "
          "consultation", "accountability", PUBLIC_TASK, STAFF_RECORD, KEEP,
          person="published_by", audience="staff", group=_STAFF),
    Field("consultation.ProposalPage", "published_by", "which member of staff published a "
          "proposal page", "accountability", PUBLIC_TASK, STAFF_RECORD, KEEP,
          person="published_by", audience="staff", group=_STAFF),
)  # fmt: skip

register_not_personal(
    NotPersonal("consultation.Consultation", ("title", "slug", "summary", "organisation",
                "opens_at", "closes_at", "moderation_mode", "results_published_at",
                "created_at", "updated_at", "published_at"),
                "what MOPAC publishes about a consultation"),
    NotPersonal("consultation.ProposalPage", ("consultation", "title", "slug", "position",
                "body", "comments_enabled", "last_updated_at", "change_note", "created_at",
                "published_at"),
                "MOPAC's published proposal"),
    NotPersonal("consultation.ProposalPageVersion", ("page", "number", "title", "body",
                "change_note", "created_at"), "earlier wording of MOPAC's published proposal"),
    NotPersonal("consultation.Attachment", ("page", "title", "file", "size_bytes",
                "page_count", "uploaded_at"), "MOPAC's published documents"),
    NotPersonal("consultation.Comment", ("page", "parent", "replied_to", "thread", "depth",
                "status", "held_for", "removal_reason", "like_count", "open_report_count",
                "edited_at", "deleted_at", "redacted_at", "published_at", "reply_notified_at"),
                "where a comment sits and its moderation state (codes and times)"),
    NotPersonal("consultation.CommentVersion", ("comment", "kind", "replaced_at"),
                "which comment and when"),
    NotPersonal("consultation.CommentLike", ("comment", "created_at"), "which comment and when"),
    NotPersonal("consultation.CommentReport", ("comment", "reason", "created_at",
                "resolved_at"), "which comment, a reason code and when"),
    NotPersonal("consultation.NotificationSent", ("key", "sent_at"),
                "ids of notifications already sent, so none is sent twice"),
    NotPersonal("consultation.ParticipantBlock", ("created_at", "lifted_at"), "when"),
    NotPersonal("consultation.ModerationAction", ("kind", "comment", "consultation",
                "reason_code", "created_at"), "what was done, to which comment, under which "
                "house rule, and when"),
)  # fmt: skip


# --- Retention rules -------------------------------------------------------------------------


def _unseen_comments_of_erased():
    return (
        Comment.objects.filter(author__erased_at__isnull=False)
        .exclude(status=Comment.Status.PUBLISHED, deleted_at__isnull=True)
        .exclude(body="")
    )


def _old_versions(now):
    cutoff = months_before(now, settings.COMMENT_VERSION_RETENTION_MONTHS)
    return CommentVersion.objects.filter(comment__page__consultation__closes_at__lt=cutoff)


def _old_reports(now):
    cutoff = months_before(now, settings.PERSONAL_DATA_RETENTION_MONTHS)
    return CommentReport.objects.filter(
        resolved_at__isnull=False, comment__page__consultation__closes_at__lt=cutoff
    )


register_retention(
    RetentionRule(
        "unseen-comments-of-erased",
        "held, removed or deleted comments of erased accounts",
        "the public never saw them (or no longer does) and the author's account is erased: "
        "text emptied",
        lambda now: _unseen_comments_of_erased().count(),
        lambda now: comments_text_blank(_unseen_comments_of_erased()),
    ),
    RetentionRule(
        "comment-versions",
        "earlier versions of comments",
        "the consultation closed more than {COMMENT_VERSION_RETENTION_MONTHS} months ago: deleted",
        lambda now: _old_versions(now).count(),
        lambda now: comment_versions_delete(_old_versions(now)),
    ),
    RetentionRule(
        "comment-reports",
        "resolved reports of comments, with what the reporter wrote",
        "resolved, and the consultation closed more than {PERSONAL_DATA_RETENTION_MONTHS} "
        "months ago: deleted",
        lambda now: _old_reports(now).count(),
        lambda now: _old_reports(now).delete()[0],
    ),
)
