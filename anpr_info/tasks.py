"""Celery tasks of the ANPR module, and their beat schedule.

The project's CELERY_BEAT_SCHEDULE belongs to the settings owner, so this module adds its own
periodic task when the Celery app is finalised: every minute, publish the embargoed releases whose
announced time has come. Publication is idempotent, so a missed or doubled beat is harmless.
"""

from celery import shared_task
from django.conf import settings

from talklondon.celery import app


def publish_interval() -> float:
    return float(getattr(settings, "ANPR_PUBLISH_CHECK_SECONDS", 60))


@shared_task(name="anpr_info.tasks.releases_publish_due")
def releases_publish_due() -> list[str]:
    from anpr_info.services.releases import releases_publish_due as publish_due
    from anpr_info.services.submissions import used_signatures_purge

    used_signatures_purge()
    published = [release.slug for release in publish_due()]
    if published:
        # The caches were emptied by the publication: draw the default charts now, here, rather
        # than in the first reader's request.
        from django.db import transaction

        from anpr_info.charts import charts_warm

        # After the data cache's new generation (its bump runs on commit, in order).
        transaction.on_commit(charts_warm)
    return published


@app.on_after_finalize.connect
def setup_periodic_tasks(sender, **kwargs):
    sender.add_periodic_task(
        publish_interval(),
        releases_publish_due.s(),
        name="anpr-publish-due-releases",
    )
