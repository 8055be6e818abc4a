"""Exports end to end through the staff pages: contents, delivery paths, records and failures."""

import hashlib
import io
import json
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from consultation.analysis.models import ExportRecord
from consultation.analysis.services.exports.delivering import export_expire_due
from talklondon.permissions import ROLE_ANALYST, ROLE_EXPORTER
from tests.analysis.helpers import NASTY_TEXTS, csv_rows, list_dataset_register
from tests.factories import UserFactory

CREATE = reverse("analysis_staff:export_create")
CAMDEN = "E09000007"
HACKNEY = "E09000012"


def form_data(**overrides):
    data = {
        "dataset": "participant-profiles",
        "file_format": "csv",
        "kind": "anonymised",
        "purpose": "",
        "date_from": "",
        "date_to": "",
        "channel": "",
        "borough": "",
        "include_drafts": "final",
    }
    data.update(overrides)
    # Dates are GOV.UK date inputs: day, month and year boxes ("11/02/2026" in a test).
    for name in ("date_from", "date_to"):
        parts = str(data.pop(name) or "").split("/")
        parts += [""] * (3 - len(parts))
        data.update({f"{name}_{index}": part for index, part in enumerate(parts[:3])})
    return data


def participants():
    people = []
    for borough, age in [(CAMDEN, "25_34"), (HACKNEY, "65_74"), (CAMDEN, "")]:
        person = UserFactory()
        person.profile.borough = borough
        person.profile.age_band = age
        person.profile.save()
        people.append(person)
    erased = UserFactory()
    erased.erased_at = timezone.now()
    erased.save()
    return people


def streamed(response) -> bytes:
    assert response.status_code == 200, response
    return b"".join(response.streaming_content)


@pytest.mark.django_db
def test_anonymised_stream_matches_database_and_names_nobody(staff_client):
    people = participants()
    client, analyst = staff_client(ROLE_ANALYST)

    response = client.post(CREATE, form_data())
    content = streamed(response)

    rows = csv_rows(content)
    assert rows[0] == ["Respondent", "Month joined", "Borough code", "Borough", "Age band"]
    data = rows[1:]
    # Staff (the analyst) and erased accounts are left out; each participant appears once.
    assert len(data) == len(people)
    assert sorted(r[2] for r in data) == sorted([CAMDEN, HACKNEY, CAMDEN])
    assert {r[3] for r in data} == {"Camden", "Hackney"}
    assert "25 to 34" in {r[4] for r in data}
    assert len({r[0] for r in data}) == 3 and all(r[0].startswith("R-") for r in data)
    text = content.decode("utf-8-sig")
    for person in people:
        assert person.email not in text
        assert person.display_name not in text
        assert f",{person.pk}," not in text

    record = ExportRecord.objects.get()
    assert record.requested_by == analyst
    assert record.status == ExportRecord.Status.DELIVERED
    assert record.delivery == ExportRecord.Delivery.STREAM
    assert record.row_count == 3
    assert record.sha256 == hashlib.sha256(content).hexdigest()
    assert record.manifest["sha256"] == record.sha256
    assert record.manifest["row_count"] == 3
    assert record.manifest["kind"] == "anonymised"
    assert "anonymised" in response["Content-Disposition"]
    assert record.file_name in response["Content-Disposition"]

    manifest = client.get(reverse("analysis_staff:export_manifest", args=[record.pk]))
    assert manifest.status_code == 200
    assert json.loads(manifest.content)["sha256"] == hashlib.sha256(content).hexdigest()
    assert f"{record.file_name}.manifest.json" in manifest["Content-Disposition"]


@pytest.mark.django_db
def test_identified_export_needs_a_purpose_and_is_marked(staff_client):
    people = participants()
    client, exporter = staff_client(ROLE_EXPORTER)

    response = client.post(CREATE, form_data(kind="identified"))
    assert response.status_code == 200
    assert "Say why you need personal data" in response.content.decode()
    assert not ExportRecord.objects.exists()

    purpose = "Contacting respondents who asked for a follow-up call"
    response = client.post(CREATE, form_data(kind="identified", purpose=purpose))
    content = streamed(response)
    rows = csv_rows(content)
    assert rows[0][-2:] == ["Display name", "Email address"]
    by_email = {r[-1]: r for r in rows[1:]}
    for person in people:
        assert by_email[person.email][-2] == person.display_name
        assert by_email[person.email][2] == person.profile.borough

    record = ExportRecord.objects.get()
    assert record.identified and record.purpose == purpose
    assert "-identified-" in record.file_name
    assert "identified" in response["Content-Disposition"]
    assert record.manifest["kind"] == "identified"
    assert record.manifest["purpose"] == purpose
    assert "IDENTIFIED" in record.manifest["identified"]


