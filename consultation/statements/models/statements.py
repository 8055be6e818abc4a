"""Statements people react to, and their agree / disagree / pass votes."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from consultation.models.comments import HOLD_REASONS
from consultation.statements.models.activity import StatementsActivity

MAX_STATEMENT_LENGTH = 140


class Statement(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Awaiting moderation"
        PUBLISHED = "published", "Published"
        REMOVED = "removed", "Removed by a moderator"

    class Origin(models.TextChoices):
        SEED = "seed", "Written by MOPAC"
        PARTICIPANT = "participant", "Written by a participant"

    activity = models.ForeignKey(
        StatementsActivity, on_delete=models.CASCADE, related_name="statements"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="consultation_statements"
    )
    origin = models.CharField(max_length=12, choices=Origin.choices)
    text = models.CharField(max_length=MAX_STATEMENT_LENGTH)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    # Comma-separated hold reason codes (the same rules as comments); blank unless one caught it.
    held_for = models.CharField(max_length=200, blank=True)
    removal_reason = models.CharField(max_length=10, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["published_at", "id"]
        indexes = [
            models.Index(fields=["activity", "status", "published_at"], name="statement_activity"),
            models.Index(fields=["author", "created_at"], name="statement_author_recent"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="removed") | ~Q(removal_reason=""),
                name="statement_removed_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(origin__in=["seed", "participant"]), name="statement_known_origin"
            ),
        ]

    def __str__(self) -> str:
        return f"Statement {self.pk}"

    @property
    def held_reason_labels(self) -> list[str]:
        return [HOLD_REASONS.get(code, code) for code in self.held_for.split(",") if code]


class StatementVote(models.Model):
    class Choice(models.IntegerChoices):
        AGREE = 1, "Agree"
        DISAGREE = -1, "Disagree"
        PASS = 0, "Pass / unsure"

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="votes")
    # Denormalised from the statement, so that the vote matrix is one indexed scan.
    activity = models.ForeignKey(StatementsActivity, on_delete=models.CASCADE, related_name="votes")
    voter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="statement_votes"
    )
    choice = models.SmallIntegerField(choices=Choice.choices)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["activity", "voter"], name="statement_vote_voter"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["statement", "voter"], name="statement_vote_once"),
            models.CheckConstraint(
                condition=Q(choice__in=[1, -1, 0]), name="statement_vote_known_choice"
            ),
        ]

    def __str__(self) -> str:
        return f"Vote on statement {self.statement_id}"
