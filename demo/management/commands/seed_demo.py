"""Create the demo: staff accounts, the ANPR consultation, its survey and transparency data.

Running it again changes nothing.
"""

from django.core.management.base import BaseCommand

from demo import analysis as analysis_demo
from demo import anpr as anpr_demo
from demo import consultation as consultation_demo
from demo import statements as statements_demo
from demo import surveys as surveys_demo
from demo.accounts import DEMO_PASSWORD, seed_staff


class Command(BaseCommand):
    help = "Seed the demo content (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--historical",
            action="store_true",
            help="Use the original 2014 dates (11 February to 8 April 2014).",
        )

    def handle(self, *args, historical=False, **options):
        accounts = seed_staff()
        consultation_demo.seed(stdout=self.stdout, historical=historical)
        surveys_demo.seed(stdout=self.stdout, historical=historical)
        analysis_demo.seed(stdout=self.stdout, historical=historical)
        statements_demo.seed(stdout=self.stdout, historical=historical)
        anpr_demo.seed(stdout=self.stdout, historical=historical)
        self.stdout.write(self.style.SUCCESS(f"Demo staff accounts (password: {DEMO_PASSWORD}):"))
        for email, role in accounts:
            self.stdout.write(f"  {email:32} {role}")
        self.stdout.write(
            "Staff sign in with a TOTP code: get the current one with\n"
            "  make totp EMAIL=<email>   (or: DEBUG=1 .venv/bin/python manage.py demo_totp <email>)"
        )
        self.stdout.write(self.style.SUCCESS("Site: http://127.0.0.1:8000"))
