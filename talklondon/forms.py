"""Forms for accounts: allauth's sign-in and sign-up in our words, the profile, and deletion."""

from allauth.account.adapter import get_adapter
from allauth.account.app_settings import EmailVerificationMethod
from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import ResetPasswordForm as AllauthResetPasswordForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.account.internal.flows.login import perform_login
from allauth.account.internal.flows.signup import complete_signup
from allauth.account.internal.userkit import filter_users_by_email
from allauth.account.models import Login
from django import forms

from talklondon.areas import borough_choices
from talklondon.models import Profile
from talklondon.services import DISPLAY_NAME_MAX, display_name_clean

DISPLAY_NAME_HINT = (
    "Other people see this next to your comments. It does not have to be your real name and "
    "it does not need to be unique. We never show your email address."
)


def _plain(
    field: forms.Field, label: str, help_text: str = "", *, required_message: str = "", **attrs
) -> None:
    """GOV.UK style: a visible label and hint, no placeholder text, and an error message that
    says what to do (the error summary shows it without the label)."""
    field.label = label
    if required_message:
        field.error_messages["required"] = required_message
    field.help_text = help_text
    field.widget.attrs.pop("placeholder", None)
    field.widget.attrs.update(attrs)


class LoginForm(AllauthLoginForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _plain(
            self.fields["login"],
            "Email address",
            required_message="Enter your email address",
            autocomplete="email",
            spellcheck="false",
        )
        _plain(
            self.fields["password"],
            "Password",
            required_message="Enter your password",
            autocomplete="current-password",
        )
        if "remember" in self.fields:
            self.fields["remember"].label = "Keep me signed in on this device"


class ResetPasswordForm(AllauthResetPasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _plain(
            self.fields["email"],
            "Email address",
            required_message="Enter your email address",
            autocomplete="email",
            spellcheck="false",
        )


class SignupForm(AllauthSignupForm):
    display_name = forms.CharField(max_length=DISPLAY_NAME_MAX, help_text=DISPLAY_NAME_HINT)

    field_order = ["email", "display_name", "password1", "password2"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _plain(
            self.fields["email"],
            "Email address",
            "We will send you a link to check it is yours.",
            required_message="Enter your email address",
            autocomplete="email",
            spellcheck="false",
        )
        _plain(
            self.fields["display_name"],
            "Display name",
            DISPLAY_NAME_HINT,
            required_message="Enter a display name",
            autocomplete="nickname",
        )
        _plain(
            self.fields["password1"],
            "Create a password",
            "Use at least 10 characters. Avoid common words and passwords you use elsewhere.",
            required_message="Create a password",
            autocomplete="new-password",
        )
        _plain(
            self.fields["password2"],
            "Confirm your password",
            required_message="Enter your password again to confirm it",
            autocomplete="new-password",
        )
        self.order_fields(self.field_order)

    def clean_display_name(self):
        return display_name_clean(self.cleaned_data.get("display_name", ""))

    # Sign-up must not tell anyone which addresses have accounts. allauth hides that only when
    # verification is mandatory for signing in; here people may sign in before verifying, so a
    # sign-up (new or existing address) always ends on "Check your email" without signing in:
    # a new address gets its confirmation link (which signs them in), an existing one an email
    # to its owner saying they already have an account.

    def validate_unique_email(self, value) -> str:
        self.account_already_exists = bool(filter_users_by_email(value))
        return get_adapter().validate_unique_email(value)

    def try_save(self, request):
        mandatory = EmailVerificationMethod.MANDATORY
        if self.account_already_exists:
            email = self.cleaned_data.get("email")
            login = Login(user=None, email=email, signup=True, email_verification=mandatory)
            return None, perform_login(request, login)
        user = self.save(request)
        return user, complete_signup(request, user=user, email_verification=mandatory)


class ProfileForm(forms.Form):
    display_name = forms.CharField(
        label="Display name",
        max_length=DISPLAY_NAME_MAX,
        help_text=DISPLAY_NAME_HINT,
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )
    borough = forms.ChoiceField(
        label="Where do you live? (optional)",
        help_text="This helps us see how views differ across London. Nobody else sees it.",
        choices=[("", "Choose an area")] + borough_choices(),
        required=False,
    )
    age_band = forms.ChoiceField(
        label="What is your age? (optional)",
        choices=Profile.AgeBand.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    gender = forms.ChoiceField(
        label="How would you describe your gender? (optional)",
        choices=Profile.Gender.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    ethnicity = forms.ChoiceField(
        label="What is your ethnic group? (optional)",
        choices=Profile.Ethnicity.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    disability = forms.ChoiceField(
        label=(
            "Do you have a physical or mental health condition or illness lasting or expected "
            "to last 12 months or more? (optional)"
        ),
        choices=Profile.Disability.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    email_on_reply = forms.BooleanField(
        label="Email me when someone replies to my comment", required=False
    )
    email_on_moderation = forms.BooleanField(
        label="Email me if a moderator changes or removes one of my comments", required=False
    )
    email_on_results = forms.BooleanField(
        label="Email me when the results of a consultation I took part in are published",
        required=False,
    )
    email_news = forms.BooleanField(label="Email me when a new consultation opens", required=False)


class AccountDeleteForm(forms.Form):
    password = forms.CharField(
        label="Enter your password to confirm",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        strip=False,
    )
    remove_content = forms.BooleanField(
        label="Also remove my comments",
        help_text=(
            "If you leave this unticked, your comments stay on the site under the name "
            "“Deleted account”, so that discussions still make sense."
        ),
        required=False,
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data.get("password", "")
        if not self.user.has_usable_password() or not self.user.check_password(password):
            raise forms.ValidationError("The password is not correct")
        return password
