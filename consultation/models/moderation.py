"""Blocks on participants and the append-only audit trail of moderation."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from consultation.models.comments import Comment
from consultation.models.consultations import Consultation


class ParticipantBlock(models.Model):
    """A participant stopped from posting; while active their comments are hidden everywhere."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="participant_blocks"
    )
    reason = models.CharField(max_length=500)
    blocked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(lifted_at__isnull=True), name="one_active_block"
            ),
        ]

    def __str__(self) -> str:
        return f"Block on user {self.user_id}"


class AppendOnlyQuerySet(models.QuerySet):
    """The audit trail is evidence: rows are added, never changed or removed."""

    def update(self, **kwargs):
        raise TypeError("The moderation audit trail is append-only.")

    def delete(self):
        raise TypeError("The moderation audit trail is append-only.")


class ModerationAction(models.Model):
    class Kind(models.TextChoices):
        APPROVE = "approve", "Approved"
        REJECT = "reject", "Removed"
        REDACT = "redact", "Redacted"
        BLOCK = "block", "Blocked user"
        UNBLOCK = "unblock", "Unblocked user"

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="moderation_actions"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    comment = models.ForeignKey(
        Comment, on_delete=models.PROTECT, null=True, blank=True, related_name="moderation_actions"
    )
    subject_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    consultation = models.ForeignKey(
        Consultation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason_code = models.CharField(max_length=10, blank=True)
    reason_text = models.CharField(max_length=1000, blank=True)
    # The comment's text before and after the action, sealed with the key of the person it is
    # about (talklondon.sealing): readable while they have an account, gone when it is erased.
    before_sealed = models.TextField(blank=True)
    after_sealed = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by {self.actor_id}"

    def save(self, *args, **kwargs):
        # A guard, not business logic: an audit row, once written, is never rewritten.
        if not self._state.adding:
            raise TypeError("The moderation audit trail is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("The moderation audit trail is append-only.")
