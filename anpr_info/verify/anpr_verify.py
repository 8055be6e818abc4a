#!/usr/bin/env python3
"""Check the hash chain of Talk London's ANPR statistics releases (Python 3, standard library).

Fetches every manifest in publication order from /api/v1/chain/, checks that each one links to
the SHA-256 of the one before (the first to 64 zeros), and that each table's SHA-256 matches the
table the site serves, fetching each release's tables in one request
(/api/v1/releases/<release>/tables/). Digests are over canonical JSON: sorted keys, separators
"," and ":", UTF-8 with non-ASCII kept.

A full check costs one request per release plus one. When the site asks the verifier to slow
down (HTTP 429 or 503), it waits as long as the Retry-After header says and tries again.

Exit status: 0 the chain is intact; 1 a problem was found; 2 bad usage; 3 the site could not
be read (network error, or still refusing after the retries).
"""

from __future__ import annotations

import argparse
import email.utils
import hashlib
import json
import sys
import time
import urllib.error
import urllib.request

__version__ = "2.0.0"

GENESIS = "0" * 64
USER_AGENT = f"anpr-verify/{__version__} (+https://talk.london.gov.uk/anpr/methodology/#verify)"
RETRY_STATUSES = (429, 503)
DEFAULT_RETRIES = 5
DEFAULT_MAX_WAIT = 120.0  # seconds: never wait longer than this for one Retry-After


class FetchError(Exception):
    """The site could not be read; the message says why, for a person."""


def canonical_sha256(value) -> str:
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def retry_after_seconds(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdecimal() and len(value) <= 9:
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class Fetcher:
    """GETs JSON, counting requests and honouring Retry-After on 429 and 503."""

    def __init__(
        self,
        *,
        opener=None,
        sleep=time.sleep,
        retries: int = DEFAULT_RETRIES,
        max_wait: float = DEFAULT_MAX_WAIT,
        log=None,
    ):
        self.opener = opener or urllib.request.urlopen
        self.sleep = sleep
        self.retries = retries
        self.max_wait = max_wait
        self.log = log or (lambda message: print(message, file=sys.stderr))
        self.requests = 0

    def get_json(self, url: str):
        attempt = 0
        while True:
            self.requests += 1
            request = urllib.request.Request(  # noqa: S310 - run() allows http(s) only
                url, headers={"Accept": "application/json", "User-Agent": USER_AGENT}
            )
            try:
                with self.opener(request, timeout=60) as response:
                    body = response.read()
            except urllib.error.HTTPError as error:
                if error.code not in RETRY_STATUSES:
                    raise FetchError(f"{url} answered HTTP {error.code}.") from None
                attempt += 1
                wait = retry_after_seconds(error.headers.get("Retry-After"))
                if wait is None:
                    wait = min(2.0**attempt, self.max_wait)  # no header: back off
                if attempt > self.retries or wait > self.max_wait:
                    raise FetchError(
                        f"{url} is still refusing requests (HTTP {error.code}) after "
                        f"{attempt - 1} retries; try again in {wait:.0f} seconds."
                    ) from None
                self.log(f"The site asked us to wait {wait:.0f} s (HTTP {error.code}); waiting.")
                self.sleep(wait)
                continue
            except (urllib.error.URLError, OSError) as error:
                reason = getattr(error, "reason", error)
                raise FetchError(f"Could not reach {url}: {reason}.") from None
            try:
                return json.loads(body.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                raise FetchError(f"{url} did not answer with JSON.") from None


def verify(manifests, load_table=None) -> list:
    """Problems found (an empty list when the chain is intact).

    `load_table(manifest, entry)` returns the table an entry of a manifest names."""
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


def _key(entry) -> tuple:
    return (entry.get("measure"), entry.get("table"), entry.get("period"))


def release_tables_loader(base: str, fetcher: Fetcher):
    """load_table for verify(): one request per release for all of its tables."""
    loaded: dict[str, dict] = {}

    def load_table(manifest, entry):
        release = manifest["release"]
        if release not in loaded:
            body = fetcher.get_json(f"{base}/api/v1/releases/{release}/tables/")
            loaded.clear()  # releases are checked in order: keep one in memory
            loaded[release] = {_key(t): t for t in body.get("tables", [])}
        return loaded[release].get(_key(entry), {})

    return load_table


def run(
    base: str,
    *,
    expect: str | None = None,
    tables: bool = True,
    fetcher: Fetcher | None = None,
    out=None,
) -> int:
    out = out or sys.stdout
    fetcher = fetcher or Fetcher()
    base = base.rstrip("/")
    if not base.startswith(("https://", "http://")):
        print("Give the site's address, starting https:// (or http://).", file=out)
        return 2
    try:
        manifests = fetcher.get_json(base + "/api/v1/chain/")["manifests"]
        load_table = release_tables_loader(base, fetcher) if tables else None
        problems = verify(manifests, load_table)
    except FetchError as error:
        print(f"Could not check the chain: {error}", file=out)
        return 3
    except (KeyError, TypeError):
        print(f"Could not check the chain: {base} does not serve an ANPR chain.", file=out)
        return 3
    latest = canonical_sha256(manifests[-1]) if manifests else GENESIS
    if expect and expect != latest:
        problems.append(f"the latest manifest is {latest}, not the {expect} you kept")
    for problem in problems:
        print("PROBLEM:", problem, file=out)
    if problems:
        return 1
    checked = "manifests and tables" if tables else "manifests only"
    print(
        f"Chain intact: {len(manifests)} releases ({checked}, {fetcher.requests} requests); "
        f"latest manifest SHA-256 {latest}",
        file=out,
    )
    return 0


def parser() -> argparse.ArgumentParser:
    result = argparse.ArgumentParser(
        prog="anpr-verify",
        description="Check that the published history of Talk London's ANPR statistics has not "
        "been rewritten: every release's manifest links to the one before, and every table "
        "matches its digest.",
        epilog="Exit status: 0 intact, 1 problem found, 2 bad usage, 3 site could not be read.",
    )
    result.add_argument("site", help="the site's address, for example https://talk.london.gov.uk")
    result.add_argument(
        "--expect",
        metavar="SHA256",
        help="the latest manifest digest you kept from an earlier check: it must still match",
    )
    result.add_argument(
        "--manifests-only",
        action="store_true",
        help="check the links between manifests but do not fetch the tables",
    )
    result.add_argument(
        "--retries",
        type=int,
        default=DEFAULT_RETRIES,
        help=f"times to retry when asked to slow down (default {DEFAULT_RETRIES})",
    )
    result.add_argument(
        "--max-wait",
        type=float,
        default=DEFAULT_MAX_WAIT,
        help=f"longest wait, in seconds, for one Retry-After (default {DEFAULT_MAX_WAIT:.0f})",
    )
    result.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return result


def main(argv=None) -> int:
    """Command line: main(["https://talk.london.gov.uk"]). Returns the exit status."""
    args = parser().parse_args(argv)
    fetcher = Fetcher(retries=args.retries, max_wait=args.max_wait)
    return run(args.site, expect=args.expect, tables=not args.manifests_only, fetcher=fetcher)


def cli() -> None:
    sys.exit(main())


if __name__ == "__main__":
    cli()
