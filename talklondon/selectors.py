"""Reads for a person's own account pages."""

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.utils import timezone

from talklondon import personal_data
from talklondon.areas import borough_name
from talklondon.models import Profile, User


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
    return data