@pytest.mark.django_db
def test_xlsx_stream_has_data_codebook_and_manifest_and_hash_matches(staff_client):
    participants()
    client, _ = staff_client(ROLE_ANALYST)
    response = client.post(CREATE, form_data(file_format="xlsx"))
    content = streamed(response)
    record = ExportRecord.objects.get()
    assert record.sha256 == hashlib.sha256(content).hexdigest()

    workbook = load_workbook(io.BytesIO(content), read_only=True)
    assert workbook.sheetnames == ["Data", "Codebook", "Manifest"]
    data = list(workbook["Data"].values)
    assert data[0][:3] == ("Respondent", "Month joined", "Borough code")
    assert len(data) == 4
    codebook = list(workbook["Codebook"].values)
    assert ("borough_code", None, CAMDEN, "Camden", None) in codebook
    manifest = dict(workbook["Manifest"].values)
    assert manifest["row_count"] == "3"
    assert manifest["kind"] == "anonymised"
    # The workbook cannot hold its own hash: it says where to find it instead.
    assert "cannot contain its own hash" in manifest["sha256"]

    page = client.get(reverse("analysis_staff:export_detail", args=[record.pk]))
    assert record.sha256 in page.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_large_export_runs_in_celery_with_progress_email_and_hash(
    staff_client, settings, django_capture_on_commit_callbacks, mailoutbox, file_format
):
    settings.EXPORT_STREAM_MAX_ROWS = 2
    participants()
    client, analyst = staff_client(ROLE_ANALYST)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(CREATE, form_data(file_format=file_format))
    record = ExportRecord.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("analysis_staff:export_detail", args=[record.pk])
    assert record.delivery == ExportRecord.Delivery.BACKGROUND
    assert record.status == ExportRecord.Status.PENDING

    # Before the worker runs: a status page with a refresh link, and JSON for the script.
    page = client.get(response["Location"]).content.decode()
    assert "Refresh this page" in page and "analysis-exports.js" in page
    status = client.get(reverse("analysis_staff:export_status", args=[record.pk])).json()
    assert status == {
        "status": "pending",
        "status_label": "Waiting to start",
        "rows_written": 0,
        "rows_total": 3,
        "percent": 0,
        "finished": False,
    }
    assert (
        client.get(reverse("analysis_staff:export_download", args=[record.pk])).status_code == 404
    )

    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:
            callback()

    record.refresh_from_db()
    assert record.status == ExportRecord.Status.READY
    assert (record.rows_written, record.row_count, record.progress_percent) == (3, 3, 100)
    assert record.expires_at == record.finished_at + timedelta(hours=24)
    path = Path(settings.MEDIA_ROOT) / record.file_path
    assert path.parent.name == "exports" and path.exists()
    assert record.dataset_key not in path.name  # random storage name

    download = client.get(reverse("analysis_staff:export_download", args=[record.pk]))
    content = b"".join(download.streaming_content)
    assert hashlib.sha256(content).hexdigest() == record.sha256
    assert record.file_name in download["Content-Disposition"]
    if file_format == "csv":
        assert len(csv_rows(content)) == 4
        assert record.manifest["sha256"] == record.sha256
    else:
        assert len(list(load_workbook(io.BytesIO(content))["Data"].values)) == 4

    assert [m.to for m in mailoutbox] == [[analyst.email]]
    assert "ready" in mailoutbox[0].subject
    assert reverse("analysis_staff:export_detail", args=[record.pk]) in mailoutbox[0].body

    listing = client.get(reverse("analysis_staff:export_list")).content.decode()
    assert reverse("analysis_staff:export_download", args=[record.pk]) in listing


@pytest.mark.django_db
def test_failed_background_export_is_shown_failed_and_never_offered(
    staff_client, settings, django_capture_on_commit_callbacks
):
    settings.EXPORT_STREAM_MAX_ROWS = 2
    list_dataset_register([(1, "online", f"row {i}") for i in range(5)], fail_after=3)
    client, _ = staff_client(ROLE_ANALYST)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(CREATE, form_data(dataset="test-list"))
    record = ExportRecord.objects.get()
    assert record.status == ExportRecord.Status.FAILED
    assert "the database went away" in record.error
    assert not record.file_path
    assert not list((Path(settings.MEDIA_ROOT) / "exports").iterdir())
    page = client.get(response["Location"]).content.decode()
    assert "This export failed" in page and "the database went away" in page
    assert "Download" not in page.split("This export failed")[1].split("</div>")[0]
    assert (
        client.get(reverse("analysis_staff:export_download", args=[record.pk])).status_code == 404
    )


