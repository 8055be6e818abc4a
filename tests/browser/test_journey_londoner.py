"""Journey 1: a Londoner signs up, verifies their email from the outbox link, reads the proposal
and takes part in the discussion: comments, replies, likes, reports, and sees their held
comment "awaiting moderation". Desktop and a 390×844 phone; every page and state checked."""

import re
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress

from consultation.models import Comment, CommentLike, CommentReport
from talklondon.models import User
from tests.browser.accessibility import assert_error_summary_focused
from tests.browser.checks import check_page
from tests.browser.helpers import assert_signed_in, email_links
from tests.browser.scenario import PASSWORD, anpr_consultation

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PLATE_COMMENT = "I saw AB12 CDE stopped near the Blackwall Tunnel. Was that ANPR?"
REPLY = "Independent checks of the search logs would reassure me too."


def _submit(page, button_name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=button_name).click()
    page.wait_for_load_state()


def _sign_up(page, page_titles, email: str, display_name: str) -> None:
    page.goto("/")
    check_page(page, page_titles)
    page.locator("header").get_by_role("link", name="Create an account").click()
    page.wait_for_url("**/accounts/signup/")
    check_page(page, page_titles)

    # A first attempt with nothing filled in: the error state.
    _submit(page, "Create account")
    assert page.title().startswith("Error: ")
    assert_error_summary_focused(page)
    summary = page.locator(".govuk-error-summary").inner_text()
    assert "This field is required" not in summary, "messages must say what to do"
    check_page(page, page_titles, key="/accounts/signup/")

    page.get_by_label("Email address").fill(email)
    page.get_by_label("Display name").fill(display_name)
    page.get_by_label("Create a password").fill(PASSWORD)
    page.get_by_label("Confirm your password").fill(PASSWORD)
    _submit(page, "Create account")
    # The same page whether or not the address already has an account (no enumeration); the
    # link in the email confirms the address and signs the new Londoner in.
    page.wait_for_url("**/accounts/confirm-email/")
    assert page.get_by_role("heading", name="Check your email").is_visible()
    check_page(page, page_titles)


def _verify_email(page, page_titles, email: str) -> None:
    link = email_links(email, contains="confirm-email")[0]
    parts = urlsplit(link)
    page.goto(parts.path)
    check_page(page, page_titles, key="/accounts/confirm-email/*/")
    page.get_by_role("button", name=re.compile("confirm", re.I)).click()
    page.wait_for_load_state()
    assert EmailAddress.objects.get(email=email).verified
    assert_signed_in(page)
    check_page(page, page_titles)


def _read_the_proposal(page, page_titles, data) -> None:
    page.goto("/")
    page.get_by_role("link", name=data.consultation.title).first.click()
    page.wait_for_url(f"**/consultations/{data.consultation.slug}/")
    check_page(page, page_titles)
    for proposal_page in data.pages:
        page.get_by_role("link", name=proposal_page.title, exact=True).first.click()
        page.wait_for_url(f"**{data.page_path(proposal_page)}")
        assert page.locator("h1").inner_text() == proposal_page.title
        check_page(page, page_titles)
        if proposal_page != data.proposal:
            # Pages nobody has commented on yet: the empty state.
            assert page.locator("[data-comments-empty]").is_visible()
    page.get_by_role("link", name=data.proposal.title, exact=True).first.click()
    page.wait_for_url(f"**{data.page_path(data.proposal)}")


def _discuss(page, page_titles, data, user: User) -> None:
    amara, ben, _chloe = data.residents
    first, second, _reply = data.comments

    # An empty comment: the error state on the proposal page.
    _submit(page, "Post comment")
    assert_error_summary_focused(page)
    check_page(page, page_titles, key="proposal-page-error", reflow=False)

    # A comment with a number plate is held for a moderator; only its author sees it.
    page.get_by_label("Your comment").fill(PLATE_COMMENT)
    _submit(page, "Post comment")
    held = Comment.objects.get(author=user, body=PLATE_COMMENT)
    assert held.status == Comment.Status.PENDING
    assert "vehicle_registration" in held.held_for
    mine = page.locator(f"#comment-{held.pk}")
    assert mine.get_by_text("Your comment is awaiting moderation").is_visible()
    assert page.get_by_text("Your comment is awaiting moderation. It will appear").is_visible()
    check_page(page, page_titles, reflow=False)

    # A reply to Ben, published at once (not a first comment, nothing to hold it for).
    page.get_by_role("link", name=f"Reply to {ben.public_name}").first.click()
    page.wait_for_url(f"**/comments/{second.pk}/reply/")
    check_page(page, page_titles)
    page.get_by_label("Your comment").fill(REPLY)
    _submit(page, "Post reply")
    reply = Comment.objects.get(author=user, body=REPLY)
    assert reply.status == Comment.Status.PUBLISHED and reply.replied_to_id == second.pk
    assert page.locator(f"#comment-{second.pk} #comment-{reply.pk}").is_visible()
    assert page.get_by_text("Your comment has been posted.").is_visible()

    # A like for Amara's comment; the button becomes "Unlike".
    _submit(page, f"Like comment by {amara.public_name}")
    assert CommentLike.objects.filter(comment=first, user=user).exists()
    assert page.get_by_role("button", name=f"Unlike comment by {amara.public_name}").is_visible()
    assert page.locator(f"#comment-{first.pk}").get_by_text("1 like").is_visible()
    check_page(page, page_titles, reflow=False)

    # A report of Ben's comment, after a first attempt without a reason.
    page.get_by_role("link", name=f"Report comment by {ben.public_name}").first.click()
    page.wait_for_url(f"**/comments/{second.pk}/report/")
    check_page(page, page_titles)
    _submit(page, "Send report")
    assert_error_summary_focused(page)
    check_page(page, page_titles, key="/consultations/comments/*/report/", reflow=False)
    page.locator("input[name=reason]").first.check()
    _submit(page, "Send report")
    assert CommentReport.objects.filter(comment=second, reporter=user).exists()
    assert page.get_by_text("A moderator will check the comment").is_visible()
    check_page(page, page_titles, reflow=False)

    # Others do not see the held comment.
    assert not Comment.objects.filter(pk=held.pk, status=Comment.Status.PUBLISHED).exists()


def _londoner_journey(page, page_titles, email: str, display_name: str) -> None:
    data = anpr_consultation()
    _sign_up(page, page_titles, email, display_name)
    user = User.objects.get(email=email)
    assert user.display_name == display_name
    _verify_email(page, page_titles, email)
    _read_the_proposal(page, page_titles, data)
    _discuss(page, page_titles, data, user)


def test_londoner_signs_up_reads_and_joins_the_discussion(page, page_titles):
    _londoner_journey(page, page_titles, "dev@example.org", "Dev from Lewisham")


def test_londoner_journey_on_a_phone(mobile_page, page_titles):
    _londoner_journey(mobile_page, page_titles, "efua@example.org", "Efua from Brent")
