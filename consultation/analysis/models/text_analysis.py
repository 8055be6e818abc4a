"""A stored run of heavy free-text analysis (campaign groups, theme suggestions).

MinHash over every answer and NMF over thousands take seconds to minutes, so they run in a Celery
task and the staff pages only read the latest finished run: when it was computed, from how many
answers, and whether answers have changed since. The result holds answer ids only; the pages read
the answers' text by id, so a withheld or erased answer is never quoted from a stale result.
"""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class TextAnalysis(models.Model):
    class Kind(models.TextChoices):
        CAMPAIGNS = "campaigns", "Campaign groups"
        SUGGESTIONS = "suggestions", "Theme suggestions"

    class State(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    LIVE_STATES = (State.QUEUED, State.RUNNING)
    # A run still waiting or running this long after it was asked for or started has lost its
    # worker (a restart, a crash; the outbox's redelivery finds it "running" and leaves it):
    # a new request replaces it, and a late delivery may take it over. Minutes at 100,000
    # answers, so half an hour is ample.
    STALE_AFTER = timedelta(minutes=30)

    question = models.ForeignKey(
        "surveys.Question", on_delete=models.CASCADE, related_name="text_analyses"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    state = models.CharField(max_length=8, choices=State.choices, default=State.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)  # percent
    stage = models.CharField(max_length=80, blank=True)
    # How many answers went in, and a digest of their state (count, newest id, last edit, last
    # review), which tells whether two runs read the same answers.
    answers_counted = models.PositiveIntegerField(null=True, blank=True)
    fingerprint = models.CharField(max_length=200, blank=True)
    # The newest answer read: the page counts the answers after it ("N answers since") with a
    # range on the primary key, cheap at any size, where the digest would scan every answer.
    last_answer_id = models.PositiveBigIntegerField(null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    result = models.JSONField(default=dict, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        indexes = [
            models.Index(
                fields=["question", "kind", "state", "-finished_at"],
                name="text_analysis_latest_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=["queued", "running", "done", "failed"]),
                name="text_analysis_known_state",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["campaigns", "suggestions"]),
                name="text_analysis_known_kind",
            ),
            models.CheckConstraint(
                condition=Q(progress__lte=100), name="text_analysis_progress_percent"
            ),
            # Asking again while a run is waiting or running joins that run.
            models.UniqueConstraint(
                fields=["question", "kind"],
                condition=Q(state__in=["queued", "running"]),
                name="text_analysis_one_live_run",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for question {self.question_id} ({self.state})"

    @property
    def is_live(self) -> bool:
        return self.state in self.LIVE_STATES

    @property
    def is_stale(self) -> bool:
        since = self.started_at or self.requested_at
        return self.is_live and since < timezone.now() - self.STALE_AFTER

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None
