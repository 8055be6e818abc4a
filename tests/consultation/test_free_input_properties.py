"""Property-based tests (hypothesis) of the free-input forms people post: comments, replies,
reports and proposal-page query strings. Whatever is sent, the answer is a page or a redirect,
never a 500; a refused comment or report stores nothing; the hold rules scan it in linear time."""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consultation.models import Comment, CommentReport
from tests import factories

pytestmark = pytest.mark.django_db

PROPERTY = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Any text, with the shapes the hold rules look for mixed in.
free_text = st.text(max_size=300) | st.sampled_from(
    ["AB12 CDE", "jo@example.org", "020 7946 0018", "www.example.com", "²٣", "\x00", " "]
).flatmap(lambda seed: st.text(max_size=50).map(lambda tail: seed + tail))


def _page_url(page) -> str:
    return reverse("consultation:page", args=[page.consultation.slug, page.slug])


@PROPERTY
@given(body=free_text)
def test_any_comment_body_gets_a_page_or_a_redirect(client, participant, open_page, body):
    client.force_login(participant)
    before = Comment.objects.count()
    response = client.post(_page_url(open_page), {"body": body})
    assert response.status_code in (200, 302), response.status_code
    if response.status_code == 200:  # refused: the form again, with its error summary
        assert Comment.objects.count() == before


@PROPERTY
@given(reason=st.text(max_size=20) | st.sampled_from(["other", "spam", ""]), details=free_text)
def test_any_report_gets_a_page_or_a_redirect(client, participant, open_page, reason, details):
    comment = factories.CommentFactory(page=open_page, status="published")
    client.force_login(participant)
    before = CommentReport.objects.count()
    response = client.post(
        reverse("consultation:comment_report", args=[comment.pk]),
        {"reason": reason, "details": details},
    )
    assert response.status_code in (200, 302, 404), response.status_code
    if response.status_code != 302:
        assert CommentReport.objects.count() == before


@PROPERTY
@given(
    params=st.dictionaries(
        st.sampled_from(["sort", "page", "fragment", "x"]), st.text(max_size=20), max_size=3
    )
)
def test_any_proposal_page_query_gets_a_page(client, open_page, params):
    response = client.get(_page_url(open_page), params)
    assert response.status_code in (200, 302, 400, 404), response.status_code