@pytest.mark.django_db
def test_stream_that_fails_before_sending_shows_the_failure(staff_client):
    list_dataset_register([(1, "online", "x")], fail_after=0)
    client, _ = staff_client(ROLE_ANALYST)
    response = client.post(CREATE, form_data(dataset="test-list"))
    record = ExportRecord.objects.get()
    assert response.status_code == 302
    assert record.status == ExportRecord.Status.FAILED
    assert "the database went away" in client.get(response["Location"]).content.decode()


@pytest.mark.django_db
def test_filters_that_match_nothing_give_headers_and_a_message(staff_client):
    participants()
    client, _ = staff_client(ROLE_ANALYST)
    response = client.post(CREATE, form_data(borough="E09000001"))  # nobody in the City
    record = ExportRecord.objects.get()
    assert response.status_code == 302
    assert record.status == ExportRecord.Status.READY and record.row_count == 0
    assert "No rows matched" in record.manifest["message"]
    page = client.get(response["Location"]).content.decode()
    assert "No rows matched your filters" in page
    content = b"".join(
        client.get(reverse("analysis_staff:export_download", args=[record.pk])).streaming_content
    )
    assert csv_rows(content) == [
        ["Respondent", "Month joined", "Borough code", "Borough", "Age band"]
    ]


@pytest.mark.django_db
def test_filters_select_the_right_rows(staff_client):
    people = participants()
    client, _ = staff_client(ROLE_ANALYST)
    content = streamed(client.post(CREATE, form_data(borough=CAMDEN)))
    assert [r[2] for r in csv_rows(content)[1:]] == [CAMDEN, CAMDEN]

    old = people[1]
    old.date_joined = timezone.now() - timedelta(days=60)
    old.save()
    today = timezone.localdate().strftime("%d/%m/%Y")
    content = streamed(client.post(CREATE, form_data(date_from=today, date_to=today)))
    assert len(csv_rows(content)) == 1 + 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"date_from": "31/02/2026"}, "date_from", "From date must be a real date"),
        ({"date_from": "31//2026"}, "date_from", "From date must include a month"),
        (
            {"date_from": "10/03/2026", "date_to": "01/03/2026"},
            "date_to",
            "must be the same as or after",
        ),
        ({"borough": "nowhere"}, "borough", "Choose a borough from the list"),
        ({"dataset": "no-such-thing"}, "dataset", "Choose a dataset"),
        ({"file_format": "pdf"}, "file_format", "Choose a format"),
        ({"channel": "online"}, "channel", "has no channels"),
        ({"include_drafts": "all"}, "include_drafts", "has no drafts"),
        ({"kind": "identified", "purpose": "x" * 30}, "kind", "Choose anonymised or identified"),
    ],
)
def test_invalid_filters_give_govuk_errors_and_keep_values(staff_client, overrides, field, message):
    list_dataset_register([])  # provides the "online" channel choice
    client, _ = staff_client(ROLE_ANALYST)
    response = client.post(CREATE, form_data(**overrides))
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page and message in page
    assert "govuk-error-message" in page
    assert page.startswith("<!DOCTYPE html>") or "<title>Error:" in page
    assert not ExportRecord.objects.exists()
    if field == "date_from":
        assert 'name="date_from_0" type="text" inputmode="numeric" value="31"' in page
        assert 'href="#id_date_from_0"' in page  # the summary leads to the day box


@pytest.mark.django_db
def test_hostile_text_exports_intact_and_safe_in_csv_and_xlsx(staff_client):
    list_dataset_register([(7, "online", text) for text in NASTY_TEXTS])
    client, _ = staff_client(ROLE_ANALYST)

    rows = csv_rows(streamed(client.post(CREATE, form_data(dataset="test-list"))))
    texts = [r[2] for r in rows[1:]]
    assert texts[:6] == [
        "'=1+1",
        "'+SUM(A1:A2)",
        "'-2+3",
        "'@cmd",
        "'\tleading tab",
        "'\rleading carriage return",
    ]
    assert texts[6:] == NASTY_TEXTS[6:]  # emoji, RTL, control characters, quotes kept as is
    assert len({r[0] for r in rows[1:]}) == 1  # same respondent, same pseudonym

    content = streamed(client.post(CREATE, form_data(dataset="test-list", file_format="xlsx")))
    sheet = load_workbook(io.BytesIO(content))["Data"]
    cells = [row[2] for row in sheet.iter_rows(min_row=2)]
    assert all(cell.data_type == "s" for cell in cells)  # no formulas
    values = [cell.value for cell in cells]
    assert values[0] == "'=1+1" and values[3] == "'@cmd"
    assert values[6] == NASTY_TEXTS[6] and values[7] == NASTY_TEXTS[7]
    assert values[8] == "bellinside and vertical tab"  # XML cannot hold these two characters
    manifest = dict(load_workbook(io.BytesIO(content))["Manifest"].values)
    assert manifest["characters_removed"] == "2"
    assert "cannot hold" in manifest["characters_removed_note"]


