"""Sources and their API keys."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from anpr_info.models import ApiKey, Source
from anpr_info.signing import key_generate, sha256_hex
from talklondon.models import User
from talklondon.permissions import can_manage_releases


def _check(actor: User) -> None:
    # None means a trusted operator at the command line (management commands, the demo seed).
    if actor is not None and not can_manage_releases(actor):
        raise PermissionDenied("Only Statistics publishers manage ANPR sources.")


@transaction.atomic
def source_create(*, name: str, actor: User = None) -> Source:
    """Register a system allowed to send returns."""
    _check(actor)
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Enter the name of the source."})
    if Source.objects.filter(name__iexact=name).exists():
        raise ValidationError({"name": "A source with this name already exists."})
    return Source.objects.create(name=name, created_by=actor)


@transaction.atomic
def api_key_create(*, source: Source, actor: User = None) -> tuple[ApiKey, str]:
    """Issue a new key for a source. Returns the key record and the key, shown only once."""
    _check(actor)
    if not source.is_active:
        raise ValidationError("This source is switched off.")
    key, prefix = key_generate()
    record = ApiKey.objects.create(
        source=source, prefix=prefix, key_hash=sha256_hex(key), created_by=actor
    )
    return record, key


@transaction.atomic
def api_key_revoke(*, api_key: ApiKey, actor: User = None) -> ApiKey:
    """Stop a key working at once."""
    _check(actor)
    api_key = ApiKey.objects.select_for_update().get(pk=api_key.pk)
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])
    return api_key


@transaction.atomic
def api_key_rotate(*, source: Source, actor: User = None) -> tuple[ApiKey, str]:
    """Issue a new key and revoke every other key of the source."""
    _check(actor)
    for old in source.keys.filter(revoked_at__isnull=True):
        api_key_revoke(api_key=old, actor=actor)
    return api_key_create(source=source, actor=actor)
