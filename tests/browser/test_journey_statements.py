"""Journey: a Londoner votes through every statement, changes a vote, adds a statement of their
own and reads the opinion groups.

Walked with the keyboard alone (with and without JavaScript) and with touch on a 390×844 phone;
every page passes axe and the platform's structure, reflow and zoom checks.
"""

import pytest

from consultation.statements.models import Statement, StatementVote
from consultation.statements.services.results import opinion_groups_run
from tests import factories
from tests.browser.actors import Keyboard, Pointer
from tests.browser.checks import check_page
from tests.browser.conftest import MOBILE
from tests.browser.scenario import PASSWORD, resident_create

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

TEXTS = [
    "Searches of ANPR data should be logged and audited.",
    "The police should use every TfL camera to fight crime.",
    "Recording everyone's journeys is mass surveillance.",
    "Records of innocent journeys should be deleted within 90 days.",
]
CHOICES = ["Agree", "Disagree", "Pass / unsure", "Agree"]


def _activity():
    activity = factories.StatementsActivityFactory(
        consultation=factories.ConsultationFactory(slug="anpr-cameras", title="ANPR cameras")
    )
    for text in TEXTS:
        factories.StatementFactory(activity=activity, text=text)
    return activity


def _journey(page, actor, page_titles, email: str) -> None:
    activity = _activity()
    person = resident_create(email, "Ade from Camden")
    slug = activity.consultation.slug

    page.goto("/accounts/login/")
    actor.fill(page.get_by_label("Email address"), email)
    actor.fill(page.get_by_label("Password"), PASSWORD)
    actor.press(page.get_by_role("button", name="Sign in"))

    page.goto(f"/consultations/{slug}/")
    actor.press(page.get_by_role("link", name="Vote on the statements"))
    check_page(page, page_titles)
    assert "You have voted on 0 of 4 statements" in page.content()

    voted = []
    for number, choice in enumerate(CHOICES, start=1):
        shown = page.locator("[data-statement]")
        text = shown.inner_text().strip()
        assert text not in voted
        voted.append(text)
        actor.press(page.get_by_role("button", name=choice, exact=True))
        assert f"You have voted on {number} of 4 statements" in page.content()
    assert page.locator("[data-all-voted]").is_visible()
    check_page(page, page_titles, reflow=False)
    choices = dict(
        StatementVote.objects.filter(voter=person).values_list("statement__text", "choice")
    )
    assert [choices[text] for text in voted] == [1, -1, 0, 1]

    # Change the first vote from "your votes".
    actor.press(page.get_by_role("link", name="See and change your votes"))
    check_page(page, page_titles)
    actor.press(page.get_by_role("link", name=f"Change your vote on “{voted[0]}”"))
    check_page(page, page_titles)
    actor.press(page.get_by_role("button", name="Disagree", exact=True))
    assert "Your vote has been changed." in page.content()
    assert StatementVote.objects.get(voter=person, statement__text=voted[0]).choice == -1

    # Add a statement: too long first (error summary), then a good one.
    page.goto(f"/consultations/{slug}/statements/add/")
    check_page(page, page_titles)
    box = page.get_by_label("Your statement")
    actor.fill(box, "x" * 141)
    actor.press(page.get_by_role("button", name="Add statement"))
    assert page.locator(".govuk-error-summary").is_visible()
    check_page(page, page_titles, key="statements-add-error", reflow=False)
    actor.fill(
        page.get_by_label("Your statement"),
        "Drivers should be told when ANPR data about them is used.",
    )
    actor.press(page.get_by_role("button", name="Add statement"))
    assert Statement.objects.filter(origin="participant", author=person).exists()

    # The results page, once worked out.
    opinion_groups_run(activity_id=activity.pk)
    actor.press(page.get_by_role("link", name="See the opinion groups and common ground so far"))
    check_page(page, page_titles)
    assert page.get_by_role("heading", name="Common ground", exact=True).is_visible()
    assert page.locator("[data-statement-table]").is_visible()


def test_voting_with_the_keyboard_alone(new_page, page_titles):
    page = new_page()
    _journey(page, Keyboard(page), page_titles, "ade.keyboard@example.org")


def test_voting_with_the_keyboard_alone_without_javascript(new_page, page_titles):
    page = new_page(java_script_enabled=False)
    _journey(page, Keyboard(page), page_titles, "ade.nojs@example.org")


def test_voting_on_a_phone(new_page, page_titles):
    page = new_page(**MOBILE)
    _journey(page, Pointer(page), page_titles, "ade.phone@example.org")
