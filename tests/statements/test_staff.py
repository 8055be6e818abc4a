"""Staff pages: set-up with dates, seeding, moderation, results, vote-matrix export, common ground."""

import csv
import io

import pytest
from django.urls import reverse

from consultation.analysis.models import ResultsPage
from consultation.statements.models import Statement, StatementsActivity
from consultation.statements.services.results import opinion_groups_run
from talklondon.permissions import ROLE_ANALYST, ROLE_MANAGER, ROLE_MODERATOR, ROLE_PUBLISHER
from tests import factories
from tests.statements.test_results import two_camps

pytestmark = pytest.mark.django_db


def _date(name, day, month, year, time):
    """A GOV.UK date input's parts (day, month, year and a 24-hour time box)."""
    return {f"{name}_0": day, f"{name}_1": month, f"{name}_2": year, f"{name}_3": time}


def test_manager_sets_up_the_activity_with_its_own_dates(staff_client):
    client, _ = staff_client(ROLE_MANAGER)
    consultation = factories.ConsultationFactory()
    url = reverse("statements_staff:activity_edit", args=[consultation.pk])
    response = client.post(
        url,
        {
            "introduction": "Where do you stand?",
            **_date("opens_at", "11", "2", "2026", "09:00"),
            **_date("closes_at", "1", "3", "2026", "17:00"),
        },
    )
    assert response.status_code == 302
    activity = StatementsActivity.objects.get(consultation=consultation)
    assert activity.opens_at.isoformat().startswith("2026-02-11T09:00")
    # Closing before opening is refused with an error against the field.
    response = client.post(
        url,
        {
            "introduction": "x",
            **_date("opens_at", "11", "2", "2026", "09:00"),
            **_date("closes_at", "10", "2", "2026", "09:00"),
        },
    )
    assert response.status_code == 400
    assert "The closing time must be after the opening time." in response.content.decode()


def test_manager_seeds_statements_that_are_published_at_once(staff_client, activity):
    client, manager = staff_client(ROLE_MANAGER)
    response = client.post(
        reverse("statements_staff:seed", args=[activity.consultation_id]),
        {"text": "ANPR helps catch serious criminals"},
    )
    assert response.status_code == 302
    statement = Statement.objects.get()
    assert statement.status == Statement.Status.PUBLISHED
    assert statement.origin == Statement.Origin.SEED
    assert statement.author == manager


def test_moderator_sees_and_publishes_held_statements(staff_client, activity):
    held = factories.StatementFactory(
        activity=activity, status="pending", held_for="phone", text="Call 07700 900123"
    )
    client, _ = staff_client(ROLE_MODERATOR)
    html = client.get(
        reverse("statements_staff:workspace", args=[activity.consultation_id])
    ).content.decode()
    assert "Call 07700 900123" in html and "Contains a phone number" in html
    client.post(reverse("statements_staff:approve", args=[held.pk]))
    held.refresh_from_db()
    assert held.status == Statement.Status.PUBLISHED


def test_moderator_removes_a_statement_for_a_house_rule(staff_client, activity):
    held = factories.StatementFactory(activity=activity, status="pending")
    client, _ = staff_client(ROLE_MODERATOR)
    client.post(reverse("statements_staff:reject", args=[held.pk]), {"reason_code": "1"})
    held.refresh_from_db()
    assert held.status == Statement.Status.REMOVED


def test_vote_matrix_export_is_pseudonymous(staff_client, activity):
    shared, one, two = two_camps(activity)
    opinion_groups_run(activity_id=activity.pk)
    client, _ = staff_client(ROLE_ANALYST)
    response = client.get(reverse("statements_staff:vote_matrix", args=[activity.consultation_id]))
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][:2] == ["voter", "opinion_group"]
    assert rows[0][2] == f"S{shared.pk}: {shared.text}"
    assert len(rows) == 1 + 24
    voters = {row[0] for row in rows[1:]}
    assert len(voters) == 24 and all(v.startswith("R-") for v in voters)
    emails = set(activity.votes.values_list("voter__email", flat=True))
    ids = {str(i) for i in activity.votes.values_list("voter_id", flat=True)}
    assert not (voters & emails) and not (voters & ids) and all(e not in body for e in emails)
    assert {row[1] for row in rows[1:]} == {"Group A", "Group B"}
    assert {tuple(row[2:]) for row in rows[1:]} == {("1", "1", "-1"), ("1", "-1", "1")}


def test_common_ground_goes_onto_the_results_page(staff_client, activity):
    shared, _, _ = two_camps(activity)
    opinion_groups_run(activity_id=activity.pk)
    client, manager = staff_client(ROLE_MANAGER)
    ResultsPage.objects.create(
        consultation=activity.consultation,
        we_asked="We asked.",
        you_said="You said things.",
        we_did="We did.",
        updated_by=manager,
    )
    client.post(reverse("statements_staff:common_ground", args=[activity.consultation_id]))
    page = ResultsPage.objects.get()
    assert page.you_said.startswith("You said things.")
    assert "Common ground in the statements" in page.you_said
    assert f"* {shared.text}" in page.you_said


def test_common_ground_needs_a_results_page_first(staff_client, activity):
    two_camps(activity)
    opinion_groups_run(activity_id=activity.pk)
    client, _ = staff_client(ROLE_MANAGER)
    response = client.post(
        reverse("statements_staff:common_ground", args=[activity.consultation_id]), follow=True
    )
    assert "Write the results page first" in response.content.decode()
    assert not ResultsPage.objects.exists()


@pytest.mark.parametrize(
    ("role", "name", "status"),
    [
        (ROLE_PUBLISHER, "workspace", 404),
        (ROLE_PUBLISHER, "results", 404),
        (ROLE_MODERATOR, "vote_matrix", 404),
        (ROLE_MODERATOR, "activity_edit", 404),
        (ROLE_ANALYST, "results", 200),
        (ROLE_MANAGER, "workspace", 200),
    ],
)
def test_staff_pages_follow_roles(staff_client, activity, role, name, status):
    client, _ = staff_client(role)
    response = client.get(reverse(f"statements_staff:{name}", args=[activity.consultation_id]))
    assert response.status_code == status


def test_residents_do_not_see_staff_pages(client, participant, activity):
    client.force_login(participant)
    url = reverse("statements_staff:workspace", args=[activity.consultation_id])
    assert client.get(url).status_code == 404
