"""The staff preview of unpublished results: kept, dated, and prepared again by a task.

A preview is what publishing would publish now: every survey's tables, protected together by
the disclosure engine (results_tables). That takes seconds whatever the number of responses
(the engine's programs, not the counting), so a staff page never prepares it in its request.
It is kept in the cache under a fingerprint of what it counts (each survey's
`figures_fingerprint` and the state of the themes the tables show). A view shows the
preview kept for the present fingerprint; if there is none, the latest one kept for the same
questions, marked with its time and how many responses have arrived since, and asks the
Celery task `results_preview_refresh` (through the outbox, once per burst of views: a lock in
the cache) to prepare it again. With nothing kept yet (the first preview, or the questions
changed) the page says the figures are being prepared. Eager Celery (development, tests)
prepares while asked, so there the page shows fresh figures at once.

Published results never read this: publishing builds its release from the responses afresh.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Count, Max
from django.utils import timezone

from consultation.analysis.models import Theme
from consultation.analysis.results_tables import results_tables
from consultation.models import Consultation
from consultation.surveys.models import Survey
from consultation.surveys.selectors import (
    FiguresAsOf,
    KeptFigures,
    figures_fingerprint,
    figures_keep,
    figures_kept_or_latest,
    figures_refresh_ask,
)

PREVIEW_REFRESH_TASK = "consultation.analysis.tasks.results_preview_refresh"


@dataclass(frozen=True)
class _Fingerprint:
    exact: str  # what the figures count: responses and themes
    questions: str  # which questions: the surveys and their structure versions
    submitted: int


def _fingerprint(consultation: Consultation) -> _Fingerprint:
    prints = [
        figures_fingerprint(survey)
        for survey in Survey.objects.filter(consultation=consultation).order_by("pk")
    ]
    # The theme tables count tags: a tag added or removed, or a theme made or deleted, shows.
    # (A renamed theme does not change this; FIGURES_CACHE_SECONDS bounds how long it waits.)
    themes = Theme.objects.filter(dataset_key="survey-answers").aggregate(
        themes=Count("pk", distinct=True),
        newest=Max("pk"),
        tagged=Count("tags"),
        top_tag=Max("tags"),
    )
    exact = "|".join([*(p.key for p in prints), ".".join(map(str, themes.values()))])
    questions = "|".join(f"{p.survey_id}.{p.structure_version}" for p in prints)
    return _Fingerprint(
        exact=hashlib.sha256(exact.encode()).hexdigest(),
        questions=questions,
        submitted=sum(p.submitted for p in prints),
    )


def _keys(consultation_id: int, fingerprint: _Fingerprint) -> tuple[str, str]:
    return (
        f"results-preview:{consultation_id}:{fingerprint.exact}",
        f"results-preview-latest:{consultation_id}:{fingerprint.questions}",
    )


def _lock_key(consultation_id: int) -> str:
    return f"results-preview-preparing:{consultation_id}"


def results_preview(consultation: Consultation) -> tuple[dict | None, FiguresAsOf | None]:
    """(content as results_tables makes it, what it counts and when); (None, None) while the
    first preview of these questions is being prepared."""
    fingerprint = _fingerprint(consultation)
    kept = figures_kept_or_latest(
        *_keys(consultation.pk, fingerprint),
        lambda: figures_refresh_ask(
            _lock_key(consultation.pk),
            PREVIEW_REFRESH_TASK,
            {"consultation_id": consultation.pk},
        ),
        ask_if_none_kept=True,  # never prepared in the request
    )
    if kept is None:
        return None, None
    return kept.value, kept.as_of(fingerprint)


def results_preview_refresh(*, consultation_id: int) -> bool:
    """Prepare the preview for the responses as they are now and keep it (the Celery task).
    Idempotent: a preview already kept for the present fingerprint is not prepared again."""
    try:
        consultation = Consultation.objects.filter(pk=consultation_id).first()
        if consultation is None:
            return False
        fingerprint = _fingerprint(consultation)
        exact_key, latest_key = _keys(consultation.pk, fingerprint)
        if not isinstance(cache.get(exact_key), KeptFigures):
            computed_at = timezone.now()
            content, _true = results_tables(consultation)
            kept = KeptFigures(value=content, fingerprint=fingerprint, computed_at=computed_at)
            figures_keep(exact_key, latest_key, kept)
        return True
    finally:
        cache.delete(_lock_key(consultation_id))
