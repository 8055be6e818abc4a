"""Conditional questions and sections, including chains, evaluated on the server."""

import pytest
from django.core.exceptions import ValidationError

from consultation.surveys import services
from consultation.surveys.answers import visibility
from consultation.surveys.models import Answer, Condition, Question, Response
from consultation.surveys.selectors import survey_structure
from tests.factories import OptionFactory, QuestionFactory, SectionFactory, SurveyFactory


@pytest.fixture
def chain(db):
    """A (yes/no) -> B (choice, shown if A is yes) -> C (text, shown if B is 'Bus')."""
    survey = SurveyFactory()
    first = SectionFactory(survey=survey, position=1)
    second = SectionFactory(survey=survey, position=2)
    a = QuestionFactory(section=first, position=1, type=Question.Type.YES_NO)
    b = QuestionFactory(section=first, position=2, type=Question.Type.SINGLE_CHOICE)
    bus = OptionFactory(question=b, label="Bus")
    OptionFactory(question=b, label="Tube")
    c = QuestionFactory(section=second, position=1, type=Question.Type.SHORT_TEXT)
    Condition.objects.create(question=b, depends_on=a, boolean_value=True)
    condition = Condition.objects.create(question=c, depends_on=b)
    condition.options.set([bus])
    return survey, a, b, c, bus


def test_chain_of_conditions(chain):
    survey, a, b, c, bus = chain
    structure = survey_structure(survey)
    shown = lambda answers: visibility(structure, answers)[1]  # noqa: E731
    assert shown({}) == {a.pk}
    assert shown({a.pk: {"boolean": True}}) == {a.pk, b.pk}
    assert shown({a.pk: {"boolean": True}, b.pk: {"option": bus.pk}}) == {a.pk, b.pk, c.pk}
    # B's answer no longer counts once A hides B, so C is hidden too.
    assert shown({a.pk: {"boolean": False}, b.pk: {"option": bus.pk}}) == {a.pk}


def test_hidden_answers_are_discarded_on_submit(chain, participant):
    survey, a, b, c, bus = chain
    response = services.survey_response_start(survey=survey, actor=participant)
    first, second = list(survey.sections.order_by("position"))
    services.survey_section_save(
        response=response,
        actor=participant,
        section=first,
        answers={a.pk: {"boolean": True}, b.pk: {"option": bus.pk, "text": ""}},
    )
    services.survey_section_save(
        response=response, actor=participant, section=second, answers={c.pk: {"text": "Route 38"}}
    )
    services.survey_response_submit(
        response=response, actor=participant, token="t1", changes={a.pk: {"boolean": False}}
    )
    assert set(Answer.objects.filter(response=response).values_list("question_id", flat=True)) == {
        a.pk
    }


def test_required_question_hidden_by_condition_is_not_required(chain, participant):
    survey, a, b, c, bus = chain
    response = services.survey_response_start(survey=survey, actor=participant)
    first = survey.sections.order_by("position").first()
    services.survey_section_save(
        response=response, actor=participant, section=first, answers={a.pk: {"boolean": False}}
    )
    submitted = services.survey_response_submit(response=response, actor=participant, token="t")
    assert submitted.status == Response.Status.SUBMITTED


def test_answer_to_a_hidden_question_posted_to_the_page_never_reaches_the_db(chain, participant):
    survey, a, b, c, bus = chain
    response = services.survey_response_start(survey=survey, actor=participant)
    first = survey.sections.order_by("position").first()
    services.survey_section_save(
        response=response,
        actor=participant,
        section=first,
        answers={a.pk: {"boolean": False}, b.pk: {"option": bus.pk, "text": ""}},
    )
    assert not Answer.objects.filter(question=b).exists()


def test_services_refuse_tampered_values(chain, participant):
    survey, a, b, c, bus = chain
    other_option = OptionFactory()
    response = services.survey_response_start(survey=survey, actor=participant)
    first = survey.sections.order_by("position").first()
    for bad in (
        {a.pk: {"boolean": True}, b.pk: {"option": other_option.pk}},
        {a.pk: {"boolean": "yes"}},
        {a.pk: "yes"},
        {c.pk: {"text": "not on this page"}},
    ):
        with pytest.raises(ValidationError):
            services.survey_section_save(
                response=response, actor=participant, section=first, answers=bad
            )
    assert not Answer.objects.exists()


def test_same_page_condition_rendered_for_javascript_with_a_note(client, participant, smap):
    from django.urls import reverse

    client.force_login(participant)
    client.post(reverse("surveys:begin", kwargs={"slug": smap.survey.slug}))
    page = client.get(
        reverse("surveys:section", kwargs={"slug": smap.survey.slug, "section_id": smap.s[2].pk})
    ).content.decode()
    heard = smap.q[7]
    assert (
        f'id="question-{heard.pk}" data-show-if-field="q{smap.q[6].pk}" data-show-if-values="yes"'
        in page
    )
    assert "Answer this only if you answered Yes" in page
    assert "js/surveys.js" in page
    assert "<script>" not in page and "style=" not in page and "onclick" not in page
