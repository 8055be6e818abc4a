"""Generate synthetic police returns and push them through the real, signed ingestion API."""

from django.core.management.base import BaseCommand, CommandError

from demo.anpr import DEMO_SOURCE, demo_source_key
from demo.anpr_simulator import Pusher, Simulator, feed_push, months_back


class Command(BaseCommand):
    help = (
        "Simulate the police back end: generate returns for the last N complete months and POST "
        "them, signed, to the ingestion API (over HTTP with --url, else in-process)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--months", type=int, default=24)
        parser.add_argument(
            "--url", default="", help="Base URL of a running site, e.g. http://127.0.0.1:8000"
        )
        parser.add_argument("--key", default="", help="API key (required with --url).")
        parser.add_argument("--seed", type=int, default=2014)

    def handle(self, *args, months, url, key, seed, **options):
        if months < 1 or months > 120:
            raise CommandError("--months must be between 1 and 120.")
        if url and not key:
            raise CommandError("--key is required with --url (create one with manage.py anpr_key).")
        if not key:
            key = demo_source_key()
            self.stdout.write(f"Using a fresh key for the source {DEMO_SOURCE!r}.")
        pusher = Pusher(key=key, url=url)
        results = feed_push(
            pusher=pusher,
            months=months_back(months),
            simulator=Simulator(seed=seed),
            log=self.stdout.write,
        )
        failed = [r for r in results if r[2] not in (200, 201)]
        if failed:
            raise CommandError(f"{len(failed)} return(s) were refused: {failed[:5]}")
        self.stdout.write(self.style.SUCCESS(f"Sent {len(results)} returns."))
