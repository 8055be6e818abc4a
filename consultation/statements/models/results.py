"""A frozen computation of the opinion groups: what the results pages publish."""

from django.db import models
from django.utils import timezone

from consultation.statements.models.activity import StatementsActivity


class OpinionResult(models.Model):
    """One run of the maths, kept with the numbers behind it. Never changed after it is written.

    `payload` holds the groups, their representative statements, the common ground and every
    statement's agree / disagree / pass counts overall and per group (raw counts: the pages
    pass them through disclosure control before showing them). `assignments` maps each included
    voter's user id to a group, for the staff's pseudonymous export; public pages never load it.
    """

    activity = models.ForeignKey(
        StatementsActivity, on_delete=models.CASCADE, related_name="results"
    )
    computed_at = models.DateTimeField(default=timezone.now, db_index=True)
    duration_ms = models.PositiveIntegerField(default=0)
    votes_total = models.PositiveIntegerField()
    voters_total = models.PositiveIntegerField()
    voters_included = models.PositiveIntegerField()
    statements_total = models.PositiveIntegerField()
    group_count = models.PositiveSmallIntegerField()
    params = models.JSONField(default=dict)
    silhouettes = models.JSONField(default=dict)
    payload = models.JSONField(default=dict)
    assignments = models.JSONField(default=dict)

    class Meta:
        ordering = ["-computed_at", "-id"]

    def __str__(self) -> str:
        return f"Opinion groups of activity {self.activity_id} at {self.computed_at:%Y-%m-%d %H:%M}"
