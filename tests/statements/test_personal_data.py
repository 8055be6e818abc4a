"""Votes and statements in "download my data", account erasure and the retention job."""

import pytest

from consultation.statements.models import OpinionResult, Statement, StatementVote
from consultation.statements.services.results import opinion_groups_run
from consultation.statements.services.voting import statement_submit, statement_vote
from talklondon.services import account_erase, participation_last_ended
from tests import factories

pytestmark = pytest.mark.django_db


def test_erasing_an_account_deletes_its_votes_and_its_place_in_the_groups(participant, statements):
    for statement in statements:
        statement_vote(actor=participant, statement=statement, choice="agree")
    other = factories.UserFactory()
    statement_vote(actor=other, statement=statements[0], choice="disagree")
    statement_vote(actor=other, statement=statements[1], choice="disagree")
    opinion_groups_run(activity_id=statements[0].activity_id)
    assert any(str(participant.pk) in r.assignments for r in OpinionResult.objects.all())
    written = statement_submit(actor=participant, activity=statements[0].activity, text="My point")
    opinion_groups_run(activity_id=statements[0].activity_id)
    assert any(
        s["text"] == "My point"
        for r in OpinionResult.objects.all()
        for s in r.payload["statements"]
    )

    account_erase(user=participant, remove_content=True)

    assert not StatementVote.objects.filter(voter=participant).exists()
    assert StatementVote.objects.filter(voter=other).count() == 2
    assert not any(str(participant.pk) in r.assignments for r in OpinionResult.objects.all())
    written.refresh_from_db()
    assert written.text == "" and written.status == Statement.Status.REMOVED
    assert not any(
        s["text"] == "My point"
        for r in OpinionResult.objects.all()
        for s in r.payload["statements"]
    )


def test_voting_counts_as_taking_part_for_the_retention_job(participant, statements):
    statement_vote(actor=participant, statement=statements[0], choice="pass")
    ended = participation_last_ended()
    assert ended[participant.pk] >= statements[0].activity.closes_at


def test_download_my_data_has_the_votes(participant, statements):
    from consultation.statements.personal_data import statements_export

    statement_vote(actor=participant, statement=statements[0], choice="disagree")
    data = statements_export(participant)
    assert data["votes"][0]["statement"] == statements[0].text
    assert data["votes"][0]["vote"] == "Disagree"
