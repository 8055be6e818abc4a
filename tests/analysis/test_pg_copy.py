"""The PostgreSQL COPY fast path gives the same file as the Python writer (PostgreSQL only)."""

import csv
import io

import pytest
from django.db import connection
from django.urls import reverse

from consultation.analysis.exports import ExportFilters, dataset_get
from consultation.analysis.exports.pgcopy import CopyCsv, copy_export_sql
from consultation.analysis.exports.pseudonyms import Pseudonymiser
from consultation.analysis.models import ExportRecord
from talklondon.permissions import ROLE_EXPORTER
from tests.analysis.helpers import csv_rows
from tests.analysis.test_exports import CREATE, form_data, participants, streamed

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")


@pytest.mark.django_db
def test_sql_pseudonyms_are_the_python_ones():
    pseudonymise = Pseudonymiser(salt=b"fixed salt for the test")
    columns = dataset_get("participant-profiles").columns(ExportFilters())[:1]
    sql, params = copy_export_sql(
        select_sql="SELECT * FROM (VALUES (1), (42), (NULL::int)) AS ids(id)",
        params=[],
        columns=columns,
        pseudonymiser=pseudonymise,
    )
    copy = CopyCsv(sql, params)
    rows = list(csv.reader(io.StringIO(b"".join(copy).decode())))
    assert rows == [[pseudonymise(1)], [pseudonymise(42)], [""]]
    assert copy.rows == 3


@pytest.mark.django_db
def test_background_copy_export_matches_the_streamed_python_export(
    staff_client, settings, django_capture_on_commit_callbacks
):
    people = participants()
    people[0].display_name = "=HYPERLINK(1)"
    people[0].save()
    people[1].display_name = "-minus 👍🏽 مرحبا"
    people[1].save()
    client, _ = staff_client(ROLE_EXPORTER)
    data = form_data(kind="identified", purpose="Checking that the two export paths agree")

    python_rows = csv_rows(streamed(client.post(CREATE, data)))

    settings.EXPORT_STREAM_MAX_ROWS = 1
    with django_capture_on_commit_callbacks(execute=True):
        client.post(CREATE, data)
    record = ExportRecord.objects.filter(delivery=ExportRecord.Delivery.BACKGROUND).get()
    assert record.status == ExportRecord.Status.READY and record.row_count == 3
    download = client.get(reverse("analysis_staff:export_download", args=[record.pk]))
    copy_rows = csv_rows(b"".join(download.streaming_content))

    def without_pseudonyms(rows):
        return [row[1:] for row in rows]

    assert without_pseudonyms(copy_rows) == without_pseudonyms(python_rows)
    names = {row[-2] for row in copy_rows}
    assert "'=HYPERLINK(1)" in names and "'-minus 👍🏽 مرحبا" in names
    assert all(row[0].startswith("R-") and len(row[0]) == 18 for row in copy_rows[1:])


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["anonymised", "identified"])
def test_survey_copy_export_matches_the_python_export(
    kind, staff_client, settings, django_capture_on_commit_callbacks
):
    from consultation.analysis.exports.surveys import survey_dataset_key
    from tests.analysis.helpers import NASTY_TEXTS
    from tests.analysis.surveydata import online_response, survey_with_responses
    from tests.factories import UserFactory

    survey = survey_with_responses(count=40)
    for text in NASTY_TEXTS:
        online_response(survey, UserFactory(display_name="-" + text[:10]), text=text, other=text)
    online_response(survey, UserFactory(), status="draft")
    role = ROLE_EXPORTER if kind == "identified" else "Analyst"
    client, _ = staff_client(role)
    data = form_data(
        dataset=survey_dataset_key(survey.pk),
        kind=kind,
        purpose="Checking that the two export paths agree" if kind == "identified" else "",
        include_drafts="all",
    )

    python_rows = csv_rows(streamed(client.post(CREATE, data)))

    settings.EXPORT_STREAM_MAX_ROWS = 1
    with django_capture_on_commit_callbacks(execute=True):
        client.post(CREATE, data)
    record = ExportRecord.objects.filter(delivery=ExportRecord.Delivery.BACKGROUND).get()
    assert record.status == ExportRecord.Status.READY, record.error
    assert record.row_count == len(python_rows) - 1 == 51
    download = client.get(reverse("analysis_staff:export_download", args=[record.pk]))
    copy_rows = csv_rows(b"".join(download.streaming_content))
    assert [row[1:] for row in copy_rows] == [row[1:] for row in python_rows]
    assert len({row[0] for row in copy_rows[1:]}) == 51


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["anonymised", "identified"])
def test_a_drafts_saved_answers_are_in_the_copy_export_as_in_the_python_one(
    kind, staff_client, settings, django_capture_on_commit_callbacks
):
    """A draft's answers wait in one JSON column: the background export shows them too."""
    from consultation.analysis.exports.surveys import survey_dataset_key
    from consultation.surveys.free_text import WITHHELD
    from tests.analysis.surveydata import survey_with_responses
    from tests.analysis.test_dataset_exports import draft_saved_on_two_pages

    survey = survey_with_responses(count=5)
    draft_saved_on_two_pages(survey)
    client, _ = staff_client(ROLE_EXPORTER if kind == "identified" else "Analyst")
    data = form_data(
        dataset=survey_dataset_key(survey.pk),
        kind=kind,
        purpose="Checking what people have saved in their drafts",
        include_drafts="all",
    )
    python_rows = csv_rows(streamed(client.post(CREATE, data)))

    settings.EXPORT_STREAM_MAX_ROWS = 1
    with django_capture_on_commit_callbacks(execute=True):
        client.post(CREATE, data)
    record = ExportRecord.objects.filter(delivery=ExportRecord.Delivery.BACKGROUND).get()
    assert record.status == ExportRecord.Status.READY, record.error
    download = client.get(reverse("analysis_staff:export_download", args=[record.pk]))
    copy_rows = csv_rows(b"".join(download.streaming_content))
    assert [row[1:] for row in copy_rows] == [row[1:] for row in python_rows]
    draft = next(row for row in copy_rows if row[1] == "Draft")
    assert "Organisation" in draft and "'=Draft Cyclists" in draft
    assert (WITHHELD in draft) == (kind == "anonymised")
    assert "Acme Ltd" not in str(copy_rows)
