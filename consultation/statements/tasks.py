"""Celery tasks of the statements app. They take ids, call services and are idempotent."""

from celery import shared_task

from consultation.statements.services.results import opinion_groups_run


@shared_task(name="consultation.statements.tasks.opinion_groups_compute")
def opinion_groups_compute(activity_id: int) -> int | None:
    result = opinion_groups_run(activity_id=activity_id)
    return result.pk if result else None
