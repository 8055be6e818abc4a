"""Codebooks of themes for open questions, and the tags people put on answers.

A theme belongs to `(dataset_key, question_key)` (for survey answers:
`("survey-answers", str(question.pk))`), and a tag points at the survey `Answer` it was put on
(a real foreign key, in the column `item_id` that the first version used for a plain id), so
that a tag goes when its answer goes (for example when a respondent's account is erased).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone


class Theme(models.Model):
    """A theme in the codebook of one open question. Only a person creates one."""

    class Origin(models.TextChoices):
        MANUAL = "manual", "Written by staff"
        SUGGESTED = "suggested", "Accepted from a suggestion"

    dataset_key = models.CharField(max_length=64)
    question_key = models.CharField(max_length=64)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.MANUAL)
    suggested_terms = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                "dataset_key",
                "question_key",
                Lower("name"),
                name="theme_name_unique_per_question",
            ),
            models.CheckConstraint(condition=~Q(name=""), name="theme_has_name"),
        ]

    def __str__(self) -> str:
        return self.name


class ThemeTag(models.Model):
    """A person's decision that one item (e.g. a survey answer) expresses a theme."""

    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="tags")
    answer = models.ForeignKey(
        "surveys.Answer", on_delete=models.CASCADE, related_name="theme_tags", db_column="item_id"
    )
    tagged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    tagged_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["theme", "answer"], name="theme_tag_once_per_answer"),
        ]

    def __str__(self) -> str:
        return f"{self.theme} on answer {self.answer_id}"
