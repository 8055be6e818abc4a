"""The statements activity of a consultation: its own dates, chosen by a Consultation manager."""

from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class StatementsActivity(models.Model):
    class Status(models.TextChoices):
        UPCOMING = "upcoming", "Upcoming"
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    consultation = models.OneToOneField(
        "consultation.Consultation", on_delete=models.PROTECT, related_name="statements_activity"
    )
    introduction = models.TextField(
        help_text="What people are asked to react to, in a sentence or two."
    )
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    # Set when a computation is waiting in the queue, cleared when it starts: while set, new
    # votes do not queue another (the debounce).
    compute_queued_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "statements activities"
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=F("opens_at")), name="statements_closes_after_opening"
            ),
        ]

    def __str__(self) -> str:
        return f"Statements of consultation {self.consultation_id}"

    def status_at(self, when) -> str:
        if when < self.opens_at:
            return self.Status.UPCOMING
        if when < self.closes_at:
            return self.Status.OPEN
        return self.Status.CLOSED

    @property
    def status(self) -> str:
        """Derived from the clock, never stored."""
        return self.status_at(timezone.now())

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN
