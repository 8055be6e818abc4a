"""Django admin: an operator's tool for superusers, reached only through allauth's sign-in.

Its own password-only login form is replaced by allauth's (rate limits, MFA), and a superuser
needs MFA in the session like every other staff capability. It never shows what an email says
(password-reset and sign-in links are bearer tokens) nor anyone's authenticator secrets.
"""

from allauth.account.decorators import secure_admin_login
from allauth.mfa.models import Authenticator
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from talklondon.models import OutboxTask, OutgoingEmail, Profile, User
from talklondon.permissions import can_use_django_admin


def _superusers_with_mfa(request) -> bool:
    # Django admin is an operator's tool; MOPAC staff work in /staff/.
    return can_use_django_admin(request.user)


admin.site.has_permission = _superusers_with_mfa
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "Talk London operations"


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written by the system: looked at, never edited by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ("email",)
    list_display = ("email", "display_name", "is_active", "is_superuser", "date_joined")
    search_fields = ("email", "display_name")
    fieldsets = (
        (None, {"fields": ("email", "password", "display_name")}),
        ("Access", {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        ("Dates", {"fields": ("date_joined", "last_login", "erased_at")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    filter_horizontal = ("groups",)


admin.site.register(Profile)


@admin.register(OutboxTask)
class OutboxTaskAdmin(ReadOnlyAdmin):
    list_display = ("task_name", "created_at", "relayed_at", "completed_at", "attempts")
    list_filter = ("task_name", ("completed_at", admin.EmptyFieldListFilter))
    fields = ("task_name", "created_at", "relayed_at", "completed_at", "attempts", "last_error")


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(ReadOnlyAdmin):
    # Never the bodies or headers: they hold reset, sign-in and unsubscribe links.
    list_display = ("subject", "created_at", "sent_at", "attempts")
    fields = ("subject", "created_at", "sent_at", "attempts", "last_error")


# allauth's own admin shows an authenticator's data (the TOTP secret, recovery codes).
admin.site.unregister(Authenticator)


@admin.register(Authenticator)
class AuthenticatorAdmin(ReadOnlyAdmin):
    list_display = ("user", "type", "created_at", "last_used_at")
    fields = ("user", "type", "created_at", "last_used_at")
    raw_id_fields = ("user",)
