"""Import a return from disk (offline transfer) with exactly the same checks as the API."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from anpr_info.models import Source
from anpr_info.services.submissions import submission_receive


class Command(BaseCommand):
    help = "Import a JSON or CSV return file for a source, as the API would receive it."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--source", required=True, help="Source name.")
        parser.add_argument("--uploaded-by", required=True, help="Email of the person importing.")
        parser.add_argument("--dataset", default="", help="For CSV files.")
        parser.add_argument("--period", default="", help="For CSV files.")
        parser.add_argument("--reason", default="", help="For CSV resubmissions.")

    def handle(self, *args, path, source, uploaded_by, dataset, period, reason, **options):
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"No such file: {path}")
        found = Source.objects.filter(name__iexact=source, is_active=True).first()
        if found is None:
            raise CommandError(f"No active source called {source!r}.")
        user = get_user_model().objects.filter(email__iexact=uploaded_by).first()
        if user is None:
            raise CommandError(f"No account with the email {uploaded_by}.")
        content_type = "text/csv" if file.suffix.lower() == ".csv" else "application/json"
        status, body = submission_receive(
            source=found,
            body=file.read_bytes(),
            content_type=content_type,
            params={"dataset": dataset, "period": period, "reason": reason},
            via="file",
            uploaded_by=user,
        )
        if status != 201:
            for error in body.get("errors", [])[:50]:
                self.stderr.write(f"row {error['row']} {error['field']}: {error['message']}")
            for finding in body.get("findings", [])[:50]:
                self.stderr.write(f"row {finding['row']} {finding['field']}: {finding['kind']}")
            raise CommandError(f"{body.get('title')}: {body.get('detail')}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Stored {body['dataset']} {body['period']} revision {body['revision']} ({body['rows']} rows)."
            )
        )
