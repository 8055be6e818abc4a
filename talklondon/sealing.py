"""Sealing text with a per-person key, and shredding it by destroying that key.

Append-only records (the moderation audit trail) must keep who did what, when and why, but not
the personal data a moderator removed. Such text is encrypted (Fernet, from the `cryptography`
package) with a key that belongs to the person it is about. Erasing the person deletes their
key (`person_key_destroy`): the sealed text becomes unreadable everywhere at once, in the
database, its backups' later restores and any export, without rewriting a single audit row.
"""

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.db import IntegrityError, transaction

from talklondon.models import PersonKey

SEALED_PREFIX = "sealed:v1:"


def _wrapping() -> Fernet:
    derived = hmac.new(
        settings.PERSONAL_DATA_KEY.encode(), b"person-key-wrapping", hashlib.sha256
    ).digest()
    return Fernet(base64.urlsafe_b64encode(derived))


def _person_fernet(user_id: int, *, create: bool) -> Fernet | None:
    row = PersonKey.objects.filter(user_id=user_id).values_list("wrapped_key", flat=True).first()
    if row is None:
        if not create:
            return None
        key = Fernet.generate_key()
        try:
            with transaction.atomic():
                PersonKey.objects.create(user_id=user_id, wrapped_key=_wrapping().encrypt(key))
        except IntegrityError:
            return _person_fernet(user_id, create=False)
        return Fernet(key)
    return Fernet(_wrapping().decrypt(bytes(row)))


def text_seal(*, user_id: int, text: str) -> str:
    """`text` encrypted with the person's key (made on first use); "" stays ""."""
    if not text:
        return ""
    fernet = _person_fernet(user_id, create=True)
    return SEALED_PREFIX + fernet.encrypt(text.encode()).decode("ascii")


def text_unseal(*, user_id: int | None, sealed: str) -> str | None:
    """The text, or None when it can no longer be read (the person's key was destroyed)."""
    return Unsealer().open(user_id=user_id, sealed=sealed)


def person_key_destroy(*, user_id: int) -> bool:
    """Destroy the person's key: everything sealed with it is unreadable from now on."""
    deleted, _ = PersonKey.objects.filter(user_id=user_id).delete()
    return bool(deleted)


class Unsealer:
    """Opens many sealed texts (an export, a page of the audit trail) with one key lookup per
    person rather than one per text."""

    def __init__(self):
        self._fernets: dict[int, Fernet | None] = {}

    def open(self, *, user_id: int | None, sealed: str) -> str | None:
        if not sealed:
            return ""
        if user_id is None or not sealed.startswith(SEALED_PREFIX):
            return None
        if user_id not in self._fernets:
            self._fernets[user_id] = _person_fernet(user_id, create=False)
        fernet = self._fernets[user_id]
        if fernet is None:
            return None
        try:
            return fernet.decrypt(sealed[len(SEALED_PREFIX) :].encode("ascii")).decode()
        except InvalidToken:
            return None
