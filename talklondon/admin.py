from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from talklondon.models import OutboxTask, OutgoingEmail, Profile, User


def _superusers_only(request) -> bool:
    # Django admin is an operator's tool; MOPAC staff work in /staff/.
    return request.user.is_active and request.user.is_superuser


admin.site.has_permission = _superusers_only
admin.site.site_header = "Talk London operations"


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
class OutboxTaskAdmin(admin.ModelAdmin):
    list_display = ("task_name", "created_at", "relayed_at", "attempts")
    list_filter = ("task_name",)


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(admin.ModelAdmin):
    list_display = ("subject", "created_at", "sent_at", "attempts")
