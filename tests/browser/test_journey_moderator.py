"""Journey 3: a moderator signs in with a password and a TOTP code (mistyping the code once),
works through the queues (approve, remove with a reason, redact a number plate, act in bulk),
blocks a participant and checks the audit trail. Every page and state checked, including errors
and empty queues."""

import datetime as dt

import pytest

from consultation.models import Comment, ModerationAction, ParticipantBlock
from demo.accounts import totp_current_code
from talklondon import permissions
from tests.browser.accessibility import assert_error_summary_focused, assert_visible_focus
from tests.browser.checks import check_page
from tests.browser.helpers import (
    assert_signed_in,
    assert_signed_out,
    enter_password,
    enter_security_code,
)
from tests.browser.scenario import (
    PASSWORD,
    _comment,
    anpr_consultation,
    resident_create,
    staff_create,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

DESK = "/staff/consultations/moderation/"
PLATE = "My neighbour's car AB12 CDE is always parked across the pavement."
REDACTED = "My neighbour's car [removed] is always parked across the pavement."
EMAIL = "Email me at campaign@example.org if you want to fight this."


def _held(data, author, text, reason, minutes):
    comment = _comment(
        data.proposal,
        author,
        text,
        ago=dt.timedelta(minutes=minutes),
        status=Comment.Status.PENDING,
    )
    comment.held_for = reason
    comment.save(update_fields=["held_for"])
    return comment


def _submit(page, button_name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=button_name).click()
    page.wait_for_load_state()


def _open_comment(page, page_titles, comment) -> None:
    page.get_by_role("link", name=f"Comment {comment.pk}", exact=True).first.click()
    page.wait_for_url(f"**/moderation/comments/{comment.pk}/")
    check_page(page, page_titles, key=f"moderation-comment-{comment.pk}")


def test_moderator_works_the_queues_blocks_and_checks_the_audit_trail(page, page_titles):
    data = anpr_consultation()
    moderator = staff_create("mo@example.org", "Mo the moderator", permissions.ROLE_MODERATOR)
    troll = resident_create("troll@example.org", "Loud from Lambeth", "E09000022")
    amara, ben, chloe = data.residents
    plate = _held(data, amara, PLATE, "vehicle_registration", 30)
    email = _held(data, troll, EMAIL, "email", 25)
    first = _held(data, chloe, "Could someone explain the retention period?", "first_comment", 20)
    bulk = [
        _comment(
            data.proposal, person, text, ago=dt.timedelta(minutes=m), status=Comment.Status.PENDING
        )
        for person, text, m in [
            (ben, "Agree with the FAQs.", 15),
            (amara, "Thanks for asking.", 10),
        ]
    ]

    # Password, then the authenticator code: a mistyped code first (the error state), then
    # the right one.
    page.goto(DESK)
    enter_password(page, moderator.email, PASSWORD)
    check_page(page, page_titles)
    assert_visible_focus(page)
    right = totp_current_code(moderator)
    enter_security_code(page, f"{(int(right) + 1) % 1_000_000:06d}")
    assert "/2fa/authenticate/" in page.url
    assert page.title().startswith("Error: ")
    assert_error_summary_focused(page)
    check_page(page, page_titles, reflow=False)
    assert_signed_out(page)
    enter_security_code(page, totp_current_code(moderator))
    assert_signed_in(page)
    page.goto(DESK)
    assert page.locator("h1").inner_text() == "Moderation"
    check_page(page, page_titles, key="moderation-desk")
    assert_visible_focus(page)

    # Bulk, first with nothing selected: told what to do, nothing changes.
    _submit(page, "Apply to selected")
    assert page.get_by_text("Select at least one comment.").is_visible()
    check_page(page, page_titles, key="moderation-desk", reflow=False)
    for comment in bulk:
        page.get_by_label(f"Select comment {comment.pk}").check()
    page.get_by_label("With the selected comments").select_option("approve")
    _submit(page, "Apply to selected")
    assert page.get_by_text("2 comments approved.").is_visible()
    for comment in bulk:
        comment.refresh_from_db()
        assert comment.status == Comment.Status.PUBLISHED
    # The pending queue is empty now: its empty state.
    assert page.get_by_text("Nothing in this queue.").is_visible()
    check_page(page, page_titles, key="moderation-desk", reflow=False)

    # Held by rule: approve one, remove one with a reason, redact a number plate.
    page.get_by_role("link", name="Held by rule (3)").click()
    page.wait_for_url("**?queue=held")
    check_page(page, page_titles, key="moderation-desk")
    assert page.locator(f"[data-comment-row='{plate.pk}']").is_visible()

    _open_comment(page, page_titles, first)
    _submit(page, "Approve")
    first.refresh_from_db()
    assert first.status == Comment.Status.PUBLISHED
    # A surge is worked item by item: the next held comment opens straight away.
    assert page.get_by_text("This is the next one.").is_visible()
    assert f"/moderation/comments/{first.pk}/" not in page.url
    page.goto(f"/staff/consultations/moderation/comments/{first.pk}/")
    assert page.locator("[data-status]").inner_text().startswith("Published")
    check_page(page, page_titles, key=f"moderation-comment-{first.pk}", reflow=False)

    page.goto(f"{DESK}?queue=held")
    _open_comment(page, page_titles, email)
    _submit(page, "Remove comment")  # without a house rule: the error state
    assert page.title().startswith("Error: ")
    assert_error_summary_focused(page)
    check_page(page, page_titles, key=f"moderation-comment-{email.pk}", reflow=False)
    page.get_by_role("group", name="Which house rule does it break?").get_by_role("radio").nth(
        1
    ).check()
    page.locator("form:has(input[name=reason_code]) input[name=note]").fill("Personal email")
    _submit(page, "Remove comment")
    email.refresh_from_db()
    assert email.status == Comment.Status.REMOVED and email.removal_reason == "2"

    page.goto(f"{DESK}?queue=held")
    _open_comment(page, page_titles, plate)
    page.get_by_label("Text with the personal data taken out").fill(REDACTED)
    _submit(page, "Redact and publish")
    plate.refresh_from_db()
    assert plate.status == Comment.Status.PUBLISHED and plate.body == REDACTED
    assert page.get_by_text("That was the last comment in this queue.").is_visible()
    page.goto(f"/staff/consultations/moderation/comments/{plate.pk}/")
    assert "AB12" not in page.locator("[data-comment-text]").inner_text()
    check_page(page, page_titles, key=f"moderation-comment-{plate.pk}", reflow=False)
    # The public page shows the redacted text, marked as such.
    page.goto(f"{data.page_path(data.proposal)}#comment-{plate.pk}")
    public = page.locator(f"#comment-{plate.pk}")
    assert REDACTED in public.inner_text() and "AB12 CDE" not in page.content()
    assert public.get_by_text("personal information removed by a moderator").is_visible()

    # Block the author of the removed comment, after a first try without a reason.
    page.goto(f"/staff/consultations/moderation/comments/{email.pk}/")
    page.get_by_role("link", name=f"Block {troll.public_name}").click()
    page.wait_for_url(f"**/moderation/people/{troll.pk}/block/")
    check_page(page, page_titles, key="block-person")
    _submit(page, "Block")
    assert_error_summary_focused(page)
    check_page(page, page_titles, key="block-person", reflow=False)
    page.get_by_label("Why are you blocking this person?").fill("Repeatedly posts contact details.")
    _submit(page, "Block")
    assert ParticipantBlock.objects.filter(user=troll, lifted_at__isnull=True).exists()
    assert page.locator("h1").inner_text() == f"Unblock {troll.public_name}"
    check_page(page, page_titles, key="block-person", reflow=False)

    # The audit trail has every decision, with who, what and why.
    page.goto(DESK)
    page.get_by_role("link", name="Audit trail").click()
    page.wait_for_url("**/moderation/audit/")
    check_page(page, page_titles)
    trail = page.locator("main table").inner_text()
    for kind in ["Approved", "Removed", "Redacted", "Blocked user"]:
        assert kind in trail, f"{kind!r} missing from the audit trail"
    assert "Repeatedly posts contact details." in trail
    # What a redaction removed is never shown: it is kept sealed under the author's key.
    assert "AB12 CDE" not in trail and "personal information removed" in trail
    kinds = set(ModerationAction.objects.filter(actor=moderator).values_list("kind", flat=True))
    assert kinds == {"approve", "reject", "redact", "block"}
    # Filtered to redactions only.
    page.get_by_label("Action").select_option("redact")
    _submit(page, "Filter")
    rows = page.locator("main table tbody tr")
    assert rows.count() == 1 and "Redacted" in rows.first.inner_text()
    check_page(page, page_titles, key="/staff/consultations/moderation/audit/", reflow=False)
