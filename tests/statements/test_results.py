"""Computing the groups when votes arrive, and the public results page with disclosure control."""

import csv
import io
import re

import pytest
from django.urls import reverse

from consultation.statements.disclosure import SUPPRESSED, disclosed
from consultation.statements.models import OpinionResult, StatementsActivity
from consultation.statements.services.results import opinion_groups_run
from consultation.statements.services.voting import statement_vote
from talklondon.disclosure import CONFIDENTIAL_NOTE, ROUNDING_NOTE
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
    statement_vote(actor=participant, statement=statements[0], choice="agree")
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
            statement_vote(actor=participant, statement=statement, choice="agree")
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
    statement_vote(actor=participant, statement=statements[0], choice="agree")
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


def _csv(client, activity) -> list[list[str]]:
    response = client.get(reverse("statements:results_csv", args=[activity.consultation.slug]))
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def _page_cells(html: str) -> list[str]:
    """Each "Agree …<br>Disagree …<br>Pass …" cell of the page's table, in order."""
    table = html.split("data-statement-table")[1].split("</table>")[0]
    return re.findall(r"Agree (\S+?)<br>Disagree (\S+?)<br>Pass (\S+?)</td>", table)


def test_results_page_shows_groups_common_ground_and_every_statement(client, activity):
    shared, one, two = two_camps(activity)
    opinion_groups_run(activity_id=activity.pk)
    html = client.get(
        reverse("statements:results", args=[activity.consultation.slug])
    ).content.decode()
    assert "Group A" in html and "Group B" in html
    # Two groups of 12, published rounded to the nearest 5.
    assert html.count("10 people") == 2 and "12 people" not in html
    common = html.split("data-common-ground")[1].split("</ul>")[0]
    assert shared.text in common and one.text not in common
    # Each camp voted as one, so "100% of this group agreed" would give away the hidden zeros:
    # the page says the figures are hidden rather than that the groups do not differ.
    assert "100%" not in html and "does not differ clearly" not in html
    assert html.count("The figures that show how this group differs") == 2
    assert "<svg" in html and 'role="img"' in html
    for statement in (shared, one, two):
        assert statement.text in html
    # The page shows the same figures as the CSV, rounded and with the same markers.
    rows = _csv(client, activity)[1:]
    from_csv = [
        tuple(row[4] or SUPPRESSED for row in rows[i : i + 3]) for i in range(0, len(rows), 3)
    ]
    assert _page_cells(html) == from_csv
    assert ("[c]", "10", "[c]") in from_csv  # 12 disagreed with "Searches need a warrant"
    assert CONFIDENTIAL_NOTE in html and ROUNDING_NOTE in html


def _payload_result(groups, overall, common_ground=(), representatives=None):
    """A stored computation of one statement (id 1) with these groups' counts."""
    from types import SimpleNamespace

    representatives = representatives or [[] for _ in groups]
    return SimpleNamespace(
        payload={
            "groups": [
                {"size": sum(counts), "counts": {"1": list(counts)}, "representatives": reps}
                for counts, reps in zip(groups, representatives, strict=True)
            ],
            "statements": [{"id": 1, "text": "Searches need a warrant", "overall": overall}],
            "common_ground": list(common_ground),
        },
        computed_at=None,
        voters_total=sum(overall),
        voters_included=sum(overall),
        votes_total=sum(overall),
        params={"min_votes": 2},
    )


def test_nobody_outside_the_groups_does_not_hide_a_groups_counts():
    """An all-zero "not in a group" row used to force a large group's count to be hidden."""
    result = _payload_result([(30, 15, 10), (20, 25, 10)], overall=[50, 40, 20], common_ground=[1])
    public = disclosed(result)
    statement = public.statements[0]
    assert statement.ungrouped is None
    assert statement.by_group == [("30", "15", "10"), ("20", "25", "10")]
    assert statement.overall == ("50", "40", "20")
    # Shares are of the published figures: 30 of 55 (shown as 55) and 20 of 55.
    assert public.common_ground[0]["shares"] == [("Group A", 55), ("Group B", 36)]


def test_small_counts_and_small_groups_are_hidden(client, activity):
    two_camps(activity, per_camp=5)
    opinion_groups_run(activity_id=activity.pk)
    html = client.get(
        reverse("statements:results", args=[activity.consultation.slug])
    ).content.decode()
    assert f"{SUPPRESSED} people" in html
    assert "too small to describe" in html
    assert "Agree 5" not in html
    assert CONFIDENTIAL_NOTE in html and ROUNDING_NOTE in html


def test_results_csv_and_svg(client, activity):
    two_camps(activity)
    opinion_groups_run(activity_id=activity.pk)
    slug = activity.consultation.slug
    response = client.get(reverse("statements:results_csv", args=[slug]))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8"))))
    # Tidy, like the other published results: one header row, then one row per figure.
    assert rows[0] == ["statement_number", "statement", "group", "vote", "value", "flag"]
    assert len(rows) == 1 + 3 * 3 * 3  # 3 statements x (everyone and 2 groups) x 3 votes
    assert all(len(row) == 6 for row in rows)
    # Every camp voted as one: the zeros are under the threshold, so the 24 who all agreed
    # with the first statement are hidden too (else the zeros could be worked out).
    assert rows[1:4] == [
        ["1", rows[1][1], "Everyone", "agree", "", "c"],
        ["1", rows[1][1], "Everyone", "disagree", "", "c"],
        ["1", rows[1][1], "Everyone", "pass", "", "c"],
    ]
    assert ["2", "Searches need a warrant", "Everyone", "disagree", "10", ""] in rows
    assert {row[5] for row in rows[1:]} == {"", "c"}
    assert all((row[4] == "") == (row[5] == "c") for row in rows[1:])
    assert all(row[4] == "" or int(row[4]) % 5 == 0 for row in rows[1:])
    package = client.get(reverse("statements:results_datapackage", args=[slug])).json()
    resource = package["resources"][0]
    assert resource["path"] == "statements.csv"
    assert [field["name"] for field in resource["schema"]["fields"]] == rows[0]
    assert "rounded to the nearest 5" in resource["description"]
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
    statement_vote(actor=voter, statement=statement, choice="agree")
    rows = _csv(client, activity)
    assert rows[1][1] == '\'=HYPERLINK("x")'


def test_a_groups_sentence_is_worked_out_from_the_published_figures():
    """32 of Group A's 57 agreed (56%), but the page shows 30 of 55: the sentence says 55%, so
    that it cannot be used to undo the rounding."""
    rep = {"statement": 1, "direction": "agree", "share_in": 0.5614, "share_out": 0.3636}
    result = _payload_result(
        [(32, 13, 12), (20, 25, 10)], overall=[52, 38, 22], representatives=[[rep], []]
    )
    public = disclosed(result)
    assert public.statements[0].by_group[0] == ("30", "15", "10")
    assert public.groups[0].sentences == [
        "55% of this group agreed that “Searches need a warrant”, compared with 36% of the "
        "other groups."
    ]
    assert not public.groups[0].withheld
