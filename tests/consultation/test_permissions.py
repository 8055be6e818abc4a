"""Who may do what, in each consultation state: anonymous, unverified, participant, blocked
participant, moderator and consultation manager, against every participant and staff action."""

import pytest
from django.test import Client
from django.urls import reverse

from consultation.models import Comment, CommentLike, CommentReport, ModerationAction
from consultation.services.moderation import participant_block
from talklondon.permissions import ROLE_MANAGER, ROLE_MODERATOR
from tests import factories
from tests.consultation.conftest import consultation_in_state

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "unverified", "participant", "blocked", "moderator", "manager"]
STATES = ["upcoming", "open", "closed"]
CAN_TAKE_PART = {"participant", "moderator", "manager"}


def _client_for(role, make_staff):
    client = Client()
    if role == "anonymous":
        return client, None
    if role == "unverified":
        user = factories.UserFactory(verified=False)
    elif role in {"participant", "blocked"}:
        user = factories.UserFactory()
        if role == "blocked":
            participant_block(actor=make_staff(ROLE_MODERATOR), user=user, reason="Abuse")
    else:
        user = make_staff(ROLE_MODERATOR if role == "moderator" else ROLE_MANAGER)
    client.force_login(user)
    return client, user


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("role", ROLES)
def test_participant_actions(role, state, make_staff):
    page = factories.ProposalPageFactory(consultation=consultation_in_state(state))
    other = factories.CommentFactory(page=page)
    client, user = _client_for(role, make_staff)
    allowed = role in CAN_TAKE_PART and state == "open"
    url = reverse("consultation:page", args=[page.consultation.slug, page.slug])

    # Everyone can read, in every state.
    assert client.get(url).status_code == 200

    responses = [
        client.post(url, {"body": f"Top-level by {role}"}),
        client.post(reverse("consultation:comment_reply", args=[other.pk]), {"body": "A reply"}),
        client.post(reverse("consultation:comment_like", args=[other.pk]), {"action": "like"}),
    ]
    assert all(r.status_code < 500 for r in responses)
    assert Comment.objects.filter(author=user).count() == (2 if allowed else 0) if user else True
    assert CommentLike.objects.count() == (1 if allowed else 0)

    # Reporting is for safety, so it stays possible after closing (not before opening: there
    # is nothing to report).
    response = client.post(
        reverse("consultation:comment_report", args=[other.pk]), {"reason": "spam"}
    )
    assert response.status_code < 500
    may_report = role in CAN_TAKE_PART and state in {"open", "closed"}
    assert CommentReport.objects.count() == (1 if may_report else 0)


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("role", ["participant", "blocked", "moderator", "manager"])
def test_own_comment_edit_and_delete(role, state, make_staff):
    page = factories.ProposalPageFactory(consultation=consultation_in_state(state))
    client, user = _client_for(role, make_staff)
    own = factories.CommentFactory(page=page, author=user, body="Original")
    edit = client.post(reverse("consultation:comment_edit", args=[own.pk]), {"body": "Changed"})
    assert edit.status_code < 500
    own.refresh_from_db()
    may_edit = state == "open" and role != "blocked"
    assert (own.body == "Changed") is may_edit
    delete = client.post(reverse("consultation:comment_delete", args=[own.pk]))
    assert delete.status_code < 500
    own.refresh_from_db()
    assert own.is_deleted is (state == "open")


STAFF_PAGES = {
    "moderation": ("consultation_staff:moderation", [], "moderator"),
    "audit": ("consultation_staff:moderation_audit", [], "moderator"),
    "consultations": ("consultation_staff:consultation_list", [], "manager"),
    "create": ("consultation_staff:consultation_create", [], "manager"),
}


@pytest.mark.parametrize("page_name", list(STAFF_PAGES))
@pytest.mark.parametrize("role", ROLES)
def test_staff_pages(role, page_name, make_staff):
    name, args, needs = STAFF_PAGES[page_name]
    client, user = _client_for(role, make_staff)
    response = client.get(reverse(name, args=args))
    if role == "anonymous":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    elif role == needs:
        assert response.status_code == 200
    else:
        assert response.status_code == 404


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("role", ROLES)
def test_moderation_actions(role, state, make_staff):
    page = factories.ProposalPageFactory(consultation=consultation_in_state(state))
    comment = factories.CommentFactory(page=page, status="pending", published_at=None)
    client, user = _client_for(role, make_staff)
    urls = [
        (reverse("consultation_staff:moderation_approve", args=[comment.pk]), {}),
        (
            reverse("consultation_staff:moderation_bulk"),
            {"comment": [comment.pk], "action": "reject", "reason_code": "1"},
        ),
        (
            reverse("consultation_staff:participant_block", args=[comment.author_id]),
            {"reason": "Abuse"},
        ),
    ]
    for url, data in urls:
        assert client.post(url, data).status_code in {200, 302, 404}
    expected = 3 if role == "moderator" else 0
    recorded = ModerationAction.objects.filter(comment=comment).count() + (
        ModerationAction.objects.filter(kind="block", subject_user_id=comment.author_id).count()
    )
    assert recorded == expected
