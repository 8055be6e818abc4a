"""The voting journey: one statement at a time, three buttons, progress, changing a vote."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from consultation.statements.models import Statement, StatementsActivity, StatementVote
from consultation.statements.services.voting import statement_vote
from tests import factories

pytestmark = pytest.mark.django_db


def vote_url(activity):
    return reverse("statements:vote", args=[activity.consultation.slug])


def post_url(statement):
    return reverse(
        "statements:vote_post", args=[statement.activity.consultation.slug, statement.pk]
    )


def shown_statement_id(html: str) -> int | None:
    import re

    match = re.search(r'data-statement="(\d+)"', html)
    return int(match.group(1)) if match else None


def test_the_page_shows_one_statement_with_three_buttons(client, participant, statements):
    client.force_login(participant)
    html = client.get(vote_url(statements[0].activity)).content.decode()
    assert shown_statement_id(html) in {s.pk for s in statements}
    assert html.count('name="choice"') == 3
    for label in ("Agree", "Disagree", "Pass / unsure"):
        assert f">{label}</button>" in html
    assert "You have voted on 0 of 3 statements" in html
    assert "3 left" in html


def test_voting_through_every_statement(client, participant, statements):
    client.force_login(participant)
    activity = statements[0].activity
    seen = []
    for choice in ("agree", "disagree", "pass"):
        html = client.get(vote_url(activity)).content.decode()
        statement_id = shown_statement_id(html)
        assert statement_id not in seen
        seen.append(statement_id)
        statement = Statement.objects.get(pk=statement_id)
        response = client.post(post_url(statement), {"choice": choice})
        assert response.status_code == 302
        assert response["Location"] == vote_url(activity)
    html = client.get(vote_url(activity)).content.decode()
    assert "You have voted on every statement" in html
    assert "0 left" in html
    votes = dict(StatementVote.objects.filter(voter=participant).values_list("statement", "choice"))
    assert [votes[s] for s in seen] == [1, -1, 0]


def test_changing_a_vote_from_your_votes(client, participant, statements):
    client.force_login(participant)
    statement = statements[0]
    client.post(post_url(statement), {"choice": "agree"})
    mine = client.get(reverse("statements:mine", args=[statement.activity.consultation.slug]))
    html = mine.content.decode()
    assert statement.text in html and "Agree" in html
    page = client.get(
        reverse("statements:statement", args=[statement.activity.consultation.slug, statement.pk])
    ).content.decode()
    assert "Your vote now: <strong>Agree</strong>" in page
    assert 'name="then" value="mine"' in page
    response = client.post(post_url(statement), {"choice": "disagree", "then": "mine"})
    assert response["Location"].endswith("/your-votes/")
    assert StatementVote.objects.get(voter=participant, statement=statement).choice == -1
    assert StatementVote.objects.filter(voter=participant).count() == 1


@pytest.mark.parametrize("who", ["anonymous", "unverified"])
def test_only_verified_residents_vote(client, who, unverified_user, statements):
    if who == "unverified":
        client.force_login(unverified_user)
    html = client.get(vote_url(statements[0].activity)).content.decode()
    assert 'name="choice"' not in html
    assert "data-voting-problem" in html
    response = client.post(post_url(statements[0]), {"choice": "agree"})
    assert response.status_code == 403
    assert not StatementVote.objects.exists()


@pytest.mark.parametrize("when", ["upcoming", "closed"])
def test_no_votes_outside_the_activity_dates(client, participant, when):
    now = timezone.now()
    if when == "upcoming":
        opens, closes = now + timedelta(days=2), now + timedelta(days=9)
    else:
        opens, closes = now - timedelta(days=9), now - timedelta(days=2)
    statement = factories.StatementFactory(
        activity=factories.StatementsActivityFactory(opens_at=opens, closes_at=closes)
    )
    client.force_login(participant)
    response = client.post(post_url(statement), {"choice": "agree"})
    assert response.status_code == 403
    assert not StatementVote.objects.exists()


def test_a_blocked_person_cannot_vote(client, participant, moderator, statements):
    from consultation.services.moderation import participant_block

    participant_block(actor=moderator, user=participant, reason="Abuse")
    client.force_login(participant)
    response = client.post(post_url(statements[0]), {"choice": "agree"})
    assert response.status_code == 403
    assert not StatementVote.objects.exists()


@pytest.mark.parametrize("status", ["pending", "removed"])
def test_unpublished_statements_are_not_found(client, participant, activity, status):
    statement = factories.StatementFactory(
        activity=activity, status=status, removal_reason="1" if status == "removed" else ""
    )
    client.force_login(participant)
    assert client.post(post_url(statement), {"choice": "agree"}).status_code == 404
    slug = activity.consultation.slug
    assert client.get(reverse("statements:statement", args=[slug, statement.pk])).status_code == 404


def test_a_statement_of_another_activity_is_not_found(client, participant, statements):
    other = factories.StatementFactory()
    client.force_login(participant)
    url = reverse("statements:vote_post", args=[statements[0].activity.consultation.slug, other.pk])
    assert client.post(url, {"choice": "agree"}).status_code == 404


def test_an_unknown_choice_is_refused_with_an_error_summary(client, participant, statements):
    client.force_login(participant)
    response = client.post(post_url(statements[0]), {"choice": "maybe"})
    assert response.status_code == 400
    assert "govuk-error-summary" in response.content.decode()
    assert not StatementVote.objects.exists()


def test_unknown_consultation_has_no_statements_page(client, db):
    consultation = factories.ConsultationFactory()
    assert client.get(f"/consultations/{consultation.slug}/statements/").status_code == 404


def test_the_consultation_page_links_to_the_statements(client, statements):
    consultation = statements[0].activity.consultation
    html = client.get(reverse("consultation:detail", args=[consultation.slug])).content.decode()
    assert reverse("statements:vote", args=[consultation.slug]) in html
    assert reverse("statements:results", args=[consultation.slug]) in html


def test_voting_is_rate_limited(client, participant, statements, settings):
    settings.RATELIMIT_ENABLE = True
    from consultation.statements import views

    client.force_login(participant)
    limit = int(views.VOTE_RATE.split("/")[0])
    # The clock stands still, so a slow machine cannot let the minute's window roll over; a
    # computation is already waiting, so the votes do not run one each (eager mode).
    now = timezone.now()
    StatementsActivity.objects.update(compute_queued_at=now)
    with time_machine.travel(now, tick=False):
        codes = [
            client.post(post_url(statements[0]), {"choice": "agree"}).status_code
            for _ in range(limit + 1)
        ]
    assert codes[:limit] == [302] * limit
    assert codes[-1] == 429


def test_a_vote_costs_no_more_queries_than_a_comment(
    client, participant, statements, django_assert_max_num_queries, monkeypatch
):
    """The voting POST keeps within the query budget of posting a comment."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from consultation.statements import tasks

    page = factories.ProposalPageFactory(consultation=statements[0].activity.consultation)
    client.force_login(participant)
    # Warm both paths (first comment, first vote) so that we compare the steady state.
    client.post(
        reverse("consultation:page", args=[page.consultation.slug, page.slug]), {"body": "One"}
    )
    client.post(post_url(statements[0]), {"choice": "agree"})
    with CaptureQueriesContext(connection) as comment_queries:
        client.post(
            reverse("consultation:page", args=[page.consultation.slug, page.slug]), {"body": "Two"}
        )
    budget = len(comment_queries)
    # The computation itself runs on a worker, not in the request (eager mode runs it inline).
    monkeypatch.setattr(tasks, "opinion_groups_run", lambda **kwargs: None)
    with django_assert_max_num_queries(budget):
        response = client.post(post_url(statements[1]), {"choice": "disagree"})
    assert response.status_code == 302
    assert StatementVote.objects.filter(voter=participant).count() == 2


def test_a_vote_is_kept_and_its_computation_waits_when_the_broker_is_down(
    participant, statements, monkeypatch
):
    """The computation is relayed without locking its row; a failed publish leaves it pending
    for the periodic relay, and the vote is not lost."""
    from talklondon import outbox
    from talklondon.models import OutboxTask

    def broker_down(task):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(outbox, "_publish", broker_down)
    statement_vote(actor=participant, statement=statements[0], choice="agree")
    task = OutboxTask.objects.get()
    assert (task.relayed_at, task.attempts, task.last_error) == (None, 1, "Redis is down")
    assert StatementVote.objects.filter(voter=participant).count() == 1
    monkeypatch.undo()
    assert outbox.outbox_relay_pending() == 1
    task.refresh_from_db()
    assert task.relayed_at is not None and task.attempts == 2
