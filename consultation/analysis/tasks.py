"""Celery tasks for exports. Tasks take ids and call services; both are idempotent."""

from celery import shared_task

from consultation.analysis.services.exports import export_build_run, export_expire_due
from talklondon.celery import app

EXPIRY_SCHEDULE_SECONDS = 15 * 60.0


@shared_task(name="consultation.analysis.tasks.export_build")
def export_build(export_id: int) -> bool:
    return export_build_run(export_id=export_id) is not None


@shared_task(name="consultation.analysis.tasks.export_expire")
def export_expire() -> int:
    return export_expire_due()


def schedule_periodic_tasks(sender, **kwargs) -> None:
    """Delete expired export files every 15 minutes (settings.py belongs to the site app)."""
    sender.add_periodic_task(
        EXPIRY_SCHEDULE_SECONDS, export_expire.s(), name="analysis-export-expiry"
    )


app.on_after_finalize.connect(schedule_periodic_tasks, weak=False)
if app.finalized:
    # This module was imported after the app was finalised (e.g. by Django code rather than
    # by the worker's autodiscovery): the signal has already fired, so add the entry now.
    schedule_periodic_tasks(app)


@shared_task(name="consultation.analysis.tasks.results_published_notify")
def results_published_notify(release_id: int) -> int:
    from consultation.analysis.services.notifications import results_published_notify_all

    return results_published_notify_all(release_id=release_id)
