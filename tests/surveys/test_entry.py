"""Responses from other channels, entered by staff, with likely duplicates flagged."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from consultation.surveys.models import Answer, Response
from consultation.surveys.response_selectors import likely_duplicates
from talklondon.permissions import ROLE_MANAGER

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
LONG_TEXT = (
    "I am worried that cameras installed to manage traffic will be used to track ordinary "
    "people going about their lives."
)


@pytest.fixture
def manager_client(staff_client):
    return staff_client(ROLE_MANAGER)


def entry_data(smap, *, name="Ada Lovelace", district="SE15 4QL", text="", **extra):
    q = smap.q
    data = {
        "channel": "paper",
        "channel_reference": "Box 3, form 12",
        "respondent_name": name,
        "token": extra.pop("token", ""),
        f"q{q[1].pk}": "2",
        f"q{q[12].pk}": "E09000028",
        f"q{q[13].pk}": district,
    }
    if text:
        data[f"q{q[5].pk}"] = text
    data.update(extra)
    return data


def _url(smap):
    return reverse("surveys_staff:response_enter", kwargs={"survey_id": smap.survey.pk})


@pytest.mark.django_db
def test_paper_response_recorded_with_channel_reference_and_scan(manager_client, smap):
    client, manager = manager_client
    scan = SimpleUploadedFile("form12.pdf", PDF, content_type="application/pdf")
    saved = client.post(_url(smap), {**entry_data(smap), "scan": scan})
    assert saved.status_code == 302
    response = Response.objects.get()
    assert (response.channel, response.channel_reference, response.entered_by) == (
        "paper",
        "Box 3, form 12",
        manager,
    )
    assert response.status == "submitted" and response.respondent is None
    assert response.scan.name.endswith(".pdf")
    assert Answer.objects.get(response=response, question=smap.q[13]).text == "SE15"
    # Required questions the person skipped on paper stay unanswered.
    assert not Answer.objects.filter(response=response, question=smap.q[0]).exists()
    download = client.get(
        reverse("surveys_staff:response_scan", kwargs={"response_id": response.pk})
    )
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content", "accepted"),
    [
        ("scan.png", PNG, True),
        ("scan.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 20, True),
        ("scan.pdf", b"<html>not a pdf</html>", False),
        ("scan.pdf", b"MZ\x90\x00 executable", False),
    ],
)
def test_scans_are_checked_by_content(manager_client, smap, name, content, accepted):
    client, _ = manager_client
    upload = SimpleUploadedFile(name, content)
    response = client.post(_url(smap), {**entry_data(smap), "scan": upload})
    assert Response.objects.exists() is accepted
    if not accepted:
        assert b"must be a PDF, JPEG or PNG" in response.content


@pytest.mark.django_db
def test_same_name_and_district_is_flagged_before_saving(manager_client, smap):
    client, _ = manager_client
    client.post(_url(smap), entry_data(smap))
    first = Response.objects.get()
    again = client.post(_url(smap), entry_data(smap, name="ada  lovelace", district="SE15"))
    assert again.status_code == 400
    assert b"This may be a duplicate" in again.content
    assert first.reference.encode() in again.content
    assert b"Same name and postcode district" in again.content
    assert Response.objects.count() == 1
    confirmed = client.post(
        _url(smap), entry_data(smap, name="Ada Lovelace", confirm_duplicate="on")
    )
    assert confirmed.status_code == 302
    flagged = Response.objects.exclude(pk=first.pk).get()
    assert flagged.likely_duplicate_of == first


@pytest.mark.django_db
def test_likely_duplicates_find_the_district_and_free_text_among_the_answers(manager_client, smap):
    """The one test of a likely duplicate, which the entry page and the service both use."""
    client, _ = manager_client
    client.post(_url(smap), entry_data(smap, text=LONG_TEXT))
    first = Response.objects.get()
    district, text = smap.q[13].pk, smap.q[5].pk

    def found(name, answers):
        return [
            (d.response, d.reason)
            for d in likely_duplicates(smap.structure, name=name, answers=answers)
        ]

    assert found("Ada Lovelace", {district: {"text": "SE15"}, text: None}) == [
        (first, "Same name and postcode district (SE15)")
    ]
    assert found("", {text: {"text": LONG_TEXT.upper()}}) == [(first, "Near-identical free text")]
    assert found("Grace Hopper", {district: {"text": "SE15"}}) == []


@pytest.mark.django_db
def test_near_identical_text_is_flagged(manager_client, smap):
    client, _ = manager_client
    client.post(_url(smap), entry_data(smap, name="", text=LONG_TEXT))
    retyped = LONG_TEXT.replace("I am", "I'm").upper() + "!"
    again = client.post(
        _url(smap), entry_data(smap, name="Someone else", district="", text=retyped)
    )
    assert b"Near-identical free text" in again.content
    different = client.post(
        _url(smap),
        entry_data(
            smap,
            name="Third",
            district="",
            text="Cameras help catch criminals who use cars to commit serious crimes.",
        ),
    )
    assert different.status_code == 302


@pytest.mark.django_db
def test_online_response_with_the_same_name_counts_too(manager_client, smap, participant):
    from consultation.surveys import services

    client, _ = manager_client
    response = services.survey_response_start(survey=smap.survey, actor=participant)
    response.status = "submitted"
    response.submitted_at = response.created_at
    response.save()
    Answer.objects.create(response=response, question=smap.q[13], text="SE15")
    again = client.post(_url(smap), entry_data(smap, name=participant.display_name))
    assert response.reference.encode() in again.content


@pytest.mark.django_db
def test_the_same_form_posted_twice_records_one_response(manager_client, smap):
    client, _ = manager_client
    data = entry_data(smap, token="abc123")
    client.post(_url(smap), data)
    client.post(_url(smap), data)
    assert Response.objects.count() == 1


@pytest.mark.django_db
def test_invalid_answers_and_online_channel_are_refused(manager_client, smap):
    client, _ = manager_client
    bad = entry_data(smap, channel="online")
    bad[f"q{smap.q[9].pk}"] = "99"  # hidden anyway: nobody said they drive
    bad[f"q{smap.q[13].pk}"] = "Not a postcode"
    page = client.post(_url(smap), bad)
    assert page.status_code == 400
    assert b"first part of a UK postcode" in page.content
    assert b"Not a postcode" in page.content
    assert not Response.objects.exists()


@pytest.mark.django_db
def test_an_address_for_the_results_is_kept_with_a_paper_response(manager_client, smap):
    client, _ = manager_client
    refused = client.post(_url(smap), entry_data(smap, results_email="ada at example"))
    assert refused.status_code == 400
    assert "Enter an email address in the correct format" in refused.content.decode()
    assert not Response.objects.exists()  # nothing half-written
    saved = client.post(_url(smap), entry_data(smap, results_email=" ada@example.org "))
    assert saved.status_code == 302
    response = Response.objects.get()
    assert response.results_email == "ada@example.org"
    page = client.get(reverse("surveys_staff:response", kwargs={"response_id": response.pk}))
    assert "ada@example.org" in page.content.decode()
