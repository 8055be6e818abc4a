from allauth.account.adapter import DefaultAccountAdapter

from talklondon.models import Profile


class AccountAdapter(DefaultAccountAdapter):
    # allauth's messages, in plain words that tell people what to do next.
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "email_password_mismatch": "The email address or password is not correct",
        "too_many_login_attempts": (
            "There have been too many attempts to sign in from here. Wait 5 minutes and try "
            "again, or sign in with a code we email you, or reset your password"
        ),
        "email_taken": "An account already exists with this email address. Sign in instead",
    }

    def _get_login_attempts_cache_key(self, request, **credentials) -> str:
        # allauth counts failed sign-ins per address ("key"): anyone could then lock anyone out
        # by typing wrong passwords. Count them per address *and client* instead, so guessing
        # stays slow from any one place while the owner, elsewhere, is not locked out.
        address = super()._get_login_attempts_cache_key(request, **credentials)
        return f"{address}:{self.get_client_ip(request)}"

    def save_user(self, request, user, form, commit=True):
        # The sign-up form asks for a display name so that people can take part at once.
        display_name = getattr(form, "cleaned_data", {}).get("display_name")
        if display_name:
            user.display_name = display_name
        user = super().save_user(request, user, form, commit=commit)
        if commit:
            Profile.objects.get_or_create(user=user)
        return user
