"""What the comment actions and the signed-in proposal page cost the database.

The budget of a comment action (post, reply, like, report): the session, the user, the
comment or page with what the permission checks need, the write, and at most two more: 6.
The signed-in proposal page costs what the signed-out one does (7), whatever the number of
comments. Savepoints (transaction control) are not counted.
"""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from consultation.models import Comment, CommentLike, CommentReport
from tests import factories
from tests.consultation.conftest import consultation_in_state
from tests.consultation.test_views import _threads, page_url

pytestmark = pytest.mark.django_db

ACTION_BUDGET = 6
# A reply also checks the comment replied to inside the transaction (1) and queues the
# notification to its author: the outbox row, and the relay's two queries after commit.
REPLY_BUDGET = ACTION_BUDGET + 4
PAGE_BUDGET = 7


def _statements(queries) -> list[str]:
    return [
        q["sql"]
        for q in queries.captured_queries
        if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT"))
    ]


def _measure(client, method, url, data=None):
    cache.clear()  # the page's own queries, not a replay of the anonymous page cache
    with CaptureQueriesContext(connection) as queries:
        answer = getattr(client, method)(url, data or {})
    return answer, _statements(queries)


@pytest.fixture
def proposal(db):
    proposal = factories.ProposalPageFactory(consultation=consultation_in_state("open"))
    _threads(proposal, 20)
    return proposal


@pytest.fixture
def signed_in(client, participant, proposal, monkeypatch):
    # As in production, the outbox hands tasks to Celery after commit (here: recorded) rather
    # than running them inside the request.
    monkeypatch.setattr("talklondon.outbox._publish", lambda task: None)
    monkeypatch.setattr("talklondon.outbox._batch_ask", lambda task_name: None)
    client.force_login(participant)
    client.get(page_url(proposal))  # the session and content types are warm, as in production
    return client


def test_posting_a_comment_stays_within_its_budget(signed_in, proposal, participant):
    answer, sql = _measure(signed_in, "post", page_url(proposal), {"body": "Cameras need limits."})
    assert answer.status_code == 302
    assert Comment.objects.filter(author=participant, body="Cameras need limits.").exists()
    assert len(sql) <= ACTION_BUDGET, sql


def test_replying_stays_within_its_budget(signed_in, proposal, participant):
    parent = proposal.comments.filter(depth=0).first()
    url = reverse("consultation:comment_reply", args=[parent.pk])
    answer, sql = _measure(signed_in, "post", url, {"body": "I agree with retention limits."})
    assert answer.status_code == 302
    assert Comment.objects.filter(author=participant, replied_to=parent).exists()
    assert len(sql) <= REPLY_BUDGET, sql


def test_liking_and_unliking_stay_within_their_budget(signed_in, proposal, participant):
    comment = proposal.comments.exclude(author=participant).first()
    url = reverse("consultation:comment_like", args=[comment.pk])
    answer, sql = _measure(signed_in, "post", url)
    assert answer.status_code == 302
    assert CommentLike.objects.filter(comment=comment, user=participant).exists()
    assert len(sql) <= ACTION_BUDGET, sql
    answer, sql = _measure(signed_in, "post", url, {"action": "unlike"})
    assert answer.status_code == 302
    assert not CommentLike.objects.filter(comment=comment, user=participant).exists()
    assert len(sql) <= ACTION_BUDGET, sql


def test_reporting_stays_within_its_budget(signed_in, proposal, participant):
    comment = proposal.comments.exclude(author=participant).first()
    url = reverse("consultation:comment_report", args=[comment.pk])
    answer, sql = _measure(
        signed_in, "post", url, {"reason": "abusive", "details": "Personal attack."}
    )
    assert answer.status_code == 302, answer.content[:3000]
    assert CommentReport.objects.filter(comment=comment, reporter=participant).exists()
    assert len(sql) <= ACTION_BUDGET, sql


def test_signed_in_proposal_page_costs_what_the_signed_out_one_does(client, participant):
    proposal = factories.ProposalPageFactory(consultation=consultation_in_state("open"))
    _threads(proposal, 350)  # 350 top-level comments, 70 threads of replies: 490 in all
    CommentLike.objects.create(comment=proposal.comments.first(), user=participant)
    answer, signed_out = _measure(client, "get", page_url(proposal))
    assert answer.status_code == 200
    client.force_login(participant)
    client.get(page_url(proposal))
    answer, sql = _measure(client, "get", page_url(proposal))
    assert answer.status_code == 200
    assert len(signed_out) <= PAGE_BUDGET, signed_out
    assert len(sql) <= PAGE_BUDGET, sql
