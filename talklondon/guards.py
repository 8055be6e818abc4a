"""The one seam between views and permissions.

- `require_permission_or_404(predicate)`: the view runs only for a person the predicate (from
  talklondon.permissions) accepts; everyone else gets 404, so private pages do not even confirm
  that they exist. Predicates already require MFA in this session for staff capabilities.
- `require_recent_authentication`: the most sensitive actions (identified exports, issuing or
  rotating ingestion keys, approving a release, blocking a person) also need a sign-in or a
  re-authentication within ACCOUNT_REAUTHENTICATION_TIMEOUT; otherwise allauth's
  re-authentication flow runs and then replays the request.
- `found_or_404(selector(...))`: routes that take an id fetch through the object's visibility
  selector, which answers None for "missing" and "not for you" alike.
- `errors_into_form(form, exc)`: a service's ValidationError (or PermissionDenied) shown in
  the form's GOV.UK error summary, field by field where the service named a field.
"""

import time
from collections.abc import Callable
from functools import wraps

from allauth.account.authentication import get_authentication_records
from allauth.core.exceptions import ReauthenticationRequired
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404


def require_permission_or_404(predicate: Callable) -> Callable:
    def decorator(view):
        @wraps(view)
        def guarded(request, *args, **kwargs):
            if not predicate(request.user):
                raise Http404
            return view(request, *args, **kwargs)

        guarded.permission_predicate = predicate
        return guarded

    return decorator


def found_or_404(obj):
    """What a visibility selector found, or 404 (a selector answers None for "not for you")."""
    if obj is None:
        raise Http404
    return obj


def recently_authenticated(request) -> bool:
    """This session signed in or re-authenticated within the re-authentication window."""
    records = get_authentication_records(request, request.user)
    window = settings.ACCOUNT_REAUTHENTICATION_TIMEOUT
    return any(time.time() - record.get("at", 0) < window for record in records)


def require_recent_authentication(view):
    """For POSTs that do the most harm in the wrong hands; GETs (the forms) are not held up."""

    @wraps(view)
    def guarded(request, *args, **kwargs):
        if request.method == "POST" and not recently_authenticated(request):
            # allauth's AccountMiddleware turns this into its re-authentication page and, once
            # the person has confirmed it is them, replays this POST.
            raise ReauthenticationRequired
        return view(request, *args, **kwargs)

    guarded.requires_recent_authentication = True
    return guarded


def errors_into_form(form, exc: ValidationError | PermissionDenied) -> None:
    """Put a service's error into the form so the GOV.UK error summary shows it."""
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            for name, errors in exc.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
            return
        for message in exc.messages:
            form.add_error(None, message)
        return
    form.add_error(None, str(exc) or "You cannot do that.")


def error_messages(exc: ValidationError | PermissionDenied) -> list[str]:
    """A service's error as plain messages, for actions that answer with a redirect."""
    if isinstance(exc, PermissionDenied):
        return [str(exc) or "You cannot do that."]
    if hasattr(exc, "error_dict"):
        return [m for messages_ in exc.message_dict.values() for m in messages_]
    return list(exc.messages)
