"""Releases: the two-person rule, embargo, publication at the announced time, the hash chain,
revisions with diffs, and the beat schedule."""

import datetime as dt
import json

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from anpr_info.models import Observation, Release, ReleaseTable
from anpr_info.selectors import chain_check, release_diffs
from anpr_info.services import releases as svc
from anpr_info.verify import anpr_verify
from talklondon import hashchain
from talklondon.permissions import ROLE_ANALYST

from .conftest import LONDON, announce, hits_document, publish_period

pytestmark = pytest.mark.django_db


def _prepared(period, preparer):
    release = announce(period, preparer)
    svc.release_prepare(release=release, actor=preparer)
    release.refresh_from_db()
    return release


def test_the_preparer_cannot_approve_their_own_release(small_feed, publishers):
    small_feed()
    preparer, other = publishers
    release = _prepared("2025-03", preparer)
    with pytest.raises(PermissionDenied):
        svc.release_approve(release=release, actor=preparer)
    svc.release_approve(release=release, actor=other)
    assert Release.objects.get().status == Release.Status.APPROVED


def test_the_database_refuses_self_approval_too(small_feed, publishers):
    small_feed()
    preparer, _ = publishers
    release = _prepared("2025-03", preparer)
    with pytest.raises(IntegrityError), transaction.atomic():
        Release.objects.filter(pk=release.pk).update(approved_by=preparer, status="approved")


def test_only_publishers_manage_releases(small_feed, make_staff, publishers):
    small_feed()
    analyst = make_staff(ROLE_ANALYST)
    with pytest.raises(PermissionDenied):
        announce("2025-03", analyst)
    release = _prepared("2025-03", publishers[0])
    with pytest.raises(PermissionDenied):
        svc.release_approve(release=release, actor=analyst)


def test_an_embargoed_release_is_published_at_the_announced_time(small_feed, publishers):
    small_feed()
    preparer, approver = publishers
    when = dt.datetime(2025, 4, 15, 9, 30, tzinfo=LONDON)
    with time_machine.travel(dt.datetime(2025, 4, 10, 12, 0, tzinfo=LONDON), tick=False):
        release = announce("2025-03", preparer, when=when)
        svc.release_prepare(release=release, actor=preparer)
        release.refresh_from_db()
        svc.release_approve(release=release, actor=approver, content_sha256=release.content_sha256)
        svc.release_embargo(release=release, actor=approver)
        assert svc.releases_publish_due() == []
        with pytest.raises(ValidationError):
            svc.release_publish(release=release)
    with time_machine.travel(dt.datetime(2025, 4, 15, 9, 29, 59, tzinfo=LONDON), tick=False):
        assert svc.releases_publish_due() == []
    assert not Observation.objects.exists()
    with time_machine.travel(dt.datetime(2025, 4, 15, 9, 30, 30, tzinfo=LONDON), tick=False):
        from anpr_info.tasks import releases_publish_due

        assert releases_publish_due.apply().get() == ["2025-03-v1"]
    release.refresh_from_db()
    assert release.status == Release.Status.PUBLISHED
    assert release.published_at == dt.datetime(2025, 4, 15, 9, 30, 30, tzinfo=LONDON)
    assert Observation.objects.filter(release=release).exists()
    # Running the beat again changes nothing.
    assert svc.releases_publish_due() == []


def test_a_draft_cannot_skip_approval(small_feed, publishers):
    small_feed()
    release = _prepared("2025-03", publishers[0])
    with pytest.raises(ValidationError):
        svc.release_embargo(release=release, actor=publishers[1])


def test_beat_runs_the_publisher_every_minute():
    from talklondon.celery import app

    entry = app.conf.beat_schedule["anpr-publish-due-releases"]
    assert entry["task"] == "anpr_info.tasks.releases_publish_due"
    assert float(entry["schedule"]) == 60.0


