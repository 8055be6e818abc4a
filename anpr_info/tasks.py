"""Celery tasks of the ANPR module.

Beat runs `releases_publish_due` every ANPR_PUBLISH_CHECK_SECONDS (CELERY_BEAT_SCHEDULE in
talklondon/settings.py): it publishes the embargoed releases whose announced time has come.
"""

from celery import shared_task


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
