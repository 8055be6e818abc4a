#!/usr/bin/env python3
"""Check the hash chain of Talk London's ANPR statistics releases (Python 3, standard library).

Usage: python3 anpr_verify.py https://talk.london.gov.uk [--expect <latest manifest sha256>]

Fetches every manifest in publication order from /api/v1/chain/, checks that each one links to the
SHA-256 of the one before (the first to 64 zeros), and that each table's SHA-256 matches the
table served by the API. Digests are over canonical JSON: sorted keys, separators "," and ":",
UTF-8 with non-ASCII kept. Exit status 0 when the chain is intact.
"""

import hashlib
import json
import sys
import urllib.request

GENESIS = "0" * 64


def canonical_sha256(value) -> str:
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def fetch_json(url: str):
    with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 - the user's URL
        return json.loads(response.read().decode("utf-8"))


def verify(manifests, load_table=None) -> list:
    """Problems found (an empty list when the chain is intact)."""
    problems = []
    previous = GENESIS
    for position, manifest in enumerate(manifests, start=1):
        name = manifest.get("release", f"#{position}")
        if manifest.get("sequence") != position:
            problems.append(f"{name}: sequence {manifest.get('sequence')}, expected {position}")
        if manifest.get("previous_manifest_sha256") != previous:
            problems.append(f"{name}: does not link to the manifest before it")
        if load_table is not None:
            for entry in manifest.get("tables", []):
                if canonical_sha256(load_table(manifest, entry)) != entry.get("sha256"):
                    problems.append(
                        f"{name}: table {entry.get('measure')}/{entry.get('table')} "
                        f"{entry.get('period')} does not match its hash"
                    )
        previous = canonical_sha256(manifest)
    return problems


def main(argv) -> int:
    if len(argv) < 2:
        print(__doc__)
        return 2
    base = argv[1].rstrip("/")
    expect = argv[argv.index("--expect") + 1] if "--expect" in argv else None
    chain = fetch_json(base + "/api/v1/chain/")
    manifests = chain["manifests"]

    def load_table(manifest, entry):
        return fetch_json(
            f"{base}/api/v1/releases/{manifest['release']}/tables/"
            f"{entry['measure']}/{entry['table']}/{entry['period']}/"
        )

    problems = verify(manifests, load_table)
    latest = canonical_sha256(manifests[-1]) if manifests else GENESIS
    if expect and expect != latest:
        problems.append(f"the latest manifest is {latest}, not the {expect} you kept")
    for problem in problems:
        print("PROBLEM:", problem)
    if problems:
        return 1
    print(f"Chain intact: {len(manifests)} releases; latest manifest SHA-256 {latest}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
