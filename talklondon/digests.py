"""Keyed digests: recognise a plate or an email address again without keeping it.

A bare SHA-256 of a number plate is the plate: every UK mark can be hashed in minutes on one
core. So anything kept only to recognise a value (the ANPR quarantine's findings, for example)
is an HMAC-SHA256 keyed by `settings.PERSONAL_DATA_KEY`, with a purpose label so that digests
made for one purpose cannot be matched against another's. Without the key, a copy of the
database cannot test guesses. Digests are never shown in full (`digest_shown`).
"""

import hashlib
import hmac

from django.conf import settings

SHOWN_CHARACTERS = 8


def _purpose_key(purpose: str) -> bytes:
    return hmac.new(
        settings.PERSONAL_DATA_KEY.encode(), f"digest:{purpose}".encode(), hashlib.sha256
    ).digest()


def value_normalised(value: str) -> str:
    """Case and spacing do not make a different plate or address."""
    return "".join(str(value).split()).casefold()


def keyed_digest(value: str, *, purpose: str) -> str:
    """The HMAC-SHA256 (hex) of `value`, normalised, under the key for `purpose`."""
    return hmac.new(
        _purpose_key(purpose), value_normalised(value).encode(), hashlib.sha256
    ).hexdigest()


def digest_shown(digest: str) -> str:
    """Enough of a digest to tell two apart on a page, never the whole of it."""
    return f"{digest[:SHOWN_CHARACTERS]}…" if digest else ""
