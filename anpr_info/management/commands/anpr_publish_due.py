"""Publish embargoed releases whose announced time has come (what Celery beat runs each minute)."""

from django.core.management.base import BaseCommand

from anpr_info.services.releases import releases_publish_due


class Command(BaseCommand):
    help = "Publish every embargoed ANPR release whose announced time has passed."

    def handle(self, *args, **options):
        for release in releases_publish_due():
            self.stdout.write(self.style.SUCCESS(f"Published {release.slug}"))
