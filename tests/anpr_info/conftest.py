"""Fixtures for the ANPR module: a source with a key, signed requests, publishers, small data."""

import datetime as dt
import json
import time
import zoneinfo

import pytest
from django.utils import timezone

from anpr_info.services import releases as release_services
from anpr_info.services.sources import api_key_create, source_create
from anpr_info.signing import signed_headers
from demo.anpr_simulator import Pusher, Simulator, feed_push
from talklondon.permissions import ROLE_PUBLISHER

RETURNS = "/api/ingest/v1/returns/"
LONDON = zoneinfo.ZoneInfo("Europe/London")


@pytest.fixture
def source(db):
    return source_create(name="Test back end")


@pytest.fixture
def api_key(source):
    _record, key = api_key_create(source=source)
    return key


@pytest.fixture
def signed_post(client, api_key):
    """signed_post(document or bytes, key=..., timestamp=..., idempotency=..., path=...)."""

    def _post(
        body,
        *,
        key=None,
        timestamp=None,
        idempotency="",
        path=RETURNS,
        content_type="application/json",
        headers=None,
    ):
        if not isinstance(body, bytes):
            body = json.dumps(body).encode()
        sent = signed_headers(
            key=key or api_key,
            timestamp=int(time.time()) if timestamp is None else timestamp,
            method="POST",
            path=path,
            body=body,
            idempotency_key=idempotency,
        )
        sent.update(headers or {})
        return client.post(path, data=body, content_type=content_type, headers=sent)

    return _post


def hits_document(period="2025-03", *, count=25, reason=""):
    rows = [
        {"owner": "tfl_ruc", "area": "E09000033", "category": "stolen", "count": count},
        {"owner": "met_fixed", "area": "E09000002", "category": "no_insurance", "count": 40},
    ]
    document = {"dataset": "hits", "period": period, "rows": rows}
    if reason:
        document["reason"] = reason
    return document


@pytest.fixture
def publishers(make_staff):
    return make_staff(ROLE_PUBLISHER), make_staff(ROLE_PUBLISHER)


@pytest.fixture
def small_feed(source, api_key, settings):
    """Push two months of small-scale simulated returns through the signed API."""

    def _feed(months=("2025-02", "2025-03")):
        results = feed_push(
            pusher=Pusher(key=api_key), months=list(months), simulator=Simulator(scale=0.02)
        )
        assert {status for _d, _p, status in results} == {201}, results
        return results

    return _feed


def announce(period, actor, *, when=None, notes=""):
    when = when or (
        dt.datetime.fromisoformat(f"{period}-01").replace(tzinfo=LONDON) + dt.timedelta(days=45)
    )
    return release_services.release_announce(
        period=period, announced_at=when, actor=actor, notes=notes
    )


def publish_period(period, preparer, approver, *, notes="", now=None):
    """Announce, prepare, approve, embargo and publish a month; returns the release."""
    release = announce(
        period,
        preparer,
        notes=notes,
        when=(now or timezone.now()) - dt.timedelta(minutes=5) if notes else None,
    )
    release_services.release_prepare(release=release, actor=preparer)
    release.refresh_from_db()
    release_services.release_approve(
        release=release, actor=approver, content_sha256=release.content_sha256
    )
    release_services.release_embargo(release=release, actor=approver)
    release.refresh_from_db()
    return release_services.release_publish(
        release=release, now=max(release.announced_at, now or timezone.now())
    )
