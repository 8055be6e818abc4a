"""The survey's adapter for the submission spike: its journey really submits a full response
through the survey's pages, a retried submit stores nothing twice, and the raw baseline writes
the same rows."""

from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test import Client

from bench import submission_spike as spike
from bench.survey_adapter import SurveyBench
from consultation.surveys.models import Answer, AnswerChoice, Response, ResponseVersion
from talklondon.models import OutgoingEmail

pytestmark = pytest.mark.django_db


@pytest.fixture
def bench():
    adapter = SurveyBench()
    adapter.prepare()
    return adapter


def _respondent(prefix="adapter"):
    (user_id, session_key), *_ = spike.respondents_create(1, prefix=prefix)
    client = Client(enforce_csrf_checks=True)
    client.cookies["sessionid"] = session_key
    client.cookies["csrftoken"] = spike.CSRF_SECRET
    return user_id, client


def _post(client, step):
    body = urlencode([("csrfmiddlewaretoken", spike.CSRF_SECRET), *step.fields])
    return client.post(step.path, data=body, content_type="application/x-www-form-urlencoded")


def _journey(client, steps):
    for step in steps:
        response = _post(client, step)
        assert response.status_code == 302, (step.path, response.content[:2000])
        assert step.expect in response["Location"], (step.path, response["Location"])
    return response


def test_the_journey_submits_a_full_response_and_sends_a_receipt(bench):
    user_id, client = _respondent()
    steps = bench.steps(0, "token-0")
    assert len(steps) >= 4  # start, the pages, submit
    _journey(client, steps)

    response = Response.objects.get(survey=bench.survey, respondent_id=user_id)
    assert response.is_submitted
    assert response.answers.count() == len(bench.answers) == len(bench.structure.questions)
    assert bench.stored_counts([user_id]) == {user_id: 1}
    assert bench.half_written([user_id]) == 0
    receipt = OutgoingEmail.objects.get(subject__contains=bench.receipt_subject())
    assert response.reference in receipt.subject


def test_a_retried_submit_is_acknowledged_and_stored_once(bench):
    user_id, client = _respondent()
    steps = bench.steps(0, "token-retry")
    _journey(client, steps)
    again = _post(client, steps[-1])  # the answer was lost; the person presses the button again
    assert again.status_code == 302 and steps[-1].expect in again["Location"]
    assert bench.stored_counts([user_id]) == {user_id: 1}
    assert ResponseVersion.objects.filter(response__respondent_id=user_id).count() == 1
    assert OutgoingEmail.objects.filter(subject__contains=bench.receipt_subject()).count() == 1


def test_an_unfinished_journey_is_not_counted_as_stored(bench):
    user_id, client = _respondent()
    _journey(client, bench.steps(0, "token-half")[:-1])  # every page, but never submitted
    assert bench.stored_counts([user_id]) == {}
    assert bench.half_written([user_id]) == 0


def test_the_raw_baseline_writes_the_same_rows_and_cleans_them_up(bench):
    user_id, client = _respondent("journey")
    _journey(client, bench.steps(0, "token-same"))
    online = Response.objects.get(survey=bench.survey, respondent_id=user_id)

    raw_user, _ = _respondent("raw")
    with connection.cursor() as cursor:
        bench.raw_insert(cursor.cursor, user_id=raw_user, respondent=1)
    raw = Response.objects.get(survey=bench.survey, respondent_id=raw_user)
    assert raw.is_submitted
    assert raw.answers.count() == online.answers.count()
    assert (
        AnswerChoice.objects.filter(answer__response=raw).count()
        == AnswerChoice.objects.filter(answer__response=online).count()
    )
    assert raw.versions.get().answers == online.versions.get().answers
    assert bench.stored_counts([raw_user]) == {raw_user: 1}

    with connection.cursor() as cursor:
        bench.raw_cleanup(cursor.cursor)
    assert not Response.objects.filter(pk=raw.pk).exists()
    assert not Answer.objects.filter(response_id=raw.pk).exists()
    assert Response.objects.filter(pk=online.pk).exists()
