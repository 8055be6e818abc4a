"""Writes for accounts: profile changes, erasing an account, and the retention job."""

import logging
import re
import uuid
from calendar import monthrange
from datetime import datetime

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from talklondon import personal_data
from talklondon.areas import borough_choices
from talklondon.models import OutgoingEmail, Profile, User
from talklondon.sealing import person_key_destroy

logger = logging.getLogger(__name__)

DISPLAY_NAME_MIN = 2
DISPLAY_NAME_MAX = User._meta.get_field("display_name").max_length
# Names that would let someone pass as the site, its staff, or a placeholder we show ourselves.
RESERVED_DISPLAY_NAMES = {
    "admin",
    "administrator",
    "anonymous",
    "anonymous londoner",
    "deleted account",
    "greater london authority",
    "gla",
    "mayor of london",
    "met police",
    "metropolitan police",
    "mopac",
    "moderator",
    "talk london",
    "the mayor",
}
ERASED_EMAIL_DOMAIN = "erased.invalid"  # .invalid is reserved and can never receive mail


def display_name_clean(value: str) -> str:
    """Trim and check a display name; raise ValidationError with a message people can act on."""
    name = re.sub(r"\s+", " ", value or "").strip()
    if not name:
        raise ValidationError("Enter a display name", code="required")
    if len(name) < DISPLAY_NAME_MIN:
        raise ValidationError(
            f"Display name must be {DISPLAY_NAME_MIN} characters or more", code="min_length"
        )
    if len(name) > DISPLAY_NAME_MAX:
        raise ValidationError(
            f"Display name must be {DISPLAY_NAME_MAX} characters or fewer", code="max_length"
        )
    if "@" in name:
        raise ValidationError(
            "Display name must not be an email address: other people can see it",
            code="email",
        )
    lowered = name.casefold()
    if lowered in RESERVED_DISPLAY_NAMES or "moderator" in lowered:
        raise ValidationError(
            "Choose a different display name: this one could be mistaken for the site or its staff",
            code="reserved",
        )
    return name


def _choice_clean(field: str, value: str, choices) -> str:
    value = value or ""
    if value and value not in {code for code, _label in choices}:
        raise ValidationError({field: "Select an option from the list"})
    return value


@transaction.atomic
def profile_update(
    *,
    actor: User,
    display_name: str,
    borough: str = "",
    age_band: str = "",
    gender: str = "",
    ethnicity: str = "",
    disability: str = "",
    email_on_reply: bool = True,
    email_on_moderation: bool = True,
    email_news: bool = False,
    email_on_results: bool = True,
) -> Profile:
    """Save the person's display name, area, equality-monitoring answers and email choices.

    Equality answers are optional; an empty string means "not answered". Display names need not
    be unique. Raises ValidationError (keyed by field) for bad input, PermissionDenied for an
    erased or deactivated account.
    """
    # Read the state from the database: the caller's instance may predate an erasure.
    current = User.objects.filter(pk=actor.pk).values("is_active", "erased_at").first()
    if current is None or not current["is_active"] or current["erased_at"]:
        raise PermissionDenied("This account cannot be changed.")
    errors: dict[str, list[str]] = {}
    try:
        display_name = display_name_clean(display_name)
    except ValidationError as exc:
        errors["display_name"] = exc.messages
    cleaned: dict[str, str] = {}
    for field, value, choices in (
        ("borough", borough, borough_choices()),
        ("age_band", age_band, Profile.AgeBand.choices),
        ("gender", gender, Profile.Gender.choices),
        ("ethnicity", ethnicity, Profile.Ethnicity.choices),
        ("disability", disability, Profile.Disability.choices),
    ):
        try:
            cleaned[field] = _choice_clean(field, value, choices)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)

    actor.display_name = display_name
    actor.save(update_fields=["display_name"])
    profile, _ = Profile.objects.select_for_update().get_or_create(user=actor)
    for field, value in cleaned.items():
        setattr(profile, field, value)
    profile.email_on_reply = bool(email_on_reply)
    profile.email_on_moderation = bool(email_on_moderation)
    profile.email_news = bool(email_news)
    profile.email_on_results = bool(email_on_results)
    profile.save()
    return profile


def erased_email_for(user: User) -> str:
    """A unique, non-routable placeholder that keeps the email column unique."""
    return f"erased-{user.pk}-{uuid.uuid4().hex[:12]}@{ERASED_EMAIL_DOMAIN}"


