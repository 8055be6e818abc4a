"""Public pages: consultation, proposal page, comment actions, pagination and bad input."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from consultation.models import Comment, CommentLike, CommentReport
from consultation.services.moderation import comment_reject, participant_block
from tests import factories
from tests.consultation.conftest import consultation_in_state

pytestmark = pytest.mark.django_db


def page_url(proposal, **query):
    url = reverse("consultation:page", args=[proposal.consultation.slug, proposal.slug])
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return url


def test_listing_groups_consultations(client):
    for state in ("open", "upcoming", "closed"):
        consultation_in_state(state, title=f"The {state} one")
    response = client.get(reverse("consultation:list"))
    html = response.content.decode()
    assert (
        html.index("The open one") < html.index("The upcoming one") < html.index("The closed one")
    )


def test_consultation_page_shows_time_left_timeline_pages_and_summary(client, moderator):
    now = timezone.now()
    consultation = factories.ConsultationFactory(
        opens_at=now - timedelta(days=44), closes_at=now + timedelta(days=12, hours=2)
    )
    page = factories.ProposalPageFactory(consultation=consultation, title="How ANPR works")
    factories.CommentFactory(page=page)
    removed = factories.CommentFactory(page=page)
    comment_reject(actor=moderator, comment=removed, reason_code="2")
    response = client.get(reverse("consultation:detail", args=[consultation.slug]))
    html = response.content.decode()
    assert "Closes in 12 days" in html
    assert html.count("tl-timeline__item") >= 10  # opens, 8 weeks, closes, results
    assert "Week 8" in html and "This week" in html
    assert "How ANPR works" in html
    assert "1 comment published" in html and "1 removed by moderators" in html
    assert "2. Do not share personal information" in html
    assert "Respond to the survey" not in html  # no survey link wired yet


def test_survey_section_appears_when_a_link_is_provided(client, monkeypatch):
    consultation = consultation_in_state("open")
    monkeypatch.setattr(
        "consultation.selectors.consultation_survey_links",
        lambda c: [{"title": "Survey", "url": "/surveys/x/"}],
    )
    html = client.get(reverse("consultation:detail", args=[consultation.slug])).content.decode()
    assert "Respond to the survey" in html and 'href="/surveys/x/"' in html


def test_closed_consultation_is_readable_with_a_notice(client, participant):
    page = factories.ProposalPageFactory(consultation=consultation_in_state("closed"))
    factories.CommentFactory(page=page, body="Old comment")
    client.force_login(participant)
    html = client.get(page_url(page)).content.decode()
    assert "This consultation closed on" in html
    assert "Old comment" in html
    assert "Post comment" not in html and "Comments are closed" in html
    assert "Reply<" not in html


def test_unknown_consultation_or_page_is_404(client, open_page):
    assert client.get(reverse("consultation:detail", args=["nope"])).status_code == 404
    assert client.get(page_url(open_page).replace(open_page.slug, "nope")).status_code == 404


def test_page_renders_markdown_safely_with_update_note_and_attachments(client, open_page):
    from consultation.models import Attachment

    open_page.body = "## Safeguards\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1))"
    open_page.last_updated_at = timezone.now()
    open_page.change_note = "Added the retention period."
    open_page.save()
    Attachment.objects.create(
        page=open_page, title="Privacy impact assessment", file="x.pdf", size_bytes=1_258_291,
        page_count=12,
    )  # fmt: skip
    html = client.get(page_url(open_page)).content.decode()
    assert '<h3 class="govuk-heading-m">Safeguards</h3>' in html
    assert "<script>alert" not in html and 'href="javascript' not in html
    assert "Last updated" in html and "Added the retention period." in html
    assert "Privacy impact assessment" in html and "1.2\xa0MB" in html and "12 pages" in html


def test_comment_threads_render_nested_with_placeholders(client, open_page, moderator):
    top = factories.CommentFactory(page=open_page, body="Top level")
    reply = factories.CommentFactory(reply_to=top, body="Second level")
    third = factories.CommentFactory(reply_to=reply, body="Third level")
    comment_reject(actor=moderator, comment=reply, reason_code="1")
    lonely = factories.CommentFactory(page=open_page, body="Lonely removed")
    comment_reject(actor=moderator, comment=lonely, reason_code="3")
    html = client.get(page_url(open_page)).content.decode()
    assert "Top level" in html and "Third level" in html
    assert "Second level" not in html
    assert "Removed by a moderator: 1. Be civil" in html
    assert "Lonely removed" not in html and "3. Stay on topic" not in html
    assert html.index(f'id="comment-{top.pk}"') < html.index(f'id="comment-{third.pk}"')


def test_author_sees_own_pending_comment_awaiting_moderation(client, participant, open_page):
    factories.CommentFactory(page=open_page, author=participant, status="pending", body="Mine")
    factories.CommentFactory(page=open_page, status="pending", body="Someone else's")
    client.force_login(participant)
    html = client.get(page_url(open_page)).content.decode()
    assert "Mine" in html and "awaiting moderation" in html
    assert "Someone else" not in html
    assert "Mine" not in Client().get(page_url(open_page)).content.decode()


def test_post_comment_through_the_page(client, participant, open_page):
    client.force_login(participant)
    response = client.post(page_url(open_page), {"body": "I support this."}, follow=True)
    assert "Your comment has been posted" in response.content.decode()
    assert Comment.objects.get().body == "I support this."


def test_held_comment_tells_the_author(client, participant, open_page):
    client.force_login(participant)
    response = client.post(page_url(open_page), {"body": "Plate AB12 CDE"}, follow=True)
    assert "awaiting moderation" in response.content.decode()


@pytest.mark.parametrize(
    ("body", "message"),
    [("", "Enter your comment"), ("x" * 5001, "5,000 characters or fewer")],
)
def test_bad_comment_shows_error_summary_and_keeps_text(
    client, participant, open_page, body, message
):
    client.force_login(participant)
    response = client.post(page_url(open_page), {"body": body})
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html and message in html
    assert Comment.objects.count() == 0


def test_double_submit_is_refused_clearly(client, participant, open_page):
    client.force_login(participant)
    client.post(page_url(open_page), {"body": "Once only"})
    response = client.post(page_url(open_page), {"body": "Once only"})
    assert "You have just posted this same comment" in response.content.decode()
    assert Comment.objects.count() == 1


def test_rate_limit_message(client, participant, open_page, settings):
    settings.COMMENT_RATE_PER_MINUTE = 2
    client.force_login(participant)
    client.post(page_url(open_page), {"body": "one"})
    client.post(page_url(open_page), {"body": "two"})
    response = client.post(page_url(open_page), {"body": "three"})
    html = response.content.decode()
    assert "up to 2 comments a minute" in html and "three" in html


def test_stale_csrf_token_gets_a_clear_page(participant, open_page):
    client = Client(enforce_csrf_checks=True)
    client.force_login(participant)
    response = client.post(page_url(open_page), {"body": "Hello", "csrfmiddlewaretoken": "stale"})
    assert response.status_code == 403
    assert "Your form has expired" in response.content.decode()
    assert Comment.objects.count() == 0


def test_reply_to_removed_comment_view(client, participant, open_page, moderator):
    target = factories.CommentFactory(page=open_page)
    comment_reject(actor=moderator, comment=target, reason_code="1")
    client.force_login(participant)
    url = reverse("consultation:comment_reply", args=[target.pk])
    # A removed comment's text is for moderators only: the reply page is not found.
    assert client.get(url).status_code == 404
    assert client.post(url, {"body": "Reply"}).status_code == 404
    assert (
        client.post(reverse("consultation:comment_reply", args=[99999]), {"body": "x"}).status_code
        == 404
    )


def test_reply_edit_delete_report_like_flow(client, participant, open_page):
    other = factories.CommentFactory(page=open_page)
    client.force_login(participant)
    client.post(reverse("consultation:comment_reply", args=[other.pk]), {"body": "My reply"})
    reply = Comment.objects.get(replied_to=other)
    client.post(reverse("consultation:comment_edit", args=[reply.pk]), {"body": "Better reply"})
    reply.refresh_from_db()
    assert reply.body == "Better reply" and reply.edited_at
    client.post(reverse("consultation:comment_like", args=[other.pk]), {"action": "like"})
    assert CommentLike.objects.filter(comment=other, user=participant).exists()
    client.post(reverse("consultation:comment_like", args=[other.pk]), {"action": "unlike"})
    assert not CommentLike.objects.exists()
    response = client.post(
        reverse("consultation:comment_report", args=[other.pk]), {"reason": "other"}
    )
    assert "Tell us what is wrong" in response.content.decode()
    client.post(
        reverse("consultation:comment_report", args=[other.pk]),
        {"reason": "other", "details": "Names a person"},
    )
    assert CommentReport.objects.get().details == "Names a person"
    client.post(reverse("consultation:comment_delete", args=[reply.pk]))
    reply.refresh_from_db()
    assert reply.is_deleted


def test_cannot_edit_or_delete_someone_elses_comment(client, participant, open_page):
    other = factories.CommentFactory(page=open_page, body="Theirs")
    client.force_login(participant)
    assert (
        client.post(
            reverse("consultation:comment_edit", args=[other.pk]), {"body": "x"}
        ).status_code
        == 404
    )
    assert client.post(reverse("consultation:comment_delete", args=[other.pk])).status_code == 404
    other.refresh_from_db()
    assert other.body == "Theirs" and not other.is_deleted


def _many_comments(page, n):
    authors = [factories.UserFactory() for _ in range(5)]
    now = timezone.now()
    tops = Comment.objects.bulk_create(
        [
            Comment(
                page=page, author=authors[i % 5], body=f"Comment {i}", body_html=f"<p>Comment {i}</p>",
                status="published", created_at=now - timedelta(minutes=i), published_at=now,
                like_count=i % 7,
            )
            for i in range(n)
        ]
    )  # fmt: skip
    return tops


def test_pagination_without_js_shows_50_and_page_links(client, open_page):
    _many_comments(open_page, 120)
    html = client.get(page_url(open_page)).content.decode()
    assert html.count('class="tl-comment"') == 50
    assert "Comment 0<" in html and "Comment 50<" not in html
    assert "?sort=newest&amp;page=2#comments" in html and "More comments" in html
    page3 = client.get(page_url(open_page, page=3)).content.decode()
    assert page3.count('class="tl-comment"') == 20 and "Comment 119<" in page3
    assert "<html" in page3


def test_pagination_fragment_for_js_returns_only_the_list(client, open_page):
    _many_comments(open_page, 120)
    response = client.get(page_url(open_page, page=2, fragment=1))
    html = response.content.decode()
    assert "<html" not in html and "<h1" not in html
    assert html.count('class="tl-comment"') == 50 and "Comment 50<" in html
    assert 'data-fragment-url="?sort=newest&amp;page=3&amp;fragment=1"' in html


def test_sorting(client, open_page):
    _many_comments(open_page, 10)
    oldest = client.get(page_url(open_page, sort="oldest")).content.decode()
    assert oldest.index("Comment 9<") < oldest.index("Comment 0<")
    liked = client.get(page_url(open_page, sort="liked")).content.decode()
    assert liked.index("Comment 6<") < liked.index("Comment 0<")
    bogus = client.get(page_url(open_page, sort="drop table")).status_code
    assert bogus == 200


def _count_queries(client, url):
    # Count the queries of rendering, not of replaying the anonymous page cache's copy.
    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _threads(page, n_top):
    tops = _many_comments(page, n_top)
    authors = list({c.author for c in tops[:5]})
    for i, top in enumerate(tops[: n_top // 5]):
        reply = factories.CommentFactory(reply_to=top, author=authors[i % len(authors)])
        factories.CommentFactory(reply_to=reply, author=authors[(i + 1) % len(authors)])


@pytest.mark.parametrize("signed_in", [False, True])
def test_query_count_does_not_grow_with_comments(client, participant, signed_in):
    small = factories.ProposalPageFactory(consultation=consultation_in_state("open"))
    large = factories.ProposalPageFactory(consultation=small.consultation)
    _threads(small, 10)
    _threads(large, 500)
    if signed_in:
        client.force_login(participant)
        CommentLike.objects.create(comment=large.comments.first(), user=participant)
    client.get(page_url(small))  # warm caches (sessions, content types)
    few = _count_queries(client, page_url(small))
    many = _count_queries(client, page_url(large))
    assert few == many
    assert many <= 15


def test_blocked_participant_sees_why(client, participant, open_page, moderator):
    participant_block(actor=moderator, user=participant, reason="Spam")
    client.force_login(participant)
    html = client.get(page_url(open_page)).content.decode()
    assert "blocked from taking part" in html and "Post comment" not in html
