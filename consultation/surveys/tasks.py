"""Celery tasks for surveys. Tasks take ids and plain values and call selectors or services;
all are idempotent."""

from celery import shared_task


@shared_task(name="consultation.surveys.tasks.figures_refresh")
def figures_refresh(survey_id: int, kind: str, parts: list) -> bool:
    """Count a kind of a survey's staff figures again and keep them (selectors.py), asked for
    by a staff page that showed the previous ones."""
    from consultation.surveys.selectors import figures_refresh as run

    return run(survey_id=survey_id, kind=kind, parts=parts)
