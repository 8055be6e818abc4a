"""Survey free text is held to the comment rules (issue 14): answers with a plate, an email
address or a phone number are withheld from analysis pages, anonymised exports and quotes until
an analyst reviews them."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from consultation.analysis import selectors
from consultation.analysis.exports.datasets import ExportFilters, dataset_get, sql_rows
from consultation.analysis.exports.surveys import survey_dataset_key
from consultation.surveys.free_text import WITHHELD, answer_review
from consultation.surveys.models import Answer, Question
from consultation.surveys.services.responses import survey_response_start, survey_response_submit
from talklondon.permissions import ROLE_ANALYST
from tests import factories

pytestmark = pytest.mark.django_db

HELD = "I saw AB12 CDE, mail me at jo@example.org"
CLEAN = "Cameras should need a warrant."


@pytest.fixture
def answered():
    survey = factories.SurveyFactory()
    question = factories.QuestionFactory(
        section=factories.SectionFactory(survey=survey), type=Question.Type.LONG_TEXT
    )
    for n, text in enumerate((HELD, CLEAN)):
        person = factories.UserFactory()
        response = survey_response_start(survey=survey, actor=person)
        survey_response_submit(
            response=response, actor=person, token=f"t{n}", changes={question.pk: {"text": text}}
        )
    return survey, question


def _export(survey, identified=False) -> str:
    dataset = dataset_get(survey_dataset_key(survey.pk), identified=identified)
    return json.dumps([list(map(str, r)) for r in dataset.rows(ExportFilters())])


def test_answers_are_scanned_with_the_comment_rules_when_written(answered):
    held = Answer.objects.get(text=HELD)
    assert held.held_for == "vehicle_registration,email" and held.is_withheld
    assert not Answer.objects.get(text=CLEAN).is_withheld


def test_withheld_in_the_anonymised_export_but_not_the_identified_one(answered):
    survey, _question = answered
    anonymised = _export(survey)
    assert "AB12" not in anonymised and WITHHELD in anonymised and CLEAN in anonymised
    assert "AB12" in _export(survey, identified=True)


def test_withheld_on_the_analysis_page_and_from_quotes_until_reviewed(answered, staff_client):
    survey, question = answered
    client, analyst = staff_client(ROLE_ANALYST)
    url = reverse("analysis_staff:text_answers", args=[question.pk])
    page = client.get(url).content.decode()
    assert "AB12" not in page and "jo@example.org" not in page and "Review this answer" in page
    assert client.get(url + "?q=AB12").content.decode().count("data-answer=") == 0
    assert [text for _, text in selectors.question_texts(question)] == [CLEAN]

    held = Answer.objects.get(text=HELD)
    with pytest.raises(ValidationError):
        answer_review(actor=analyst, answer=held, text="I saw ab12cde")
    review = reverse("analysis_staff:text_answer_review", args=[question.pk, held.pk])
    assert "AB12 CDE" in client.get(review).content.decode()  # the analyst reads it to decide
    response = client.post(review, {"decision": "edit", "text": "I saw [a plate], mail me"})
    assert response.status_code == 302
    held.refresh_from_db()
    assert held.text == "I saw [a plate], mail me" and not held.is_withheld
    assert "I saw [a plate], mail me" in _export(survey)
    assert len(selectors.question_texts(question)) == 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the COPY path is PostgreSQL's")
def test_the_copy_fast_path_withholds_alike(answered):
    survey, _question = answered
    dataset = dataset_get(survey_dataset_key(survey.pk))
    sql, params = dataset.copy_select(ExportFilters())
    rows = json.dumps([list(map(str, r)) for r in sql_rows(sql, params)])
    assert "AB12" not in rows and WITHHELD in rows and CLEAN in rows