@transaction.atomic
def account_erase(*, user: User, remove_content: bool) -> User:
    """Erase the personal data held about `user` and deactivate the account.

    Every registered eraser runs first (comments, survey responses...), told whether to remove the
    person's public contributions too. Then the account is anonymised: email replaced with a
    placeholder, display name cleared, password unusable, profile answers cleared, email
    addresses and MFA authenticators deleted, staff roles removed. Running it again does nothing.
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.erased_at:
        return user
    for name, eraser in personal_data.erasers().items():
        logger.info("Erasing %s for user %s", name, user.pk)
        eraser(user=user, remove_content=remove_content)

    addresses = {user.email.lower()} | {
        address.lower()
        for address in EmailAddress.objects.filter(user=user).values_list("email", flat=True)
    }
    _outgoing_emails_delete(addresses)
    # Texts sealed with this person's key (the moderation audit trail) become unreadable.
    person_key_destroy(user_id=user.pk)
    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    user.groups.clear()
    user.user_permissions.clear()
    Profile.objects.filter(user=user).update(
        borough="",
        age_band="",
        gender="",
        ethnicity="",
        disability="",
        email_on_reply=False,
        email_on_moderation=False,
        email_news=False,
        email_on_results=False,
    )
    user.email = erased_email_for(user)
    user.display_name = ""
    user.last_login = None
    user.set_unusable_password()
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.erased_at = timezone.now()
    user.save()
    return user


def _outgoing_emails_delete(addresses: set[str]) -> None:
    """Delete stored copies of emails sent to these addresses (sent or still waiting).

    The table only holds a few weeks of mail (the retention sweep in talklondon/retention.py
    deletes older copies), so scanning it is cheap, and it works alike on every database
    (SQLite cannot search inside JSON lists).
    """
    doomed = [
        email_id
        for email_id, recipients in OutgoingEmail.objects.values_list("pk", "to").iterator()
        if addresses & {str(recipient).lower() for recipient in recipients or []}
    ]
    OutgoingEmail.objects.filter(pk__in=doomed).delete()


def months_before(when: datetime, months: int) -> datetime:
    """The same moment `months` calendar months earlier (clamped to the end of short months)."""
    month_index = when.year * 12 + (when.month - 1) - months
    year, month = divmod(month_index, 12)
    month += 1
    day = min(when.day, monthrange(year, month)[1])
    return when.replace(year=year, month=month, day=day)


def participation_last_ended() -> dict[int, datetime]:
    """For each person who took part anywhere, when their latest participation ends."""
    latest: dict[int, datetime] = {}
    for name, source in personal_data.participation_sources().items():
        for user_id, ended_at in source():
            if ended_at is None:
                continue
            if user_id not in latest or ended_at > latest[user_id]:
                latest[user_id] = ended_at
        logger.debug("Participation source %s read", name)
    return latest


def participants_due(*, now: datetime):
    """Accounts whose latest participation ended more than the retention period before `now`.

    Staff accounts and superusers are never erased by the retention job.
    """
    cutoff = months_before(now, settings.PERSONAL_DATA_RETENTION_MONTHS)
    due_ids = [user_id for user_id, ended in participation_last_ended().items() if ended <= cutoff]
    return (
        User.objects.filter(pk__in=due_ids, erased_at__isnull=True, is_superuser=False)
        .filter(groups__isnull=True)
        .order_by("pk")
    )


def personal_data_retention_erase(*, now: datetime | None = None) -> list[int]:
    """Erase every participant whose latest participation ended more than the retention period
    ago, then apply every other retention rule in the inventory (talklondon.personal_data).

    The period is `PERSONAL_DATA_RETENTION_MONTHS` (default 12). Content stays (shown as
    "Deleted account"); survey answers stay anonymised, with free text blanked. Returns the ids
    erased. Each account is erased in its own transaction so one failure does not undo the
    others; each rule runs in its own transaction too.
    """
    now = now or timezone.now()
    erased = []
    for user in participants_due(now=now):
        account_erase(user=user, remove_content=False)
        erased.append(user.pk)
    logger.info("Retention: erased %d participant account(s)", len(erased))
    for rule in personal_data.retention_rules():
        with transaction.atomic():
            done = rule.apply(now)
        if done:
            logger.info("Retention: %s: %d", rule.name, done)
    return erased


def personal_data_retention_due(*, now: datetime | None = None) -> list[personal_data.Due]:
    """What the retention job would remove if it ran at `now`, and why (for the dry run)."""
    now = now or timezone.now()
    due = [
        personal_data.Due(
            rule="participant-accounts",
            what="accounts of people who took part",
            count=participants_due(now=now).count(),
            why=(
                f"their last consultation closed more than "
                f"{settings.PERSONAL_DATA_RETENTION_MONTHS} months ago: erased"
            ),
        )
    ]
    for rule in personal_data.retention_rules():
        due.append(
            personal_data.Due(
                rule=rule.name, what=rule.what, count=rule.due(now), why=rule.why_described()
            )
        )
    return due
