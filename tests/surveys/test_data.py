"""Selectors for other apps, personal data, the live results and the demo."""

import io

import pytest
from django.urls import reverse

from consultation.surveys import services
from consultation.surveys.models import Answer, Response, Survey
from consultation.surveys.personal_data import responses_anonymise, responses_export
from consultation.surveys.selectors import surveys_for_consultation
from demo import surveys as surveys_demo
from talklondon.permissions import ROLE_ANALYST


@pytest.mark.django_db
def test_surveys_for_consultation_links_to_start_pages(survey):
    links = surveys_for_consultation(survey.consultation)
    assert [(link.title, link.url, link.status) for link in links] == [
        (survey.title, f"/surveys/{survey.slug}/", "open")
    ]


def _submit(smap, user, *, organisation=False):
    from consultation.surveys.forms import AnswersForm

    response = services.survey_response_start(survey=smap.survey, actor=user)
    so_far = {}
    for index, section in enumerate(smap.s):
        form = AnswersForm(
            smap.page(index),
            structure=smap.structure,
            questions=smap.structure.questions_by_section[section.pk],
            context_answers=so_far,
        )
        assert form.is_valid(), form.errors
        answers = form.answers
        if index == 0 and organisation:
            answers = {smap.q[0].pk: {"boolean": True, "text": "Acme Ltd", "detail": "Chair"}}
        so_far.update(answers)
        services.survey_section_save(
            response=response, actor=user, section=section, answers=answers
        )
    return services.survey_response_submit(response=response, actor=user, token=f"t{user.pk}")


@pytest.mark.django_db
def test_export_and_anonymise(smap, participant):
    _submit(smap, participant, organisation=True)
    exported = responses_export(participant)
    assert len(exported) == 1
    assert exported[0]["reference"] == Response.objects.get().reference
    assert {
        "section": "About your response",
        "question": smap.q[0].text,
        "answer": ["On behalf of Acme Ltd", "Role: Chair"],
    } in exported[0]["answers"]

    kept = responses_anonymise(participant)
    assert kept == 1
    response = Response.objects.get()
    assert response.respondent is None and response.status == "submitted"
    organisation = Answer.objects.get(response=response, question=smap.q[0])
    assert (organisation.boolean, organisation.text, organisation.detail) == (True, "", "")
    assert "Acme" not in str(response.versions.get().answers)
    assert Answer.objects.filter(response=response).count() > 10  # the evidence stays
    assert responses_export(participant) == []


@pytest.mark.django_db
def test_anonymise_deletes_unsubmitted_drafts(survey, participant):
    services.survey_response_start(survey=survey, actor=participant)
    assert responses_anonymise(participant) == 0
    assert not Response.objects.exists()


@pytest.mark.django_db
def test_live_results_count_and_filter_by_channel(staff_client, smap, participant, make_staff):
    _submit(smap, participant)
    staff = make_staff("Consultation manager")
    services.survey_response_enter(
        survey=smap.survey,
        actor=staff,
        channel="letter",
        channel_reference="",
        respondent_name="",
        answers={smap.q[1].pk: {"scale": 1}},
        token="letter-1",
    )
    client, _ = staff_client(ROLE_ANALYST)
    url = reverse("surveys_staff:results", kwargs={"survey_id": smap.survey.pk})
    page = client.get(url).content.decode()
    assert "2 submitted responses" in page
    assert 'data-channel="letter">1<' in page and 'data-channel="online">1<' in page
    assert "50.0%" in page  # one "Agree", one "Strongly disagree"
    letters = client.get(url, {"channel": "letter"}).content.decode()
    assert "1 submitted response by this channel" in letters
    assert client.get(url, {"channel": "nonsense"}).status_code == 200


@pytest.mark.django_db
def test_demo_seed_is_idempotent(settings):
    # Its speed is a benchmark concern, not a test's: a timed assertion flakes on a busy machine.
    out = io.StringIO()
    surveys_demo.seed(stdout=out, historical=True)
    survey = Survey.objects.get(slug=surveys_demo.SURVEY_SLUG)
    assert survey.consultation.slug == "anpr-cameras"
    assert survey.is_closed
    assert (
        Response.objects.filter(survey=survey, status="submitted").count()
        == surveys_demo.RESPONSE_COUNT
    )
    assert set(Response.objects.values_list("channel", flat=True)) == {
        "online",
        "paper",
        "email",
        "letter",
        "event",
    }
    types = set(survey.sections.values_list("questions__type", flat=True))
    assert len(types) == 12  # every question type
    # Nobody who does not drive answered the driving questions.
    drive = survey.sections.get(position=3).questions.get(position=3)
    days = survey.sections.get(position=4).questions.get(position=1)
    non_drivers = Answer.objects.filter(question=drive, boolean=False).values("response")
    assert not Answer.objects.filter(question=days, response__in=non_drivers).exists()
    count = Answer.objects.count()
    surveys_demo.seed(stdout=out, historical=True)
    assert Answer.objects.count() == count
    assert Survey.objects.count() == 1