@pytest.mark.django_db
def test_pseudonyms_differ_between_exports(staff_client):
    list_dataset_register([(7, "online", "a"), (8, "paper", "b"), (7, "paper", "c")])
    client, _ = staff_client(ROLE_ANALYST)
    first = csv_rows(streamed(client.post(CREATE, form_data(dataset="test-list"))))[1:]
    second = csv_rows(streamed(client.post(CREATE, form_data(dataset="test-list"))))[1:]
    assert first[0][0] == first[2][0] != first[1][0]
    assert {r[0] for r in first}.isdisjoint({r[0] for r in second})
    # A channel filter on a dataset that supports it.
    paper = csv_rows(streamed(client.post(CREATE, form_data(dataset="test-list", channel="paper"))))
    assert [r[2] for r in paper[1:]] == ["b", "c"]


@pytest.mark.django_db
def test_expired_files_are_deleted_and_no_longer_downloadable(
    staff_client, settings, django_capture_on_commit_callbacks
):
    settings.EXPORT_STREAM_MAX_ROWS = 1
    participants()
    client, _ = staff_client(ROLE_ANALYST)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(CREATE, form_data())
    record = ExportRecord.objects.get()
    path = Path(settings.MEDIA_ROOT) / record.file_path
    assert path.exists()

    assert export_expire_due() == 0
    with time_machine.travel(timezone.now() + timedelta(hours=24, minutes=1)):
        from consultation.analysis.tasks import export_expire

        assert export_expire.apply().get() == 1
        assert export_expire.apply().get() == 0  # idempotent
    record.refresh_from_db()
    assert record.status == ExportRecord.Status.EXPIRED
    assert not path.exists() and record.file_path == ""
    assert record.sha256  # the record (and its hash) is kept
    assert (
        client.get(reverse("analysis_staff:export_download", args=[record.pk])).status_code == 404
    )
    assert (
        "expired"
        in client.get(reverse("analysis_staff:export_detail", args=[record.pk])).content.decode()
    )


def test_expiry_runs_on_a_beat_schedule():
    from talklondon.celery import app

    entry = app.conf.beat_schedule["analysis-export-expiry"]
    assert entry["task"] == "consultation.analysis.tasks.export_expire"
    assert float(entry["schedule"]) == 15 * 60.0


@pytest.mark.django_db
def test_background_build_is_idempotent(staff_client, settings, django_capture_on_commit_callbacks):
    from consultation.analysis.services.exports.building import export_build_run

    settings.EXPORT_STREAM_MAX_ROWS = 1
    participants()
    client, _ = staff_client(ROLE_ANALYST)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(CREATE, form_data())
    record = ExportRecord.objects.get()
    assert export_build_run(export_id=record.pk) is None  # a second delivery does nothing
    record.refresh_from_db()
    assert record.status == ExportRecord.Status.READY
    assert len(list((Path(settings.MEDIA_ROOT) / "exports").iterdir())) == 1


@pytest.mark.parametrize(
    "value",
    [None, 0, -3, 2.5, True, False, "", "plain", "=x", "-1", "\rx", "👍🏽", "مرحبا"],
)
def test_fast_csv_row_matches_the_reference_conversion(value):
    from consultation.analysis.exports.writers import csv_row, csv_value

    fast = csv_row([value])[0]
    assert ("" if fast is None else str(fast)) == csv_value(value)


def test_csv_stream_reports_progress_in_chunks():
    from consultation.analysis.exports.writers import WriteStats, csv_stream

    seen = []
    stats = WriteStats()
    chunks = list(
        csv_stream(
            header=["a"],
            rows=([i] for i in range(5)),
            stats=stats,
            on_progress=seen.append,
            chunk_rows=2,
        )
    )
    assert len(chunks) == 3 and chunks[0].startswith("\ufeff".encode())
    assert stats.rows_written == 5 and seen[-1] == 5
