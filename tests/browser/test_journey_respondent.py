"""Journey 2: a respondent answers the ANPR survey over several pages, including the branch for
drivers; closes the page halfway, signs in again and continues; checks their answers, submits,
sees the reference; and changes the response later.

Walked four times: with a mouse, with the keyboard alone (Tab, Space, Enter, arrows and typing:
every control must be reachable), with JavaScript switched off, and on a 390×844 phone.
"""

import re

import pytest

from consultation.surveys.answers import field_name, statement_field
from consultation.surveys.models import Answer, Question, Response
from tests.browser.accessibility import assert_error_summary_focused, assert_visible_focus
from tests.browser.actors import Keyboard, Pointer
from tests.browser.checks import check_page
from tests.browser.conftest import MOBILE
from tests.browser.helpers import assert_signed_in
from tests.browser.scenario import PASSWORD, anpr_consultation

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

REFERENCE = re.compile(r"TL-[A-Z0-9]{4}-[A-Z0-9]{4}")


class Survey:
    """The demo survey's questions, found by their wording, and locators for their inputs."""

    def __init__(self, survey, page):
        self.page = page
        self.questions = {
            q.text: q for q in Question.objects.filter(section__survey=survey).order_by("pk")
        }

    def q(self, start: str) -> Question:
        return next(q for text, q in self.questions.items() if text.startswith(start))

    def radio(self, start: str, value: str):
        return self.page.locator(f"input[name='{field_name(self.q(start).pk)}'][value='{value}']")

    def option(self, start: str, label: str, *, kind: str = "radio"):
        question = self.q(start)
        option = question.options.get(label=label)
        return self.page.locator(
            f"input[type={kind}][name='{field_name(question.pk)}'][value='{option.pk}']"
        )

    def statement(self, start: str, label: str, value: str):
        question = self.q(start)
        option = question.options.get(label=label)
        name = statement_field(question.pk, option.pk)
        return self.page.locator(f"input[name='{name}'][value='{value}']")

    def field(self, start: str):
        return self.page.locator(f"[name='{field_name(self.q(start).pk)}']")


def _sign_in(actor, page, email: str) -> None:
    page.goto("/accounts/login/")
    actor.fill(page.get_by_label("Email address"), email)
    actor.fill(page.get_by_label("Password"), PASSWORD)
    actor.press(page.get_by_role("button", name="Sign in"))
    assert_signed_in(page)


def _continue(actor, page) -> None:
    actor.press(page.get_by_role("button", name="Save and continue"))


def _first_half(actor, page, page_titles, data, *, js: bool) -> None:
    """From the consultation page to the end of the third page of questions."""
    page.goto(f"/consultations/{data.consultation.slug}/")
    actor.press(page.get_by_role("button", name="Start the survey"))
    check_page(page, page_titles)
    actor.press(page.get_by_role("button", name="Start now"))
    survey = Survey(data.survey, page)

    # Page 1, first without an answer: the error state.
    check_page(page, page_titles)
    _continue(actor, page)
    assert page.title().startswith("Error: ")
    if js:
        assert_error_summary_focused(page)
    assert page.locator(".govuk-error-summary").is_visible()
    check_page(page, page_titles, key="survey-section-error", reflow=False)
    actor.choose(survey.radio("Are you responding as", "individual"))
    _continue(actor, page)

    # Page 2: agreement scale, a grid of statements, a choice and free text.
    assert page.locator("h1").inner_text() == "Police access to TfL's cameras"
    check_page(page, page_titles)
    if actor.name == "pointer" and js and page.viewport_size["width"] > 1000:
        assert_visible_focus(page, max_tabs=80)
    actor.choose(survey.radio("The Met Police should have routine access", "4"))
    for statement in survey.q("How far do you agree").options.order_by("position"):
        actor.choose(survey.statement("How far do you agree", statement.label, "4"))
    actor.choose(survey.option("How long should the police", "Up to 30 days"))
    actor.fill(survey.field("Is there anything else"), "Publish the figures every month.")
    _continue(actor, page)

    # Page 3: a question shown only after "Yes" (in place with JavaScript, with a note
    # without it), and the question that opens the drivers' branch.
    assert page.locator("h1").inner_text() == "Awareness and driving"
    check_page(page, page_titles)
    heard = survey.option("Where have you heard", "News", kind="checkbox")
    if js:
        assert not heard.is_visible(), "the follow-up shows before 'Yes' is chosen"
    actor.choose(survey.radio("Before today, did you know", "yes"))
    actor.tick(heard)
    actor.choose(survey.radio("Do you drive in London?", "yes"))
    if js:
        check_page(page, page_titles, reflow=False)  # the follow-up question revealed
    _continue(actor, page)
    # The branch: drivers get the Congestion Charge page.
    assert page.locator("h1").inner_text() == "The Congestion Charge and Low Emission Zone"


