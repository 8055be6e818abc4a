"""The "one page" layout: every question on one page, then check your answers and submit."""

import pytest
from django.core import mail
from django.urls import reverse

from bench.survey_adapter import SurveyBench
from consultation.surveys.models import Answer, Response, Survey
from talklondon.permissions import ROLE_MANAGER


def _url(name, survey, **kwargs):
    return reverse(f"surveys:{name}", kwargs={"slug": survey.slug, **kwargs})


def _data(fields) -> dict:
    data: dict = {}
    for name, value in fields:
        data.setdefault(name, []).append(value)
    return data


@pytest.fixture
def one_page(db):
    bench = SurveyBench()
    bench.prepare(layout=Survey.Layout.ONE_PAGE)
    return bench


@pytest.mark.django_db
def test_a_manager_chooses_one_page_in_the_survey_settings(staff_client, survey):
    client, _ = staff_client(ROLE_MANAGER)
    edit = reverse("surveys_staff:survey_edit", kwargs={"survey_id": survey.pk})
    assert "All questions on one page" in client.get(edit).content.decode()
    client.post(
        edit,
        {"title": survey.title, "slug": survey.slug, "intro": "", "layout": "one_page"},
    )
    survey.refresh_from_db()
    assert survey.is_one_page


@pytest.mark.django_db
def test_one_page_submission_is_two_posts_with_check_your_answers_and_receipt(
    client, participant, one_page
):
    survey = one_page.survey
    client.force_login(participant)
    start = client.get(_url("start", survey)).content.decode()
    assert f'href="{_url("one_page", survey)}"' in start  # no POST to start
    page = client.get(_url("one_page", survey)).content.decode()
    for question in one_page.structure.questions:
        assert f'id="question-{question.pk}"' in page or f"q{question.pk}" in page
    answers, submit = one_page.steps(respondent=0, token="t" * 32)
    saved = client.post(answers.path, _data(answers.fields))
    assert saved.status_code == 302 and saved.url == _url("check", survey)
    check = client.get(saved.url).content.decode()
    assert "Check your answers" in check and "independent oversight" in check
    assert f"{_url('one_page', survey)}?change=1" in check
    done = client.post(submit.path, _data(submit.fields))
    assert done.url == _url("confirmation", survey)
    response = Response.objects.get(survey=survey, respondent=participant)
    assert response.is_submitted
    assert Answer.objects.filter(response=response).count() == len(one_page.answers)
    assert len(mail.outbox) == 1 and response.reference in mail.outbox[0].subject


@pytest.mark.django_db
def test_one_page_refuses_what_the_pages_refuse_and_keeps_nothing(client, participant, one_page):
    survey = one_page.survey
    client.force_login(participant)
    answers, _ = one_page.steps(respondent=0, token="t" * 32)
    data = _data(answers.fields)
    number = next(q for q in one_page.structure.questions if q.type == "number")
    data[f"q{number.pk}"] = ["lots"]
    required = next(
        q for q in one_page.structure.questions if q.required and q.type == "single_choice"
    )
    del data[f"q{required.pk}"]
    refused = client.post(answers.path, data)
    assert refused.status_code == 200
    html = refused.content.decode()
    assert "govuk-error-summary" in html and "Enter a whole number" in html
    assert f"#id_q{required.pk}_0" in html  # the missing answer is linked from the summary
    assert not Response.objects.filter(survey=survey).exists()


@pytest.mark.django_db
def test_one_page_save_and_come_back_later(client, participant, one_page):
    survey = one_page.survey
    client.force_login(participant)
    number = next(q for q in one_page.structure.questions if q.type == "number")
    later = client.post(_url("one_page", survey), {f"q{number.pk}": "4", "action": "later"})
    assert later.url == _url("start", survey)
    response = Response.objects.get(survey=survey, respondent=participant)
    assert not response.is_submitted
    resumed = client.post(_url("begin", survey))
    assert resumed.url == _url("one_page", survey)
    page = client.get(resumed.url).content.decode()
    assert f'name="q{number.pk}"' in page and 'value="4"' in page


@pytest.mark.django_db
def test_one_page_is_only_for_surveys_that_chose_it(client, participant, survey):
    client.force_login(participant)
    answer = client.get(_url("one_page", survey))
    assert answer.status_code == 302 and answer.url == _url("start", survey)
