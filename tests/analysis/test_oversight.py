"""The data protection officer sees every identified export: who asked, the purpose they gave
(which must be a real sentence) and when the file was downloaded."""

import pytest
from django.urls import reverse

from consultation.analysis.models import ExportRecord
from consultation.analysis.purpose import purpose_problem
from consultation.analysis.services.exports.delivering import export_file_open
from talklondon.permissions import ROLE_ANALYST, ROLE_DPO, ROLE_EXPORTER

pytestmark = pytest.mark.django_db

SENTENCE = "Writing back to the residents who asked for a reply after the Camden meeting"


@pytest.mark.parametrize(
    "purpose",
    [
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "data data data data data data",
        "1234 5678 9012 3456 7890 12",
        "x" * 10 + " y z",
        "FOI-2026-0042 / REF#77813-A",
    ],
)
def test_a_purpose_that_is_not_a_sentence_is_refused(purpose):
    assert purpose_problem(purpose)


def test_a_real_sentence_is_a_purpose():
    assert purpose_problem(SENTENCE) == ""
    assert purpose_problem("Répondre aux habitants qui ont demandé une réponse écrite") == ""


def test_the_export_form_refuses_a_purpose_that_is_not_a_sentence(staff_client):
    from tests.analysis.test_exports import CREATE, form_data

    client, _ = staff_client(ROLE_EXPORTER)
    response = client.post(CREATE, form_data(kind="identified", purpose="asdfasdfasdfasdfasdfasdf"))
    assert response.status_code in (200, 400)
    assert "at least five words" in response.content.decode()
    assert not ExportRecord.objects.exists()


def test_the_officer_sees_who_asked_why_and_when_it_was_downloaded(
    staff_client, make_staff, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    exporter = make_staff(ROLE_EXPORTER)
    (tmp_path / "exports").mkdir()
    (tmp_path / "exports" / "f.csv").write_text("a,b\n")
    record = ExportRecord.objects.create(
        requested_by=exporter,
        dataset_key="participant-profiles",
        dataset_title="Participant profiles",
        file_format="csv",
        delivery="background",
        status="ready",
        identified=True,
        purpose=SENTENCE,
        file_path="exports/f.csv",
        file_name="f.csv",
    )
    ExportRecord.objects.create(
        requested_by=exporter,
        dataset_key="participant-profiles",
        dataset_title="Anonymised profiles",
        file_format="csv",
        delivery="stream",
        status="delivered",
    )
    handle, _ = export_file_open(actor=exporter, export_id=record.pk)
    handle.close()

    client, _ = staff_client(ROLE_DPO)
    page = client.get(reverse("analysis_staff:oversight"))
    assert page.status_code == 200
    html = page.content.decode()
    assert SENTENCE in html and exporter.email in html
    assert "Anonymised profiles" not in html  # anonymised exports are not personal data
    record.refresh_from_db()
    assert record.downloads == 1 and record.first_downloaded_at is not None
    assert record.first_downloaded_at.strftime("%-d %b %Y") in html

    for role in (ROLE_ANALYST, ROLE_EXPORTER):
        other, _ = staff_client(role)
        assert other.get(reverse("analysis_staff:oversight")).status_code == 404
