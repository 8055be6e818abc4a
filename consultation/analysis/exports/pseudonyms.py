"""Pseudonymous respondent ids that are stable within one export and unlinkable across exports."""

import hashlib
import hmac
import secrets


class Pseudonymiser:
    """HMAC-SHA256 of the account id under a random salt made for one export and then discarded.

    The same person gets the same id everywhere in one file (so their rows can be linked), but
    nobody can turn the id back into an account, or match it with another export's ids, because
    the salt is never stored.
    """

    def __init__(self, salt: bytes | None = None):
        self._salt = salt if salt is not None else secrets.token_bytes(32)
        self._cache: dict[object, str] = {}

    def hmac_pads(self) -> tuple[bytes, bytes]:
        """The (inner, outer) padded keys of HMAC-SHA256 (RFC 2104), so that PostgreSQL can
        compute exactly the same pseudonyms: sha256(outer || sha256(inner || message))."""
        key = self._salt if len(self._salt) <= 64 else hashlib.sha256(self._salt).digest()
        key = key.ljust(64, b"\0")
        return bytes(b ^ 0x36 for b in key), bytes(b ^ 0x5C for b in key)

    def __call__(self, account_id) -> str:
        if account_id is None:
            return ""
        cached = self._cache.get(account_id)
        if cached is None:
            digest = hmac.new(self._salt, str(account_id).encode(), hashlib.sha256).hexdigest()
            cached = f"R-{digest[:16]}"
            # Bounded: beyond this many people we recompute rather than grow without limit.
            if len(self._cache) < 200_000:
                self._cache[account_id] = cached
        return cached
