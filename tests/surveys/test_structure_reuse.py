"""Respondents' pages reuse the survey's structure across requests until a builder change.

Reuse is off by default under tests (SURVEY_STRUCTURE_CACHE_SECONDS=0); these turn it on.
"""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from consultation.surveys.models import Question, Survey
from consultation.surveys.selectors import survey_structure_copies_clear
from consultation.surveys.services import survey_response_start
from consultation.surveys.services.builder import question_create, survey_update
from talklondon.permissions import ROLE_MANAGER

pytestmark = pytest.mark.django_db
STRUCTURE_READ = re.compile(r'FROM "surveys_(section|question|option|condition)"')


@pytest.fixture(autouse=True)
def reuse_on(settings):
    settings.SURVEY_STRUCTURE_CACHE_SECONDS = 300
    survey_structure_copies_clear()
    yield
    survey_structure_copies_clear()


def _page(client, survey, section):
    url = reverse("surveys:section", kwargs={"slug": survey.slug, "section_id": section.pk})
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    structure_reads = [q for q in queries.captured_queries if STRUCTURE_READ.search(q["sql"])]
    return response.content.decode(), len(structure_reads)


def test_a_second_page_view_reads_no_structure(client, participant, survey, smap):
    survey_response_start(survey=survey, actor=participant)
    client.force_login(participant)
    _, first = _page(client, survey, smap.s[0])
    _, second = _page(client, survey, smap.s[0])
    assert first >= 1
    assert second == 0


def test_a_builder_change_shows_on_the_next_page_view(
    client, participant, survey, smap, make_staff
):
    survey_response_start(survey=survey, actor=participant)
    client.force_login(participant)
    _page(client, survey, smap.s[4])
    version = Survey.objects.get(pk=survey.pk).structure_version

    question_create(
        actor=make_staff(ROLE_MANAGER),
        section=smap.s[4],
        type=Question.Type.SHORT_TEXT,
        text="Which station do you use most?",
        required=False,
    )

    assert Survey.objects.get(pk=survey.pk).structure_version == version + 1
    html, reads = _page(client, survey, smap.s[4])
    assert reads >= 1
    assert "Which station do you use most?" in html


def test_the_survey_row_itself_is_never_reused(client, participant, survey, smap):
    survey_response_start(survey=survey, actor=participant)
    client.force_login(participant)
    _page(client, survey, smap.s[0])
    # Changed behind the services' back: no new structure version, yet the title shows.
    Survey.objects.filter(pk=survey.pk).update(title="Police access to road cameras: your views")
    html, reads = _page(client, survey, smap.s[0])
    assert reads == 0
    assert "Police access to road cameras: your views" in html


def test_a_stale_survey_instance_never_winds_the_version_back(survey, make_staff):
    manager = make_staff(ROLE_MANAGER)
    loaded_earlier = Survey.objects.get(pk=survey.pk)
    question_create(
        actor=manager, section=survey.sections.first(), type=Question.Type.SHORT_TEXT, text="A?"
    )
    question_create(
        actor=manager, section=survey.sections.first(), type=Question.Type.SHORT_TEXT, text="B?"
    )
    survey_update(
        actor=manager,
        survey=loaded_earlier,
        title="A new title",
        slug=survey.slug,
        intro=survey.intro,
        opens_at=survey.opens_at,
        closes_at=survey.closes_at,
    )
    assert Survey.objects.get(pk=survey.pk).structure_version == survey.structure_version + 3


def test_copies_expire(client, participant, survey, smap, settings):
    settings.SURVEY_STRUCTURE_CACHE_SECONDS = 0.000001
    survey_response_start(survey=survey, actor=participant)
    client.force_login(participant)
    _page(client, survey, smap.s[0])
    _, second = _page(client, survey, smap.s[0])
    assert second >= 1


def test_a_page_builds_its_fields_once_and_each_form_has_its_own_copies(
    client, participant, survey, smap, monkeypatch
):
    from consultation.surveys import forms as survey_forms
    from consultation.surveys.selectors import survey_structure_for_respondents

    built = []
    real = survey_forms.question_fields
    monkeypatch.setattr(
        survey_forms,
        "question_fields",
        lambda structure, question: built.append(question.pk) or real(structure, question),
    )
    survey_response_start(survey=survey, actor=participant)
    client.force_login(participant)
    _page(client, survey, smap.s[0])
    first = len(built)
    html, _ = _page(client, survey, smap.s[0])
    assert first >= 1 and len(built) == first  # the second view reused them
    # A form that shows an error marks its own fields, never the shared ones.
    structure = survey_structure_for_respondents(Survey.objects.get(pk=survey.pk))
    questions = structure.questions_by_section[smap.s[0].pk]
    refused = survey_forms.AnswersForm(
        {}, structure=structure, questions=questions, enforce_required=True
    )
    name = next(iter(refused.fields))
    refused.fields[name].widget.attrs["aria-invalid"] = "true"
    fresh = survey_forms.AnswersForm(structure=structure, questions=questions)
    assert "aria-invalid" not in fresh.fields[name].widget.attrs
    assert fresh.fields[name] is not refused.fields[name]
    assert 'aria-invalid="true"' not in html
