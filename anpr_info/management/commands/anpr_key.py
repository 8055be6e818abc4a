"""Create a source, or create, rotate or revoke its API keys. A new key is printed once."""

from django.core.management.base import BaseCommand, CommandError

from anpr_info.models import ApiKey, Source
from anpr_info.services.sources import api_key_create, api_key_revoke, api_key_rotate, source_create


class Command(BaseCommand):
    help = "Manage ingestion API keys: --create, --rotate (revokes the others) or --revoke PREFIX."

    def add_arguments(self, parser):
        parser.add_argument(
            "source", help="Source name (created if it does not exist with --create)."
        )
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--create", action="store_true")
        group.add_argument("--rotate", action="store_true")
        group.add_argument("--revoke", metavar="PREFIX")

    def handle(self, *args, source, create, rotate, revoke, **options):
        found = Source.objects.filter(name__iexact=source).first()
        if found is None:
            if not create:
                raise CommandError(f"No source called {source!r}.")
            found = source_create(name=source)
        if revoke:
            key = ApiKey.objects.filter(source=found, prefix=revoke).first()
            if key is None:
                raise CommandError(f"{found} has no key {revoke}.")
            api_key_revoke(api_key=key)
            self.stdout.write(self.style.SUCCESS(f"Revoked key {revoke}."))
            return
        record, key = (api_key_rotate if rotate else api_key_create)(source=found)
        self.stdout.write(
            self.style.SUCCESS(f"New key for {found} (prefix {record.prefix}); shown once:")
        )
        self.stdout.write(key)
