"""Residents' own statements: 140 characters, the comments' hold rules, and moderation."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from consultation.models import ModerationAction
from consultation.statements.models import Statement
from consultation.statements.services.moderation import statement_approve, statement_reject
from consultation.statements.services.voting import statement_submit, statement_vote
from tests import factories

pytestmark = pytest.mark.django_db


def add_url(activity):
    return reverse("statements:add", args=[activity.consultation.slug])


def test_a_statement_is_published_at_once_in_post_moderation(client, participant, activity):
    client.force_login(participant)
    response = client.post(add_url(activity), {"text": "  Cameras  should log every search. "})
    assert response.status_code == 302
    statement = Statement.objects.get()
    assert statement.text == "Cameras should log every search."
    assert statement.status == Statement.Status.PUBLISHED
    assert statement.origin == Statement.Origin.PARTICIPANT
    # ...and others can now vote on it.
    other = factories.UserFactory()
    client.force_login(other)
    html = client.get(
        reverse("statements:vote", args=[activity.consultation.slug])
    ).content.decode()
    assert "Cameras should log every search." in html


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("My neighbour's car AB12 CDE is always speeding", "vehicle_registration"),
        ("Email me at someone@example.org about this", "email"),
        ("Call 07700 900123 to discuss", "phone"),
        ("Read more at www.example.com first", "link"),
    ],
)
def test_hold_rules_of_comments_apply(participant, activity, text, reason):
    statement = statement_submit(actor=participant, activity=activity, text=text)
    assert statement.status == Statement.Status.PENDING
    assert reason in statement.held_for.split(",")


def test_first_contribution_of_a_new_account_is_held(participant, activity, settings):
    settings.COMMENT_HOLD_FIRST_COMMENT = True
    statement = statement_submit(actor=participant, activity=activity, text="A fine statement")
    assert statement.held_for == "first_comment"


def test_pre_moderation_holds_every_statement(participant):
    consultation = factories.ConsultationFactory(moderation_mode="pre")
    activity = factories.StatementsActivityFactory(consultation=consultation)
    statement = statement_submit(actor=participant, activity=activity, text="A fine statement")
    assert statement.status == Statement.Status.PENDING
    assert statement.held_for == ""


def test_too_long_statements_are_refused_with_the_text_kept(client, participant, activity):
    client.force_login(participant)
    text = "x" * 141
    response = client.post(add_url(activity), {"text": text})
    assert response.status_code == 400
    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert "140 characters or fewer" in html
    assert text in html
    assert not Statement.objects.exists()


def test_140_characters_is_allowed(participant, activity):
    statement = statement_submit(actor=participant, activity=activity, text="y" * 140)
    assert len(statement.text) == 140


def test_a_duplicate_statement_is_refused(participant, activity):
    factories.StatementFactory(activity=activity, text="Log every search")
    with pytest.raises(ValidationError, match="already a statement"):
        statement_submit(actor=participant, activity=activity, text="log  every search")


def test_submitting_is_rate_limited(participant, activity, settings):
    settings.STATEMENTS_SUBMIT_PER_HOUR = 2
    statement_submit(actor=participant, activity=activity, text="First point")
    statement_submit(actor=participant, activity=activity, text="Second point")
    with pytest.raises(ValidationError, match="2 statements an hour"):
        statement_submit(actor=participant, activity=activity, text="Third point")


def test_unverified_people_cannot_submit(client, unverified_user, activity):
    client.force_login(unverified_user)
    response = client.post(add_url(activity), {"text": "A point"})
    assert response.status_code == 403
    assert not Statement.objects.exists()


def test_moderator_publishes_a_held_statement_and_it_is_audited(participant, activity, moderator):
    statement = statement_submit(actor=participant, activity=activity, text="Call 07700 900123")
    statement_approve(actor=moderator, statement=statement)
    statement.refresh_from_db()
    assert statement.status == Statement.Status.PUBLISHED
    action = ModerationAction.objects.get()
    assert action.kind == ModerationAction.Kind.APPROVE
    assert action.subject_user == participant
    assert action.consultation == activity.consultation


def test_moderator_removes_a_statement_and_its_votes_stop_counting(
    participant, activity, moderator
):
    statement = factories.StatementFactory(activity=activity)
    statement_vote(actor=participant, statement=statement, choice="agree")
    statement_reject(actor=moderator, statement=statement, reason_code="1")
    statement.refresh_from_db()
    assert statement.status == Statement.Status.REMOVED
    assert statement.removal_reason == "1"
    latest = activity.results.first()
    assert all(s["id"] != statement.pk for s in latest.payload["statements"])
    with pytest.raises(ValidationError):
        statement_vote(actor=participant, statement=statement, choice="agree")


def test_only_moderators_moderate(participant, activity):
    statement = factories.StatementFactory(activity=activity, status="pending")
    with pytest.raises(PermissionDenied):
        statement_approve(actor=participant, statement=statement)
    with pytest.raises(PermissionDenied):
        statement_reject(actor=participant, statement=statement, reason_code="1")


def test_your_votes_lists_your_statements_with_their_state(client, participant, activity):
    statement_submit(actor=participant, activity=activity, text="Call 07700 900123")
    client.force_login(participant)
    html = client.get(
        reverse("statements:mine", args=[activity.consultation.slug])
    ).content.decode()
    assert "Call 07700 900123" in html
    assert "Awaiting moderation" in html
