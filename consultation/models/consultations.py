"""A consultation: what is being asked, by whom, and when it is open."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class Consultation(models.Model):
    class Status(models.TextChoices):
        UPCOMING = "upcoming", "Upcoming"
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    class ModerationMode(models.TextChoices):
        PRE = "pre", "Pre-moderation: comments wait for a moderator"
        POST = "post", "Post-moderation: comments appear at once and reports are reviewed"

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    summary = models.TextField(help_text="One or two sentences shown in listings.")
    organisation = models.CharField(
        max_length=200, default="Mayor's Office for Policing and Crime (MOPAC)"
    )
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    moderation_mode = models.CharField(
        max_length=4, choices=ModerationMode.choices, default=ModerationMode.POST
    )
    results_published_at = models.DateTimeField(null=True, blank=True)
    # A consultation is a draft (staff editor and preview only) until a Consultation manager
    # publishes it; only then do the home page, the list and its public pages show it.
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-opens_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=F("opens_at")), name="consultation_closes_after_opening"
            ),
            # Results are published only once the consultation has closed.
            models.CheckConstraint(
                condition=Q(results_published_at__isnull=True)
                | Q(results_published_at__gte=F("closes_at")),
                name="consultation_results_after_close",
            ),
        ]

    def __str__(self) -> str:
        return self.title

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
    def is_draft(self) -> bool:
        return self.published_at is None

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED
