"""The hash chain of releases: pure functions shared by the site, the tests and the verifier.

Both kinds of release are chained this way: the ANPR figures (anpr_info) and a consultation's
published results (consultation.analysis), which is why it lives in the foundation.

Each published release has a manifest listing the SHA-256 of each of its tables (of their
canonical JSON) and the SHA-256 of the previous release's manifest. Rewriting any published
table, or removing or reordering a release, breaks every later link.

The standalone script served at /anpr/methodology/anpr_verify.py repeats these few lines with the
Python standard library only, so that anyone can check the published history.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable

GENESIS = "0" * 64


def canonical_json(value) -> bytes:
    """Sorted keys, no spaces, UTF-8: the bytes that are hashed."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def sha256_of(value) -> str:
    return hashlib.sha256(canonical_json(value)).hexdigest()


def manifest_sha256(manifest: dict) -> str:
    return sha256_of(manifest)


def chain_verify(
    manifests: Iterable[dict], table_loader: Callable[[dict, dict], dict] | None = None
) -> list[str]:
    """Check manifests in publication order; returns a list of problems (empty when intact).

    `table_loader(manifest, entry)` returns a table's canonical payload, to check its hash too.
    """
    problems: list[str] = []
    previous = GENESIS
    for position, manifest in enumerate(manifests, start=1):
        name = manifest.get("release", f"#{position}")
        if manifest.get("sequence") != position:
            problems.append(
                f"{name}: sequence {manifest.get('sequence')} where {position} expected."
            )
        if manifest.get("previous_manifest_sha256") != previous:
            problems.append(f"{name}: does not link to the manifest before it.")
        if table_loader is not None:
            for entry in manifest.get("tables", []):
                payload = table_loader(manifest, entry)
                if sha256_of(payload) != entry.get("sha256"):
                    problems.append(
                        f"{name}: table {entry.get('measure')}/{entry.get('table')} "
                        f"{entry.get('period')} does not match its hash."
                    )
        previous = manifest_sha256(manifest)
    return problems
