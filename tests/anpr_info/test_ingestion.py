"""The ingestion API: authentication, signatures, replay, idempotency, revisions, validation,
the tripwire, CSV, the schema and the file import."""

import json
import time

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from anpr_info.models import ApiKey, IdempotencyRecord, QuarantinedBatch, Submission
from anpr_info.returns import finding_digest
from anpr_info.services.sources import api_key_revoke, api_key_rotate
from anpr_info.signing import sha256_hex, signed_headers
from talklondon.permissions import ROLE_PUBLISHER

from .conftest import RETURNS, hits_document

pytestmark = pytest.mark.django_db


def _problem(response):
    assert response["Content-Type"] == "application/problem+json"
    return json.loads(response.content)


def test_a_signed_return_is_stored_as_revision_one(signed_post, source):
    response = signed_post(hits_document())
    assert response.status_code == 201, response.content
    body = json.loads(response.content)
    assert (body["dataset"], body["period"], body["revision"], body["rows"]) == (
        "hits",
        "2025-03",
        1,
        2,
    )
    submission = Submission.objects.get()
    assert submission.source == source
    assert submission.aggregates["hits/by_area_category"]


@pytest.mark.parametrize(
    "headers, slug",
    [
        ({}, "unauthenticated"),
        ({"X-ANPR-Key": "anpr_deadbeef_not-a-real-key"}, "unauthenticated"),
        ({"X-ANPR-Key": "rubbish"}, "unauthenticated"),
    ],
)
def test_requests_without_a_valid_key_are_refused(client, headers, slug):
    response = client.post(RETURNS, data=b"{}", content_type="application/json", headers=headers)
    assert response.status_code == 401
    assert _problem(response)["type"].endswith(slug)
    assert not Submission.objects.exists()


def test_a_revoked_key_is_refused(signed_post, source):
    api_key_revoke(api_key=ApiKey.objects.get(source=source))
    response = signed_post(hits_document())
    assert response.status_code == 401
    assert _problem(response)["type"].endswith("key-revoked")


def test_rotation_issues_a_working_key_and_revokes_the_old(signed_post, source):
    _record, new_key = api_key_rotate(source=source)
    assert signed_post(hits_document()).status_code == 401
    assert signed_post(hits_document(), key=new_key).status_code == 201
    assert ApiKey.objects.filter(source=source, revoked_at__isnull=True).count() == 1
    assert new_key not in json.dumps(list(ApiKey.objects.values()), default=str)


def test_a_bad_signature_is_refused(client, api_key):
    body = json.dumps(hits_document()).encode()
    headers = signed_headers(
        key=api_key, timestamp=int(time.time()), method="POST", path=RETURNS, body=body
    )
    tampered = body.replace(b"25", b"26")
    response = client.post(RETURNS, data=tampered, content_type="application/json", headers=headers)
    assert response.status_code == 401
    assert _problem(response)["type"].endswith("bad-signature")
    assert not Submission.objects.exists()


def test_a_stale_timestamp_is_refused(signed_post):
    response = signed_post(hits_document(), timestamp=int(time.time()) - 3600)
    assert response.status_code == 401
    assert _problem(response)["type"].endswith("stale-timestamp")


def test_a_replayed_request_is_refused(client, api_key):
    body = json.dumps(hits_document()).encode()
    headers = signed_headers(
        key=api_key, timestamp=int(time.time()), method="POST", path=RETURNS, body=body
    )
    first = client.post(RETURNS, data=body, content_type="application/json", headers=headers)
    again = client.post(RETURNS, data=body, content_type="application/json", headers=headers)
    assert first.status_code == 201
    assert again.status_code == 401
    assert _problem(again)["type"].endswith("replayed")
    assert Submission.objects.count() == 1


def test_same_idempotency_key_and_body_returns_the_original_response(signed_post):
    first = signed_post(hits_document(), idempotency="return-1")
    second = signed_post(hits_document(), idempotency="return-1")
    assert first.status_code == second.status_code == 201
    assert json.loads(first.content) == json.loads(second.content)
    assert second["Idempotent-Replayed"] == "true"
    assert Submission.objects.count() == 1


def test_same_idempotency_key_with_another_body_is_422(signed_post):
    assert signed_post(hits_document(), idempotency="return-1").status_code == 201
    response = signed_post(hits_document(count=99), idempotency="return-1")
    assert response.status_code == 422
    assert _problem(response)["type"].endswith("idempotency-key-reused")
    assert Submission.objects.count() == 1


def test_a_request_still_in_progress_is_409(signed_post, source):
    body = json.dumps(hits_document()).encode()
    fingerprint = sha256_hex(
        json.dumps(["application/json", {"dataset": "", "period": "", "reason": ""}]).encode()
        + b"\n"
        + body
    )
    IdempotencyRecord.objects.create(source=source, key="return-1", request_sha256=fingerprint)
    response = signed_post(body, idempotency="return-1")
    assert response.status_code == 409
    assert _problem(response)["type"].endswith("request-in-progress")
    assert not Submission.objects.exists()


def test_a_resubmission_needs_a_reason_and_becomes_a_new_revision(signed_post):
    assert signed_post(hits_document()).status_code == 201
    refused = signed_post(hits_document(count=30))
    assert refused.status_code == 422
    assert _problem(refused)["type"].endswith("reason-required")
    accepted = signed_post(hits_document(count=30, reason="Late returns from Westminster."))
    assert accepted.status_code == 201
    assert json.loads(accepted.content)["revision"] == 2
    first, second = Submission.objects.order_by("revision")
    assert first.aggregates != second.aggregates  # nothing overwritten
    assert second.reason == "Late returns from Westminster."


