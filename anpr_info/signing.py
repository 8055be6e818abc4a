"""API keys and request signatures for the ingestion API (pure functions, shared with clients).

A key looks like ``anpr_<prefix>_<secret>``. The server stores only ``sha256_hex(key)``.

Every request carries four headers:

- ``X-ANPR-Key``: the key;
- ``X-ANPR-Timestamp``: seconds since the Unix epoch when the request was signed;
- ``X-ANPR-Signature``: ``v1=`` and the hex HMAC-SHA256 of the string to sign, keyed by
  ``sha256_hex(key)`` (as ASCII);
- ``Idempotency-Key`` (optional, recommended): a unique id per logical request.

The string to sign is ``timestamp + "\\n" + METHOD + "\\n" + path with query + "\\n"`` followed by
the exact body bytes. Requests outside the time window, or whose signature was already used, are
refused.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

KEY_HEADER = "X-ANPR-Key"
TIMESTAMP_HEADER = "X-ANPR-Timestamp"
SIGNATURE_HEADER = "X-ANPR-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"
SIGNATURE_VERSION = "v1"


def sha256_hex(data: bytes | str) -> str:
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def key_generate() -> tuple[str, str]:
    """A new key and its lookup prefix."""
    prefix = secrets.token_hex(4)
    return f"anpr_{prefix}_{secrets.token_urlsafe(32)}", prefix


def key_prefix(key: str) -> str | None:
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != "anpr" or len(parts[1]) != 8:
        return None
    return parts[1]


def string_to_sign(timestamp: str, method: str, path: str, body: bytes) -> bytes:
    return f"{timestamp}\n{method.upper()}\n{path}\n".encode() + body


def signature_compute(*, key_hash: str, timestamp: str, method: str, path: str, body: bytes) -> str:
    digest = hmac.new(
        key_hash.encode("ascii"), string_to_sign(timestamp, method, path, body), hashlib.sha256
    ).hexdigest()
    return f"{SIGNATURE_VERSION}={digest}"


def signed_headers(
    *, key: str, timestamp: int, method: str, path: str, body: bytes, idempotency_key: str = ""
) -> dict[str, str]:
    """The headers a client sends (used by the simulated police back end and the docs)."""
    headers = {
        KEY_HEADER: key,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature_compute(
            key_hash=sha256_hex(key), timestamp=str(timestamp), method=method, path=path, body=body
        ),
    }
    if idempotency_key:
        headers[IDEMPOTENCY_HEADER] = idempotency_key
    return headers


def signature_matches(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.encode(), given.encode())
