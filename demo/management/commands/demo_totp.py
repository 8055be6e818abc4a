from django.core.management.base import BaseCommand, CommandError

from demo.accounts import totp_current_code
from talklondon.models import User


class Command(BaseCommand):
    help = "Print the current TOTP code of a demo account (local demo only)."

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email, **options):
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            raise CommandError(f"No account with the email {email}.")
        try:
            self.stdout.write(totp_current_code(user))
        except Exception as exc:
            raise CommandError(f"{email} has no TOTP authenticator.") from exc
