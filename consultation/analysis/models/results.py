"""The published results page of a consultation: "We asked, you said, we did"."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class ResultsPage(models.Model):
    """What a Consultation manager writes about a consultation's results (Markdown).

    Whether it is public is `Consultation.results_published_at` (set on publish): the one
    place every page asks. Figures and tables are computed from the responses, never typed in.
    """

    consultation = models.OneToOneField(
        "consultation.Consultation", on_delete=models.PROTECT, related_name="results_page"
    )
    summary = models.TextField(blank=True)
    we_asked = models.TextField()
    you_said = models.TextField()
    we_did = models.TextField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(we_asked="") & ~Q(you_said="") & ~Q(we_did=""),
                name="results_page_has_all_sections",
            ),
        ]

    def __str__(self) -> str:
        return f"Results of consultation {self.consultation_id}"
