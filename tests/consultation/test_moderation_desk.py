"""The moderator's desk in a surge: filters by consultation and hold reason, select all on a
page, straight on to the next comment after each decision, and a blocked person is told by
email how to appeal."""

import pytest
from django.urls import reverse

from talklondon.permissions import ROLE_MODERATOR
from tests import factories
from tests.consultation.conftest import consultation_in_state

pytestmark = pytest.mark.django_db
DESK = reverse("consultation_staff:moderation")


def test_the_desk_filters_by_consultation_and_hold_reason(staff_client, open_page):
    client, _ = staff_client(ROLE_MODERATOR)
    other_page = factories.ProposalPageFactory(consultation=consultation_in_state("open"))
    factories.CommentFactory(page=open_page, status="pending", held_for="email,link", body="One")
    factories.CommentFactory(page=open_page, status="pending", held_for="surge", body="Two")
    factories.CommentFactory(page=other_page, status="pending", held_for="link", body="Three")

    by_reason = client.get(DESK, {"queue": "held", "reason": "link"}).content.decode()
    assert "One" in by_reason and "Three" in by_reason and "Two" not in by_reason
    by_both = client.get(
        DESK,
        {"queue": "held", "reason": "link", "consultation": other_page.consultation_id},
    ).content.decode()
    assert "Three" in by_both and "One" not in by_both
    # Nonsense filters are ignored, never an error page.
    assert (
        client.get(DESK, {"queue": "held", "reason": "x", "consultation": "9" * 40}).status_code
        == 200
    )


def test_select_all_ticks_every_comment_on_the_page_without_javascript(staff_client, open_page):
    client, _ = staff_client(ROLE_MODERATOR)
    comments = [factories.CommentFactory(page=open_page, status="pending") for _ in range(4)]
    page = client.get(DESK).content.decode()
    assert "Select all 4 comments on this page" in page
    ticked = client.get(DESK, {"queue": "pending", "select": "all"}).content.decode()
    for comment in comments:
        assert f'value="{comment.pk}" checked' in ticked


def test_after_a_decision_the_next_comment_in_the_queue_opens(staff_client, open_page):
    client, _ = staff_client(ROLE_MODERATOR)
    first, second = (factories.CommentFactory(page=open_page, status="pending") for _ in range(2))
    response = client.post(reverse("consultation_staff:moderation_approve", args=[first.pk]), {})
    assert response.status_code == 302
    assert response.url == reverse("consultation_staff:moderation_comment", args=[second.pk])
    last = client.post(reverse("consultation_staff:moderation_approve", args=[second.pk]), {})
    assert last.url.startswith(DESK)


def test_a_blocked_person_is_emailed_the_reason_and_the_appeal_route(
    staff_client, participant, mailoutbox, django_capture_on_commit_callbacks
):
    client, _ = staff_client(ROLE_MODERATOR)
    url = reverse("consultation_staff:participant_block", args=[participant.pk])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"reason": "Repeated abuse of other participants"})
    emails = [m for m in mailoutbox if participant.email in m.to]
    assert len(emails) == 1
    body = emails[0].body
    assert "no longer post" in emails[0].subject
    assert "Repeated abuse of other participants" in body
    assert "How to appeal" in body and "within 28 days" in body and "M-" in body
