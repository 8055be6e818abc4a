"""What one full online submission costs the database, request by request.

Launch-day throughput depends on it (bench/submission_spike.py drives this same journey), so a
change that adds queries to a page fails here first. The budget of a survey page, GET or POST:
the session, the user, the survey with the person's response, its pending answers and the
email check (one query), the write, and at most two more: 6.

Savepoints are not counted: tests run inside a transaction, so Django turns each atomic block
into SAVEPOINT/RELEASE statements that production (autocommit) does not send.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bench.survey_adapter import SurveyBench
from consultation.surveys.forms import value_to_data
from consultation.surveys.models import Answer, Response
from consultation.surveys.selectors import survey_structure_copies_clear

PAGE_BUDGET = 6
# Submitting writes what the raw baseline writes (the response, its answers, their choices and
# its first version) and the receipt (an email row and its outbox row, written already claimed,
# so that publishing it to Celery once committed is no query): 3 reads + 4 + 2. Changes to a
# submitted response also remove the old answer rows (Django's collector reads them, then
# deletes choices, theme tags and answers) and number the version.
SUBMIT_BUDGET = 9
CHANGES_SUBMIT_BUDGET = 14


def _statements(queries) -> list[str]:
    return [
        q["sql"]
        for q in queries.captured_queries
        if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT"))
    ]


def _writes(sql: list[str], table: str) -> list[str]:
    return [s for s in sql if f'"{table}"' in s and not s.startswith("SELECT")]


def _data(fields) -> dict:
    data: dict = {}
    for name, value in fields:
        data.setdefault(name, []).append(value)
    return data


@pytest.fixture
def journey(settings, monkeypatch, participant, client):
    # As in production: the structure is reused between requests, and the outbox hands the
    # receipt to a worker's drain (here: not run) rather than sending it inside the request.
    settings.SURVEY_STRUCTURE_CACHE_SECONDS = 300
    survey_structure_copies_clear()
    monkeypatch.setattr("talklondon.outbox._publish", lambda task: None)
    monkeypatch.setattr("talklondon.outbox._batch_ask", lambda task_name: None)
    bench = SurveyBench()
    bench.prepare()
    client.force_login(participant)
    # The structure's first load is not what this test measures.
    client.get(reverse("surveys:start", kwargs={"slug": bench.survey.slug}))
    return bench


def _measure(client, method: str, path: str, data=None):
    with CaptureQueriesContext(connection) as queries:
        answer = getattr(client, method)(path, data or {})
    return answer, _statements(queries)


@pytest.mark.django_db
def test_every_page_of_a_submission_stays_within_its_query_budget(client, journey, participant):
    steps = journey.steps(respondent=0, token="t" * 32)
    begin, *pages, submit = steps
    answer, sql = _measure(client, "post", begin.path)
    assert answer.status_code == 302 and begin.expect in answer["Location"]
    assert len(sql) <= PAGE_BUDGET, sql
    for step in pages:
        answer, sql = _measure(client, "get", step.path)
        assert answer.status_code == 200
        assert len(sql) <= PAGE_BUDGET, (step.path, sql)
        answer, sql = _measure(client, "post", step.path, _data(step.fields))
        assert answer.status_code == 302, answer.content[:2000]
        assert step.expect in answer["Location"]
        assert len(sql) <= PAGE_BUDGET, (step.path, sql)
        # A page's answers wait in the response's own row until the person submits.
        assert not any("surveys_answer" in s for s in sql), sql
        # Nothing about the session changes while the person answers.
        assert not _writes(sql, "django_session"), sql
    answer, sql = _measure(client, "get", submit.path)
    assert answer.status_code == 200
    assert len(sql) <= PAGE_BUDGET, sql
    answer, sql = _measure(client, "post", submit.path, _data(submit.fields))
    assert answer.status_code == 302 and submit.expect in answer["Location"]
    assert len(sql) <= SUBMIT_BUDGET, sql
    # The answer rows are written once, in one statement (and one for their choices).
    assert sum(s.startswith('INSERT INTO "surveys_answer"') for s in sql) == 1, sql
    answer, sql = _measure(client, "get", answer["Location"])
    assert answer.status_code == 200
    assert len(sql) <= PAGE_BUDGET, sql
    response = Response.objects.get(survey=journey.survey, respondent=participant)
    assert response.is_submitted and response.draft_answers is None
    assert Answer.objects.filter(response=response).count() == len(journey.answers)


@pytest.mark.django_db
def test_changing_a_submitted_response_stays_within_its_query_budget(client, journey, participant):
    """Signed in with changes staged: every page of the survey, changed and submitted again."""
    *_, submit = journey.steps(respondent=0, token="t" * 32)
    for step in journey.steps(respondent=0, token="t" * 32):
        client.post(step.path, _data(step.fields))
    slug = journey.survey.slug
    structure = journey.structure
    long_text = next(q for q in structure.questions if q.type == "long_text")
    for index, section in enumerate(structure.sections):
        path = reverse("surveys:section", kwargs={"slug": slug, "section_id": section.pk})
        answer, sql = _measure(client, "get", path + "?change=1")
        assert answer.status_code == 200
        assert len(sql) <= PAGE_BUDGET, (path, sql)
        data = {"change": "1"}
        for question in structure.questions_by_section.get(section.pk, []):
            value = journey.answers[question.pk]
            if question.pk == long_text.pk:
                value = {"text": "Changed my mind after the public meeting."}
            data.update(value_to_data(structure, question, value))
        answer, sql = _measure(client, "post", path + "?change=1", data)
        assert answer.status_code == 302, answer.content[:2000]
        assert len(sql) <= PAGE_BUDGET, (path, sql)
        assert not _writes(sql, "surveys_answer"), sql
        assert not _writes(sql, "django_session"), sql
        if index == 0:
            # The first change is staged: the submitted answers stay as they were.
            assert Answer.objects.filter(question=long_text).exclude(text="").count() == 1
    answer, sql = _measure(client, "get", submit.path)
    assert answer.status_code == 200 and b"Changed my mind" in answer.content
    assert len(sql) <= PAGE_BUDGET, sql
    assert (
        Answer.objects.get(question=long_text).text != "Changed my mind after the public meeting."
    )
    answer, sql = _measure(client, "post", submit.path, {"token": "u" * 32})
    assert answer.status_code == 302, answer.content[:2000]
    assert len(sql) <= CHANGES_SUBMIT_BUDGET, sql
    assert (
        Answer.objects.get(question=long_text).text == "Changed my mind after the public meeting."
    )
    response = Response.objects.get(survey=journey.survey, respondent=participant)
    assert response.versions.count() == 2
    assert response.draft_answers is None


@pytest.mark.django_db
def test_a_one_page_submission_is_two_posts_within_the_budget(
    client, settings, monkeypatch, participant
):
    settings.SURVEY_STRUCTURE_CACHE_SECONDS = 300
    survey_structure_copies_clear()
    monkeypatch.setattr("talklondon.outbox._publish", lambda task: None)
    monkeypatch.setattr("talklondon.outbox._batch_ask", lambda task_name: None)
    bench = SurveyBench()
    bench.prepare(layout="one_page")
    client.force_login(participant)
    answers, submit = bench.steps(respondent=0, token="t" * 32)
    client.get(reverse("surveys:start", kwargs={"slug": bench.survey.slug}))
    answer, sql = _measure(client, "get", answers.path)
    assert answer.status_code == 200
    assert len(sql) <= PAGE_BUDGET, sql
    # The first answers start the response: its row is created with them.
    answer, sql = _measure(client, "post", answers.path, _data(answers.fields))
    assert answer.status_code == 302 and answers.expect in answer["Location"]
    assert len(sql) <= PAGE_BUDGET, sql
    assert not _writes(sql, "surveys_answer") and not _writes(sql, "django_session"), sql
    assert [s.split(" ", 1)[0] for s in _writes(sql, "surveys_response")] == ["INSERT"], sql
    answer, sql = _measure(client, "get", submit.path)
    assert answer.status_code == 200
    assert len(sql) <= PAGE_BUDGET, sql
    answer, sql = _measure(client, "post", submit.path, _data(submit.fields))
    assert answer.status_code == 302 and submit.expect in answer["Location"]
    assert len(sql) <= SUBMIT_BUDGET, sql
    response = Response.objects.get(survey=bench.survey, respondent=participant)
    assert Answer.objects.filter(response=response).count() == len(bench.answers)