def _second_half(actor, page, page_titles, data, *, js: bool) -> Response:
    """Signed in again in a new browser session: continue, check answers, submit."""
    page.goto(f"/surveys/{data.survey.slug}/")
    check_page(page, page_titles, reflow=False)
    actor.press(page.get_by_role("button", name="Continue where you stopped"))
    assert page.locator("h1").inner_text() == "The Congestion Charge and Low Emission Zone"
    check_page(page, page_titles)
    survey = Survey(data.survey, page)
    actor.fill(survey.field("On how many days a month"), "4")
    actor.choose(survey.option("Have you paid the Congestion", "The Congestion Charge"))
    actor.fill(survey.field("What kind of vehicle"), "Car")
    _continue(actor, page)

    assert page.locator("h1").inner_text() == "About you"
    check_page(page, page_titles)
    actor.select(survey.field("Which London borough"), "Camden")
    _continue(actor, page)

    assert page.locator("h1").inner_text().startswith("Check your answers")
    check_page(page, page_titles)
    answers = page.locator("main").inner_text()
    for shown in ["As an individual", "Up to 30 days", "News", "The Congestion Charge", "Camden"]:
        assert shown in answers, f"{shown!r} missing from the check-answers page"
    actor.press(page.get_by_role("button", name="Submit your response"))

    assert page.locator("h1").inner_text() == "Response submitted"
    check_page(page, page_titles)
    reference = REFERENCE.search(page.locator(".govuk-panel").inner_text()).group(0)
    response = Response.objects.get(reference=reference)
    assert response.status == Response.Status.SUBMITTED
    assert response.answers.filter(question__section__title__startswith="The Congestion").exists()
    return response


def _change_later(actor, page, page_titles, data, response: Response) -> None:
    """Back another day: read the response and change one answer."""
    page.goto(f"/surveys/{data.survey.slug}/")
    actor.press(page.get_by_role("button", name="View or change your response"))
    assert page.locator("h1").inner_text() == "Your response"
    assert response.reference in page.locator("main").inner_text()
    check_page(page, page_titles)
    survey = Survey(data.survey, page)
    question = survey.q("How long should the police")
    actor.press(page.get_by_role("link", name=f"Change your answer to {question.text}"))
    assert page.locator("h1").inner_text() == "Police access to TfL's cameras"
    check_page(page, page_titles, reflow=False)
    actor.choose(survey.option("How long should the police", "Up to 90 days"))
    actor.press(page.get_by_role("button", name="Save and return to your answers"))
    assert page.locator("h1").inner_text() == "Check your changes before submitting them"
    check_page(page, page_titles, reflow=False)
    actor.press(page.get_by_role("button", name="Submit your changes"))
    assert page.locator("h1").inner_text() == "Response submitted"
    assert response.reference in page.locator(".govuk-panel").inner_text()

    answer = Answer.objects.get(response=response, question=question)
    assert answer.option.label == "Up to 90 days"
    assert response.versions.count() == 2


def _respondent_journey(new_page, page_titles, *, actor_class, js=True, **context) -> None:
    data = anpr_consultation()
    chloe = data.residents[2]
    options = {**context, "java_script_enabled": js} if not js else context

    page = new_page(**options)
    actor = actor_class(page)
    _sign_in(actor, page, chloe.email)
    _first_half(actor, page, page_titles, data, js=js)
    # Halfway: the tab is closed. Answers so far are saved on the server.
    page.close()
    assert Response.objects.get(survey=data.survey).status == Response.Status.DRAFT

    page = new_page(**options)
    actor = actor_class(page)
    _sign_in(actor, page, chloe.email)
    response = _second_half(actor, page, page_titles, data, js=js)
    _change_later(actor, page, page_titles, data, response)


def test_respondent_answers_the_survey_with_a_mouse(new_page, page_titles):
    _respondent_journey(new_page, page_titles, actor_class=Pointer)


def test_respondent_answers_the_survey_with_the_keyboard_alone(new_page, page_titles):
    _respondent_journey(new_page, page_titles, actor_class=Keyboard)


def test_respondent_answers_the_survey_without_javascript(new_page, page_titles):
    _respondent_journey(new_page, page_titles, actor_class=Pointer, js=False)


def test_respondent_answers_the_survey_on_a_phone(new_page, page_titles):
    _respondent_journey(new_page, page_titles, actor_class=Pointer, **MOBILE)
