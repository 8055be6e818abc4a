from talklondon.permissions import holds_staff_role
from talklondon.staff_areas import staff_navigation


def site(request):
    user = getattr(request, "user", None)
    return {
        "site_name": "Talk London",
        "is_staff_member": holds_staff_role(user) if user is not None else False,
        **(staff_navigation(user, request.path) if user is not None else {}),
    }
