from django.apps import AppConfig


def _record_mfa_on_activation(sender, request, user, authenticator, **kwargs):
    """Setting up TOTP proves the second factor (a fresh password and a valid code), so the
    session counts as having passed MFA, as allauth records for a sign-in."""
    from allauth.account.internal.flows.login import record_authentication
    from allauth.mfa.models import Authenticator

    if request is not None and authenticator.type == Authenticator.Type.TOTP:
        record_authentication(
            request, user, "mfa", id=authenticator.pk, type=authenticator.type, activated=True
        )


class TalkLondonConfig(AppConfig):
    name = "talklondon"
    verbose_name = "Talk London"

    def ready(self):
        # The site's part of the personal-data inventory and its retention rules.
        from allauth.mfa.signals import authenticator_added

        from talklondon import (
            personal_data_site,  # noqa: F401
            retention,  # noqa: F401
        )

        authenticator_added.connect(_record_mfa_on_activation, dispatch_uid="talklondon-mfa-added")
