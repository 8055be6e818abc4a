"""Apply the personal-data retention rules now, or (--dry-run) list what would go and why.

    python manage.py personal_data_retention --dry-run
    python manage.py personal_data_retention

The same rules run on the Celery beat schedule ("personal-data-retention" in settings).
"""

from django.core.management.base import BaseCommand
from django.utils import timezone

from talklondon.services import personal_data_retention_due, personal_data_retention_erase


class Command(BaseCommand):
    help = "Apply the personal-data retention rules, or list what they would remove and why."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Only list what would go, and why."
        )

    def handle(self, *args, dry_run: bool, **options):
        now = timezone.now()
        due = personal_data_retention_due(now=now)
        heading = "Would remove" if dry_run else "Removing"
        self.stdout.write(f"{heading}, as of {timezone.localtime(now):%d %B %Y %H:%M}:")
        for item in due:
            self.stdout.write(f"- {item.what}: {item.count} [{item.rule}]\n    why: {item.why}")
        if dry_run:
            self.stdout.write("Dry run: nothing was changed.")
            return
        erased = personal_data_retention_erase(now=now)
        self.stdout.write(self.style.SUCCESS(f"Done. {len(erased)} participant account(s) erased."))