def test_the_hash_chain_verifies_and_detects_tampering(small_feed, publishers, client):
    small_feed()
    first = publish_period("2025-02", *publishers)
    second = publish_period("2025-03", *publishers)
    assert second.manifest["previous_manifest_sha256"] == first.manifest_sha256
    assert first.manifest["previous_manifest_sha256"] == hashchain.GENESIS
    assert chain_check() == []

    # The standalone script, fed by the public API.
    chain = client.get("/api/v1/chain/").json()

    def load(manifest, entry):
        url = f"/api/v1/releases/{manifest['release']}/tables/{entry['measure']}/{entry['table']}/{entry['period']}/"
        return client.get(url).json()

    assert anpr_verify.verify(chain["manifests"], load) == []
    assert client.get(reverse("anpr_info:verify_script")).status_code == 200

    table = ReleaseTable.objects.filter(release=first).first()
    table.payload["cells"][0][2] = (table.payload["cells"][0][2] or 0) + 5
    table.save()
    problems = chain_check()
    assert problems and "does not match its hash" in problems[0]
    # Rewriting a manifest breaks the link from the next release.
    manifests = [dict(m) for m in chain["manifests"]]
    manifests[0]["notes"] = "rewritten"
    assert any("does not link" in p for p in anpr_verify.verify(manifests))


def test_a_revision_is_a_new_version_with_diffs_and_keeps_suppressions(
    small_feed, publishers, signed_post
):
    small_feed()
    first = publish_period("2025-03", *publishers)
    hidden_before = {
        (t.measure, t.table): {tuple(map(tuple, k)) for k in t.suppressed}
        for t in first.tables.all()
    }
    with pytest.raises(ValidationError):
        announce("2025-03", publishers[0])  # a revision must say why
    document = hits_document()
    document["reason"] = "Corrected counts."
    from anpr_info.models import Submission

    latest = Submission.objects.filter(dataset="hits", period="2025-03").get()
    rows = []
    for row, col, value in latest.aggregates["hits/by_area_category"]:
        rows.append({"owner": "met_fixed", "area": row[0], "category": col[0], "count": value + 7})
    response = signed_post(
        {"dataset": "hits", "period": "2025-03", "reason": "Corrected counts.", "rows": rows}
    )
    assert response.status_code == 201, response.content
    second = publish_period("2025-03", *publishers, notes="Corrected hit counts.")
    assert second.version == 2 and second.sequence == first.sequence + 1
    diffs = release_diffs(second)
    hits = [
        d for d in diffs if d["table"].measure == "hits" and d["table"].table == "by_area_category"
    ]
    assert hits and hits[0]["changes"]
    for table in second.tables.all():
        now_hidden = {tuple(map(tuple, k)) for k in table.suppressed}
        assert hidden_before.get((table.measure, table.table), set()) <= now_hidden
    # The API serves the latest figures; the first release's figures stay available.
    latest_obs = Observation.objects.filter(measure="hits", period="2025-03", is_latest=True)
    assert set(latest_obs.values_list("release", flat=True)) == {second.pk}
    assert Observation.objects.filter(release=first, is_latest=False).exists()


def test_tier_c_categories_appear_only_in_the_annual_table(source, api_key, publishers):
    from demo.anpr_simulator import Pusher, Simulator, feed_push

    feed_push(
        pusher=Pusher(key=api_key), months=["2024-11", "2024-12"], simulator=Simulator(scale=0.02)
    )
    release = publish_period("2024-12", *publishers)
    searches = release.tables.get(measure="searches", table="by_purpose_age_authorisation")
    flags = {tuple(r)[0]: f for r, c, v, f in searches.payload["cells"]}
    assert flags["counter_terrorism"] == "x"
    annual = release.tables.get(measure="searches", table="annual_sensitive")
    assert annual.period == "2024"
    [(row, col, value, flag)] = annual.payload["cells"]
    assert row == ["counter_terrorism"] and (value is None or value >= 10)
    assert any("2 of 12" in note for note in annual.payload["notes"])
    assert json.dumps(release.manifest)
