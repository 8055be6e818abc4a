"""Demo accounts: one per staff role, with TOTP already set up, plus a superuser."""

import time

from allauth.account.models import EmailAddress
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.contrib.auth.models import Group
from django.db import transaction

from talklondon import permissions
from talklondon.models import Profile, User

DEMO_PASSWORD = "london-demo-2026"  # noqa: S105 - printed to the console for the local demo only

DEMO_STAFF = [
    ("moderator@demo.talk.london", "Demo moderator", permissions.ROLE_MODERATOR),
    ("manager@demo.talk.london", "Demo consultation manager", permissions.ROLE_MANAGER),
    ("analyst@demo.talk.london", "Demo analyst", permissions.ROLE_ANALYST),
    ("exporter@demo.talk.london", "Demo personal-data exporter", permissions.ROLE_EXPORTER),
    ("publisher@demo.talk.london", "Demo statistics publisher", permissions.ROLE_PUBLISHER),
    ("publisher2@demo.talk.london", "Second statistics publisher", permissions.ROLE_PUBLISHER),
    ("dpo@demo.talk.london", "Demo data protection officer", permissions.ROLE_DPO),
]


def verified_user_create(
    *, email: str, display_name: str, password: str | None = None, borough: str = ""
) -> User:
    """Create (or return) an account whose email address is already verified."""
    user, created = User.objects.get_or_create(
        email=email.lower(), defaults={"display_name": display_name}
    )
    if created:
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
    Profile.objects.get_or_create(user=user, defaults={"borough": borough})
    EmailAddress.objects.get_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    return user


def totp_ensure(user: User) -> None:
    """Give the user TOTP and recovery codes if they have none yet."""
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, generate_totp_secret())
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.RECOVERY_CODES).exists():
        RecoveryCodes.activate(user)


def totp_current_code(user: User) -> str:
    """The TOTP code valid now for this user (for the local demo and tests only)."""
    authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    secret = get_mfa_adapter().decrypt(authenticator.data["secret"])
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


@transaction.atomic
def seed_staff() -> list[tuple[str, str]]:
    """Create the demo staff accounts; safe to run again."""
    accounts = []
    for email, name, role in DEMO_STAFF:
        user = verified_user_create(email=email, display_name=name, password=DEMO_PASSWORD)
        user.groups.add(Group.objects.get(name=role))
        totp_ensure(user)
        accounts.append((email, role))
    admin = verified_user_create(
        email="admin@demo.talk.london", display_name="Demo administrator", password=DEMO_PASSWORD
    )
    if not admin.is_superuser:
        admin.is_superuser = True
        admin.is_staff = True
        admin.save(update_fields=["is_superuser", "is_staff"])
    totp_ensure(admin)
    accounts.append((admin.email, "Superuser (Django admin)"))
    return accounts
