"""The consultation app's part of a person's data: export it, and erase or anonymise it.

The lead registers these with the site's personal-data service:
  comments_export(user) -> list[dict]
  comments_erase(user, *, remove_content: bool) -> int
"""

from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from consultation.house_rules import house_rule_title
from consultation.models import (
    Comment,
    CommentLike,
    CommentReport,
    CommentVersion,
    ParticipantBlock,
)


def comments_export(user) -> list[dict]:
    """Everything this person wrote or did in discussions, as plain data for a subject access
    export: their comments (with earlier versions), the comments they liked and reported."""
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
