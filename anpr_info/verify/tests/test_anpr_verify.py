"""The verifier on its own: a fake site answers its requests (no network, no Django)."""

import email.message
import io
import json
import sys
import urllib.error
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import anpr_verify  # noqa: E402

SITE = "https://stats.example"


def _site(releases: int = 3) -> dict:
    """URL -> JSON body of a consistent published history."""
    urls = {}
    manifests = []
    previous = anpr_verify.GENESIS
    for sequence in range(1, releases + 1):
        slug = f"2025-{sequence:02d}-v1"
        tables = [
            {
                "measure": "hits",
                "table": "by_area",
                "period": slug[:7],
                "cells": [[["a"], [], n, ""]],
            }
            for n in (sequence, sequence * 10)
        ]
        for n, table in enumerate(tables):
            table["table"] = f"t{n}"
        manifest = {
            "release": slug,
            "sequence": sequence,
            "previous_manifest_sha256": previous,
            "tables": [
                {
                    "measure": t["measure"],
                    "table": t["table"],
                    "period": t["period"],
                    "sha256": anpr_verify.canonical_sha256(t),
                }
                for t in tables
            ],
        }
        previous = anpr_verify.canonical_sha256(manifest)
        manifests.append(manifest)
        urls[f"{SITE}/api/v1/releases/{slug}/tables/"] = {"release": slug, "tables": tables}
    urls[f"{SITE}/api/v1/chain/"] = {"genesis": anpr_verify.GENESIS, "manifests": manifests}
    return urls


class FakeOpener:
    """Answers from a dict; `refusals` = [(status, Retry-After or None), ...] come first."""

    def __init__(self, urls, refusals=()):
        self.urls = urls
        self.refusals = list(refusals)
        self.seen = []

    def __call__(self, request, timeout=None):
        url = request.full_url
        self.seen.append(url)
        if self.refusals:
            status, retry_after = self.refusals.pop(0)
            headers = email.message.Message()
            if retry_after is not None:
                headers["Retry-After"] = retry_after
            raise urllib.error.HTTPError(url, status, "Too Many Requests", headers, None)
        if url not in self.urls:
            raise urllib.error.HTTPError(url, 404, "Not Found", email.message.Message(), None)
        return io.BytesIO(json.dumps(self.urls[url]).encode())


def _run(opener, sleeps=None, **kwargs):
    out = io.StringIO()
    fetcher = anpr_verify.Fetcher(
        opener=opener,
        sleep=(sleeps.append if sleeps is not None else lambda s: None),
        log=out.write,
    )
    status = anpr_verify.run(SITE, fetcher=fetcher, out=out, **kwargs)
    return status, out.getvalue(), fetcher


def test_an_intact_chain_costs_one_request_per_release_plus_one():
    opener = FakeOpener(_site(25))
    status, out, fetcher = _run(opener)
    assert status == 0, out
    assert "Chain intact: 25 releases" in out
    assert fetcher.requests == 26 < 30


def test_a_rewritten_table_is_found():
    urls = _site(3)
    urls[f"{SITE}/api/v1/releases/2025-02-v1/tables/"]["tables"][0]["cells"][0][2] = 999
    status, out, _ = _run(FakeOpener(urls))
    assert status == 1
    assert "2025-02-v1: table hits/t0 2025-02 does not match its hash" in out


def test_a_kept_digest_that_no_longer_matches_is_a_problem():
    status, out, _ = _run(FakeOpener(_site(2)), expect="f" * 64)
    assert status == 1 and "not the " + "f" * 64 in out


def test_it_waits_as_long_as_retry_after_says_and_carries_on():
    sleeps = []
    opener = FakeOpener(_site(3), refusals=[(429, "7"), (503, None)])
    status, out, fetcher = _run(opener, sleeps)
    assert status == 0, out
    assert sleeps[0] == 7  # honoured exactly
    assert sleeps[1] == 4  # no header: exponential back-off (2 ** attempt)
    assert fetcher.requests == 4 + 2


def test_it_gives_up_politely_when_the_site_keeps_refusing():
    opener = FakeOpener(_site(3), refusals=[(429, "1")] * 10)
    status, out, _ = _run(opener)
    assert status == 3
    assert "still refusing requests (HTTP 429)" in out and "Traceback" not in out


def test_a_wait_longer_than_allowed_is_not_waited():
    sleeps = []
    status, out, _ = _run(FakeOpener(_site(1), refusals=[(429, "3600")]), sleeps)
    assert status == 3 and sleeps == [] and "try again in 3600 seconds" in out


def test_retry_after_as_an_http_date():
    assert anpr_verify.retry_after_seconds("Wed, 21 Oct 2015 07:28:10 GMT", now=1445412480) == 10
    assert anpr_verify.retry_after_seconds("soon") is None
    assert anpr_verify.retry_after_seconds("9" * 50) is None


def test_an_unreachable_site_is_a_clear_message():
    def refuse(request, timeout=None):
        raise urllib.error.URLError("Connection refused")

    status, out, _ = _run(refuse)
    assert status == 3 and "Could not reach" in out and "Connection refused" in out


def test_help_and_usage(capsys):
    with pytest.raises(SystemExit) as exit_:
        anpr_verify.main(["--help"])
    assert exit_.value.code == 0
    assert "usage: anpr-verify" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_:
        anpr_verify.main([])
    assert exit_.value.code == 2
