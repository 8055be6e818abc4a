"""Celery tasks for exports and free-text analysis. Tasks take ids and call services; all are
idempotent.

Beat runs `export_expire` every EXPORT_EXPIRY_CHECK_SECONDS (CELERY_BEAT_SCHEDULE in
talklondon/settings.py).
"""

from celery import shared_task

from consultation.analysis.services.exports.building import export_build_run
from consultation.analysis.services.exports.delivering import export_expire_due


@shared_task(name="consultation.analysis.tasks.export_build")
def export_build(export_id: int) -> bool:
    return export_build_run(export_id=export_id) is not None


@shared_task(name="consultation.analysis.tasks.export_expire")
def export_expire() -> int:
    return export_expire_due()


@shared_task(name="consultation.analysis.tasks.results_published_notify")
def results_published_notify(release_id: int) -> int:
    from consultation.analysis.services.notifications import results_published_notify_all

    return results_published_notify_all(release_id=release_id)


@shared_task(name="consultation.analysis.tasks.text_analysis_run")
def text_analysis_run(analysis_id: int) -> bool:
    """Campaign groups or theme suggestions for one question (services/text_analysis.py)."""
    from consultation.analysis.services.text_analysis import text_analysis_run as run

    return run(analysis_id=analysis_id) is not None


@shared_task(name="consultation.analysis.tasks.results_preview_refresh")
def results_preview_refresh(consultation_id: int) -> bool:
    """Prepare the staff preview of unpublished results again (results_preview.py), asked
    for by a preview page that showed an older one, or none."""
    from consultation.analysis.results_preview import results_preview_refresh as run

    return run(consultation_id=consultation_id)
