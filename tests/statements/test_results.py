"""Computing the groups when votes arrive, and the public results page with disclosure control."""

import csv
import io

import pytest
from django.urls import reverse

from consultation.statements.disclosure import SUPPRESSED
from consultation.statements.models import OpinionResult, StatementsActivity
from consultation.statements.services.results import opinion_groups_run
from consultation.statements.services.voting import statement_vote
from talklondon.models import OutboxTask
from tests import factories

pytestmark = pytest.mark.django_db


def two_camps(activity, per_camp: int = 12):
    """Two camps that disagree on two statements and both agree with the first."""
    shared, one, two = (factories.StatementFactory(activity=activity) for _ in range(3))
    one.text, two.text = "Searches need a warrant", "Police should see every camera"
    one.save(update_fields=["text"])
    two.save(update_fields=["text"])
    from consultation.statements.models import StatementVote

    votes = []
    for camp in (0, 1):
        for _ in range(per_camp):
            voter = factories.UserFactory()
            for statement, choice in (
                (shared, 1),
                (one, 1 if camp == 0 else -1),
                (two, -1 if camp == 0 else 1),
            ):
                votes.append(
                    StatementVote(
                        statement=statement, activity=activity, voter=voter, choice=choice
                    )
                )
    StatementVote.objects.bulk_create(votes)
    return shared, one, two


def test_a_vote_queues_one_computation_through_the_outbox(participant, statements):
    activity = statements[0].activity
    statement_vote(user=participant, statement=statements[0], choice="agree")
    task = OutboxTask.objects.get()
    assert task.task_name == "consultation.statements.tasks.opinion_groups_compute"
    assert task.kwargs == {"activity_id": activity.pk}
    assert task.relayed_at is not None
    result = OpinionResult.objects.get()
    assert result.votes_total == 1
    activity.refresh_from_db()
    assert activity.compute_queued_at is None


def test_votes_while_a_computation_waits_do_not_queue_another(
    participant, statements, django_capture_on_commit_callbacks
):
    """The debounce: a burst of votes costs one computation, which includes every vote."""
    activity = statements[0].activity
    with django_capture_on_commit_callbacks(execute=False):
        for statement in statements:
            statement_vote(user=participant, statement=statement, choice="agree")
    assert OutboxTask.objects.count() == 1
    result = opinion_groups_run(activity_id=activity.pk)
    assert result.votes_total == 3


def test_a_lost_computation_is_queued_again(participant, statements):
    from datetime import timedelta

    from django.utils import timezone

    activity = statements[0].activity
    StatementsActivity.objects.filter(pk=activity.pk).update(
        compute_queued_at=timezone.now() - timedelta(hours=1)
    )
    statement_vote(user=participant, statement=statements[0], choice="agree")
    assert OutboxTask.objects.count() == 1


def test_results_are_stored_with_time_and_numbers(activity):
    shared, one, two = two_camps(activity)
    result = opinion_groups_run(activity_id=activity.pk)
    assert result.computed_at is not None
    assert (result.voters_total, result.voters_included, result.votes_total) == (24, 24, 72)
    assert result.group_count == 2
    assert result.params["random_state"] == 0
    assert result.params["min_votes"] == 2
    assert result.payload["common_ground"] == [shared.pk]
    assert [g["size"] for g in result.payload["groups"]] == [12, 12]
    assert set(map(int, result.assignments)) == set(
        activity.votes.values_list("voter_id", flat=True)
    )
    # Reproducible: the same votes give the same groups.
    again = opinion_groups_run(activity_id=activity.pk)
    assert again.assignments == result.assignments


def test_results_page_shows_groups_common_ground_and_every_statement(client, activity):
    shared, one, two = two_camps(activity)
    opinion_groups_run(activity_id=activity.pk)
    html = client.get(
        reverse("statements:results", args=[activity.consultation.slug])
    ).content.decode()
    assert "Group A" in html and "Group B" in html
    assert "12 people" in html
    common = html.split("data-common-ground")[1].split("</ul>")[0]
    assert shared.text in common and one.text not in common
    assert (
        "100% of this group agreed that “Searches need a warrant”, compared with 0% of the other groups."
        in html
    )
    assert "<svg" in html and 'role="img"' in html
    for statement in (shared, one, two):
        assert statement.text in html
    assert "Agree 24" in html


def test_nobody_outside_the_groups_does_not_hide_a_groups_counts(client, activity):
    """An all-zero "not in a group" row used to force a large group's count to be hidden."""
    shared, _, _ = two_camps(activity)
    opinion_groups_run(activity_id=activity.pk)
    html = client.get(
        reverse("statements:results", args=[activity.consultation.slug])
    ).content.decode()
    assert "Group A: 100% agreed; Group B: 100% agreed." in html
    assert "Agree 12<br>" in html


def test_small_counts_and_small_groups_are_hidden(client, activity):
    two_camps(activity, per_camp=5)
    opinion_groups_run(activity_id=activity.pk)
    html = client.get(
        reverse("statements:results", args=[activity.consultation.slug])
    ).content.decode()
    assert f"{SUPPRESSED} people" in html
    assert "too small to describe" in html
    assert "Agree 5" not in html
    assert "fewer than 10 responses" in html


def test_results_csv_and_svg(client, activity):
    two_camps(activity)
    opinion_groups_run(activity_id=activity.pk)
    slug = activity.consultation.slug
    response = client.get(reverse("statements:results_csv", args=[slug]))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["statement_number", "statement", "group", "agree", "disagree", "pass"]
    # Zeros are under the threshold too, so the platform's rules hide them as well.
    assert ["1", rows[1][1], "Everyone", "24", SUPPRESSED, SUPPRESSED] == rows[1]
    svg = client.get(reverse("statements:results_svg", args=[slug]))
    assert svg["Content-Type"] == "image/svg+xml"
    assert svg.content.startswith(b"<svg")


def test_results_page_before_any_computation(client, activity):
    html = client.get(
        reverse("statements:results", args=[activity.consultation.slug])
    ).content.decode()
    assert "data-no-results" in html
    assert (
        client.get(reverse("statements:results_csv", args=[activity.consultation.slug])).status_code
        == 404
    )


def test_formula_in_a_statement_is_neutralised_in_the_csv(client, activity):
    statement = factories.StatementFactory(activity=activity, text='=HYPERLINK("x")')
    voter = factories.UserFactory()
    statement_vote(user=voter, statement=statement, choice="agree")
    body = client.get(
        reverse("statements:results_csv", args=[activity.consultation.slug])
    ).content.decode("utf-8-sig")
    assert "'=HYPERLINK" in body