def test_one_invalid_row_stores_nothing_and_reports_every_error(signed_post):
    document = hits_document()
    document["rows"].append(
        {"owner": "tfl_ruc", "area": "E09000033", "category": "parking", "count": -1}
    )
    document["rows"].append(
        {"owner": "tfl_ruc", "area": "E09000001", "category": "stolen", "count": 4}
    )
    document["rows"].append({"owner": "tfl_ruc", "area": "E09000033", "category": "stolen"})
    response = signed_post(document)
    assert response.status_code == 422
    problem = _problem(response)
    assert problem["type"].endswith("invalid-rows")
    errors = {(e["row"], e["field"]) for e in problem["errors"]}
    assert {(3, "category"), (3, "count"), (4, "area"), (5, "count")} <= errors
    assert any("City of London Police" in e["message"] for e in problem["errors"])
    assert not Submission.objects.exists()


@pytest.mark.parametrize(
    "row_extra, kind",
    [
        ({"note": "seen AB12 CDE twice"}, "vehicle registration mark"),
        ({"note": "contact j.smith@example.org"}, "email address"),
        ({"driver_name": "Jo Bloggs"}, "personal name field"),
        ({"category": "LX51ABC"}, "vehicle registration mark"),
    ],
)
def test_the_tripwire_quarantines_the_batch_and_alerts_publishers(
    signed_post, make_staff, mailoutbox, django_capture_on_commit_callbacks, row_extra, kind
):
    publisher = make_staff(ROLE_PUBLISHER)
    document = hits_document()
    document["rows"][1].update(row_extra)
    offending = next(iter(row_extra.values()))
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_post(document)
    assert response.status_code == 422
    problem = _problem(response)
    assert problem["type"].endswith("personal-data-suspected")
    assert problem["findings"][0]["kind"] == kind
    assert offending not in response.content.decode()
    assert not Submission.objects.exists()
    batch = QuarantinedBatch.objects.get()
    # A keyed digest (issue 14): the same value is recognised, a bare hash would not match.
    assert batch.findings[0]["digest"] == finding_digest(offending)
    assert sha256_hex(offending) not in json.dumps(batch.findings)
    assert offending not in json.dumps(batch.findings)
    assert [m.to for m in mailoutbox] == [[publisher.email]]
    assert "quarantined" in mailoutbox[0].subject
    assert offending not in mailoutbox[0].body


def test_csv_returns_are_accepted(signed_post):
    body = b"owner,area,category,count\ntfl_ruc,E09000033,stolen,25\nmet_fixed,E09000002,other,12\n"
    path = RETURNS + "?dataset=hits&period=2025-03"
    response = signed_post(body, path=path, content_type="text/csv")
    assert response.status_code == 201, response.content
    assert Submission.objects.get().row_count == 2


def test_the_schema_is_published(client):
    index = client.get("/api/ingest/v1/schema/").json()
    assert {r["name"] for r in index["resources"]} >= {"site_reads", "hits", "disclosures"}
    schema = client.get("/api/ingest/v1/schema/hits.json").json()
    assert schema["properties"]["dataset"] == {"const": "hits"}
    area = schema["properties"]["rows"]["items"]["properties"]["area"]
    assert "E09000001" not in area["enum"]  # the City is not a Met area
    assert client.get("/api/ingest/v1/schema/nope.json").status_code == 404


def test_files_from_disk_get_the_same_checks(tmp_path, source, participant, make_staff):
    uploader = make_staff(ROLE_PUBLISHER)
    good = tmp_path / "hits.json"
    good.write_text(json.dumps(hits_document()))
    call_command("anpr_import", str(good), source=source.name, uploaded_by=uploader.email)
    stored = Submission.objects.get()
    assert (stored.via, stored.uploaded_by) == ("file", uploader)
    bad = tmp_path / "bad.csv"
    bad.write_text("owner,area,category,count,driver_name\ntfl_ruc,E09000033,stolen,25,Jo\n")
    with pytest.raises(CommandError, match="quarantined"):
        call_command(
            "anpr_import",
            str(bad),
            source=source.name,
            uploaded_by=uploader.email,
            dataset="hits",
            period="2025-04",
        )
    assert QuarantinedBatch.objects.get().via == "file"


def test_the_key_command_creates_and_rotates_keys(db, capsys):
    call_command("anpr_key", "Offline back end", create=True)
    first = capsys.readouterr().out.strip().splitlines()[-1]
    assert first.startswith("anpr_")
    call_command("anpr_key", "Offline back end", rotate=True)
    second = capsys.readouterr().out.strip().splitlines()[-1]
    assert second != first
    assert ApiKey.objects.filter(revoked_at__isnull=True).count() == 1


def test_the_stored_answer_has_exactly_the_documented_fields(signed_post):
    """The 201 body is built by the service and documented by SubmissionSerializer: the two
    lists of fields must not drift apart."""
    from anpr_info.ingest_api import SubmissionSerializer

    body = json.loads(signed_post(hits_document()).content)
    assert set(body) == set(SubmissionSerializer().fields)
