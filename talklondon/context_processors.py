from talklondon.permissions import is_staff_member
from talklondon.staff_areas import staff_navigation


def site(request):
    user = getattr(request, "user", None)
    return {
        "site_name": "Talk London",
        "is_staff_member": is_staff_member(user) if user is not None else False,
        **(staff_navigation(user, request.path) if user is not None else {}),
    }
