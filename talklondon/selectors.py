"""Reads for a person's own account pages."""

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.apps import apps
from django.db import models
from django.utils import timezone

from talklondon import personal_data
from talklondon.areas import borough_name
from talklondon.models import Profile, User
from talklondon.sealing import Unsealer

# Shown by `personal_data_export` itself, under "account", "profile" and "email_addresses".
ACCOUNT_SECTION = frozenset(
    {"talklondon.User", "talklondon.Profile", "account.EmailAddress", "mfa.Authenticator"}
)
# A member of staff may have acted thousands of times: the download lists the latest.
RECORDS_PER_KIND = 1000


def profile_for(user: User) -> Profile:
    """The person's profile, created empty if an older account has none yet."""
    profile, _ = Profile.objects.get_or_create(user=user)
    return profile


def personal_data_export(*, user: User) -> dict:
    """Everything we hold about `user`, as JSON-serialisable data, for "download your data".

    Other apps contribute their part through `talklondon.personal_data.register_exporter`.
    Secrets (password hash, authenticator keys, recovery codes) are never included.
    """
    profile = profile_for(user)
    data = {
        "exported_at": timezone.now().isoformat(),
        "about": (
            "Everything Talk London holds about your account. Other people only ever see your "
            "display name and what you post."
        ),
        "account": {
            "email": user.email,
            "display_name": user.display_name,
            "public_name": user.public_name,
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
            "staff_roles": sorted(user.groups.values_list("name", flat=True)),
        },
        "profile": {
            "borough": profile.borough,
            "borough_name": borough_name(profile.borough) if profile.borough else "",
            "age_band": profile.get_age_band_display() if profile.age_band else "",
            "gender": profile.get_gender_display() if profile.gender else "",
            "ethnicity": profile.get_ethnicity_display() if profile.ethnicity else "",
            "disability": profile.get_disability_display() if profile.disability else "",
            "email_on_reply": profile.email_on_reply,
            "email_on_moderation": profile.email_on_moderation,
            "email_on_results": profile.email_on_results,
            "email_news": profile.email_news,
            "updated_at": profile.updated_at.isoformat(),
        },
        "email_addresses": [
            {"email": address.email, "verified": address.verified, "primary": address.primary}
            for address in EmailAddress.objects.filter(user=user).order_by("email")
        ],
        "two_factor_authentication": sorted(
            {
                str(Authenticator.Type(kind).label)
                for kind in Authenticator.objects.filter(user=user).values_list("type", flat=True)
            }
        ),
        "apps": {},
    }
    for name, exporter in sorted(personal_data.exporters().items()):
        data["apps"][name] = exporter(user)
    data["other_records"] = inventory_records_for(user=user)
    return data


def _readable(row, field, user: User, unsealer: Unsealer):
    """A field's value as a person reads it: labels for codes, names for people, text for
    sealed text, dates as ISO 8601."""
    if field.choices:
        return getattr(row, f"get_{field.name}_display")()
    if field.many_to_many:
        return sorted(str(item) for item in getattr(row, field.name).all())
    value = getattr(row, field.name)
    if isinstance(field, models.ForeignKey):
        if value is None:
            return None
        if isinstance(value, User):
            return "You" if value.pk == user.pk else value.public_name
        return str(value)
    if field.name.endswith("_sealed"):
        return unsealer.open(user_id=user.pk, sealed=value)
    if isinstance(field, models.FileField):
        return value.name or None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _context_fields(model) -> list:
    """Fields that say what a record is and when (not personal, but needed to read it)."""
    return [
        f
        for f in model._meta.concrete_fields
        if f.choices or (isinstance(f, models.DateTimeField) and not f.null)
    ]


def inventory_records_for(*, user: User) -> dict[str, list[dict]]:
    """Every record the personal-data inventory links to `user` that no app's exporter (and
    not the account section) presents already, grouped under the privacy notice's headings,
    each field labelled in words. Secrets are never included."""
    linked: dict[tuple[str, str], list[personal_data.Field]] = {}
    for item in personal_data.inventory():
        if not item.person or not item.download or item.model in ACCOUNT_SECTION:
            continue
        if personal_data.is_covered(item.model, item.person):
            continue
        linked.setdefault((item.model, item.person), []).append(item)
    unsealer = Unsealer()
    records: dict[str, list[dict]] = {}
    for (label, path), items in sorted(linked.items()):
        model = apps.get_model(label)
        kind = str(model._meta.verbose_name).capitalize()
        rows = model._base_manager.filter(**{path: user}).order_by("-pk")[:RECORDS_PER_KIND]
        context = [f for f in _context_fields(model) if f.name not in {i.field for i in items}]
        for row in rows:
            record = {"record": kind}
            for field in context:
                record[str(field.verbose_name)] = _readable(row, field, user, unsealer)
            for item in items:
                field = model._meta.get_field(item.field)
                record[item.what] = _readable(row, field, user, unsealer)
            records.setdefault(items[0].group, []).append(record)
    return records


def personal_data_summary(*, user: User) -> list[tuple[str, int]]:
    """A short account of what the download holds, in words: (what, how many)."""
    data = personal_data_export(user=user)
    apps_data = data["apps"]
    comments = apps_data.get("comments", [])

    def count(kind: str) -> int:
        return sum(1 for row in comments if isinstance(row, dict) and row.get("type") == kind)

    responses = apps_data.get("survey_responses", [])
    rows = [
        ("Email addresses", len(data["email_addresses"])),
        (
            "Profile answers you gave",
            sum(1 for v in data["profile"].values() if v not in ("", None, False)),
        ),
        ("Comments and replies you posted", count("comment")),
        ("Comments you liked", count("like")),
        ("Comments you reported", count("report")),
        ("Moderators’ decisions about your comments or account", count("moderation decision")),
        ("Survey responses", len(responses)),
        (
            "Versions of your survey responses (each time you submitted or changed one)",
            sum(len(r.get("versions", [])) for r in responses),
        ),
    ]
    for heading, records in data["other_records"].items():
        rows.append((f"{heading}: other records", len(records)))
    return rows
