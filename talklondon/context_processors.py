from talklondon.permissions import is_staff_member


def site(request):
    user = getattr(request, "user", None)
    return {
        "site_name": "Talk London",
        "is_staff_member": is_staff_member(user) if user is not None else False,
    }
