"""The order of pages, given the answers so far: one function for the respondent's pages, the
response service (the resume point) and the staff preview."""

import pytest
from django.test import Client
from django.urls import reverse

from consultation.surveys.models import Condition, Question, Response
from consultation.surveys.pages import progress_count, section_after, visible_sections
from consultation.surveys.selectors import survey_structure
from talklondon.permissions import ROLE_MANAGER
from tests.factories import QuestionFactory, SectionFactory, SurveyFactory


@pytest.fixture
def drivers(db):
    """Three pages; the second is shown only to those who answer Yes to "Do you drive?"."""
    survey = SurveyFactory()
    about, driving, last = (SectionFactory(survey=survey, position=n) for n in (1, 2, 3))
    drives = QuestionFactory(section=about, position=1, type=Question.Type.YES_NO)
    for section in (driving, last):
        QuestionFactory(section=section, position=1, type=Question.Type.SHORT_TEXT, required=False)
    Condition.objects.create(section=driving, depends_on=drives, boolean_value=True)
    return survey, drives, (about, driving, last)


def test_a_conditional_section_is_shown_only_once_an_answer_calls_for_it(drivers):
    survey, drives, (about, driving, last) = drivers
    structure = survey_structure(survey)
    no, yes = {drives.pk: {"boolean": False}}, {drives.pk: {"boolean": True}}
    assert visible_sections(structure, {}) == [about, last]
    assert visible_sections(structure, no) == [about, last]
    assert visible_sections(structure, yes) == [about, driving, last]
    assert section_after(structure, no, about) == last
    assert section_after(structure, yes, about) == driving
    assert section_after(structure, yes, driving) == last
    assert section_after(structure, yes, last) is None  # "check your answers" comes next
    assert section_after(structure, no, driving) is None  # these answers hide it
    # Unanswered, the driving page may still come; answered No, it will not.
    assert progress_count(structure, {}) == 3
    assert progress_count(structure, no) == 2
    assert progress_count(structure, yes) == 3


@pytest.mark.parametrize("answer, following", [("yes", 1), ("no", 2)])
def test_respondent_service_and_preview_agree_on_the_next_page(
    drivers, participant, make_staff, answer, following
):
    survey, drives, sections = drivers
    first, expected = sections[0], sections[following]
    data = {f"q{drives.pk}": answer}

    respondent = Client()
    respondent.force_login(participant)
    respondent.post(reverse("surveys:begin", kwargs={"slug": survey.slug}))
    page = {"slug": survey.slug, "section_id": first.pk}
    went = respondent.post(reverse("surveys:section", kwargs=page), data)
    assert went.url == reverse(
        "surveys:section", kwargs={"slug": survey.slug, "section_id": expected.pk}
    )
    # The resume point the service stored is that same page.
    assert Response.objects.get(survey=survey).current_section_id == expected.pk

    staff = Client()
    staff.force_login(make_staff(ROLE_MANAGER))
    staff.get(reverse("surveys_staff:preview", kwargs={"survey_id": survey.pk}))
    preview = {"survey_id": survey.pk, "section_id": first.pk}
    previewed = staff.post(reverse("surveys_staff:preview_section", kwargs=preview), data)
    assert previewed.url == reverse(
        "surveys_staff:preview_section",
        kwargs={"survey_id": survey.pk, "section_id": expected.pk},
    )
