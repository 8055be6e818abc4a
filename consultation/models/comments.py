"""Comments on proposal pages, their versions, likes and reports."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from consultation.models.pages import ProposalPage

# Top level is depth 0; replies nest to depth 2 (three levels in all).
MAX_DEPTH = 2

HOLD_REASONS: dict[str, str] = {
    "first_comment": "First comment from a new account",
    "vehicle_registration": "Looks like a vehicle registration mark",
    "email": "Contains an email address",
    "phone": "Contains a phone number",
    "link": "Contains a link",
    "blocklist": "Contains a blocklisted word",
    "surge": "Posted during a surge of comments",
}


class Comment(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Awaiting moderation"
        PUBLISHED = "published", "Published"
        REMOVED = "removed", "Removed by a moderator"

    page = models.ForeignKey(ProposalPage, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="consultation_comments"
    )
    # `parent` is where the comment sits in the thread; `replied_to` is what the person actually
    # answered (they differ when a reply to a third-level comment attaches at the third level).
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replies"
    )
    replied_to = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The top-level comment of the thread, so a page of threads loads in one query.
    thread = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="thread_comments"
    )
    depth = models.PositiveSmallIntegerField(default=0)
    body = models.TextField()
    body_html = models.TextField(help_text="The body rendered with Markdown-lite and sanitised.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    # Comma-separated HOLD_REASONS codes; blank unless a hold rule caught the comment.
    held_for = models.CharField(max_length=200, blank=True)
    removal_reason = models.CharField(max_length=10, blank=True)
    like_count = models.PositiveIntegerField(default=0)
    open_report_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    redacted_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    reply_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["page", "depth", "status", "created_at"], name="comment_page_top"),
            models.Index(fields=["thread", "created_at"], name="comment_thread"),
            models.Index(fields=["author", "created_at"], name="comment_author_recent"),
            models.Index(fields=["status", "created_at"], name="comment_status"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(depth__lte=MAX_DEPTH), name="comment_depth_max"),
            models.CheckConstraint(
                condition=Q(depth=0, parent__isnull=True, thread__isnull=True)
                | Q(depth__gt=0, parent__isnull=False, thread__isnull=False),
                name="comment_thread_shape",
            ),
            models.CheckConstraint(
                condition=~Q(status="removed") | ~Q(removal_reason=""),
                name="comment_removed_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"Comment {self.pk}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_removed(self) -> bool:
        return self.status == self.Status.REMOVED

    @property
    def held_reason_codes(self) -> list[str]:
        return [code for code in self.held_for.split(",") if code]

    @property
    def held_reason_labels(self) -> list[str]:
        return [HOLD_REASONS.get(code, code) for code in self.held_reason_codes]


class CommentVersion(models.Model):
    """An earlier text of a comment, kept for moderators when it is edited or redacted."""

    class Kind(models.TextChoices):
        EDIT = "edit", "Edited by the author"
        REDACTION = "redaction", "Redacted by a moderator"
        DELETION = "deletion", "Deleted by the author"

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="versions")
    body = models.TextField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    replaced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["comment", "replaced_at", "id"]

    def __str__(self) -> str:
        return f"Version of comment {self.comment_id}"


class CommentLike(models.Model):
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="likes")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comment_likes"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["comment", "user"], name="comment_like_once"),
        ]

    def __str__(self) -> str:
        return f"Like of comment {self.comment_id}"


class CommentReport(models.Model):
    class Reason(models.TextChoices):
        SPAM = "spam", "Spam"
        ABUSIVE = "abusive", "Abusive"
        OFF_TOPIC = "off_topic", "Off-topic"
        PERSONAL_INFORMATION = "personal_information", "Contains personal information"
        OTHER = "other", "Other"

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comment_reports"
    )
    reason = models.CharField(max_length=24, choices=Reason.choices)
    details = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["comment", "reporter"], name="comment_report_once"),
            models.CheckConstraint(
                condition=~Q(reason="other") | ~Q(details=""), name="comment_report_other_has_text"
            ),
        ]

    def __str__(self) -> str:
        return f"Report on comment {self.comment_id}"


class NotificationSent(models.Model):
    """One row per notification email sent, so that retried tasks never send twice."""

    key = models.CharField(max_length=100, unique=True)
    sent_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.key
