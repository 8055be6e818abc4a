"""Public consultation pages through the anonymous page cache: shared, marked for shared caches,
and never stale for long. A comment published now is on the page within 5 seconds, and at
once wherever a service says what changed."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from consultation.models import Comment, Consultation
from consultation.services import comments as comment_services
from consultation.services import consultations as consultation_services
from consultation.services import moderation
from talklondon.page_cache import MAX_TIMEOUT, page_cache_local_clear
from tests import factories
from tests.anpr_info.test_hostile_input import _cache_size
from tests.consultation.conftest import consultation_in_state

pytestmark = pytest.mark.django_db


def page_url(page) -> str:
    return reverse("consultation:page", args=[page.consultation.slug, page.slug])


def detail_url(consultation) -> str:
    return reverse("consultation:detail", args=[consultation.slug])


def anonymous_html(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.fixture
def local_layer(settings):
    """The per-process layer as in production (1 s), which tests otherwise switch off."""
    settings.PAGE_CACHE_LOCAL_SECONDS = 1
    page_cache_local_clear()
    yield
    page_cache_local_clear()


# --- Who is served a shared page ------------------------------------------------------------


@pytest.mark.parametrize("which", ["home", "list", "detail", "proposal"])
def test_anonymous_public_pages_are_shared_and_cacheable_by_a_shared_cache(
    client, open_page, which
):
    url = {
        "home": reverse("home"),
        "list": reverse("consultation:list"),
        "detail": detail_url(open_page.consultation),
        "proposal": page_url(open_page),
    }[which]
    first = client.get(url)
    assert first["Cache-Control"] == f"public, max-age={MAX_TIMEOUT}, s-maxage={MAX_TIMEOUT}"
    assert "Cookie" in first["Vary"]
    assert not first.cookies  # nothing personal: no CSRF or session cookie
    assert queries(client, url) == 0  # the second visitor costs no database work
    again = client.get(url)
    assert again.content == first.content
    assert again["Cache-Control"].startswith("public, max-age=")


def test_signed_in_pages_are_private_and_rendered_for_the_person(client, participant, open_page):
    factories.CommentFactory(page=open_page, body="Shared view")
    client.get(page_url(open_page))  # an anonymous copy now exists
    client.force_login(participant)
    response = client.get(page_url(open_page))
    assert response["Cache-Control"] == "private, no-store"
    assert "Cookie" in response["Vary"]
    html = response.content.decode()
    assert "Post comment" in html  # their own form, not the anonymous copy
    assert queries(client, page_url(open_page)) > 0


def test_proposal_page_keeps_its_query_count_signed_in(client, participant, open_page):
    for n in range(60):
        top = factories.CommentFactory(page=open_page, body=f"Top {n}")
        if n % 3 == 0:
            factories.CommentFactory(reply_to=top)
    client.force_login(participant)
    client.get(page_url(open_page))
    assert queries(client, page_url(open_page)) <= 15


# --- Changes show within 5 seconds, and at once when a service makes them -------------------


def test_a_newly_published_comment_is_visible_within_5_seconds(client, participant, open_page):
    """The promise, whatever path the change took: no copy outlives 5 seconds."""
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        assert "Fresh view on cameras" not in anonymous_html(client, page_url(open_page))
        # Written straight to the database: no service, so nothing is invalidated.
        factories.CommentFactory(page=open_page, body="Fresh view on cameras")
        assert "Fresh view on cameras" not in anonymous_html(client, page_url(open_page))
        clock.move_to(start + dt.timedelta(seconds=MAX_TIMEOUT))
        assert "Fresh view on cameras" in anonymous_html(client, page_url(open_page))


def test_a_comment_posted_through_the_service_shows_on_the_next_request(
    client, participant, open_page
):
    detail = detail_url(open_page.consultation)
    anonymous_html(client, page_url(open_page))
    before = anonymous_html(client, detail)
    comment_services.comment_post(actor=participant, page=open_page, text="Posted just now")
    assert "Posted just now" in anonymous_html(client, page_url(open_page))
    assert anonymous_html(client, detail) != before  # the published count changed


def test_with_the_local_layer_a_published_comment_shows_within_a_second(
    client, participant, open_page, local_layer
):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        anonymous_html(client, page_url(open_page))
        comment_services.comment_post(actor=participant, page=open_page, text="Local layer check")
        clock.move_to(start + dt.timedelta(seconds=1))
        assert "Local layer check" in anonymous_html(client, page_url(open_page))


def test_a_held_comment_stays_off_the_page_until_a_moderator_approves_it(
    client, participant, moderator
):
    page = factories.ProposalPageFactory(
        consultation=consultation_in_state("open", moderation_mode=Consultation.ModerationMode.PRE)
    )
    comment = comment_services.comment_post(actor=participant, page=page, text="Waiting for you")
    assert comment.status == Comment.Status.PENDING
    assert "Waiting for you" not in anonymous_html(client, page_url(page))
    moderation.comment_approve(actor=moderator, comment=comment)
    assert "Waiting for you" in anonymous_html(client, page_url(page))


def test_moderation_and_authors_changes_show_on_the_next_request(
    client, participant, moderator, open_page
):
    comment = comment_services.comment_post(actor=participant, page=open_page, text="First text")
    assert "First text" in anonymous_html(client, page_url(open_page))

    comment_services.comment_edit(actor=participant, comment=comment, text="Second text")
    assert "Second text" in anonymous_html(client, page_url(open_page))

    moderation.comment_redact(actor=moderator, comment=comment, text="Third text")
    assert "Third text" in anonymous_html(client, page_url(open_page))

    moderation.comment_reject(actor=moderator, comment=comment, reason_code="1")
    html = anonymous_html(client, page_url(open_page))
    assert "Third text" not in html

    other = comment_services.comment_post(actor=participant, page=open_page, text="Short-lived")
    assert "Short-lived" in anonymous_html(client, page_url(open_page))
    comment_services.comment_delete(actor=participant, comment=other)
    assert "Short-lived" not in anonymous_html(client, page_url(open_page))


def test_blocking_someone_hides_their_comments_from_the_next_visitor(
    client, participant, moderator, open_page
):
    comment_services.comment_post(actor=participant, page=open_page, text="Before the block")
    assert "Before the block" in anonymous_html(client, page_url(open_page))
    moderation.participant_block(actor=moderator, user=participant, reason="Spam")
    assert "Before the block" not in anonymous_html(client, page_url(open_page))
    moderation.participant_unblock(actor=moderator, user=participant)
    assert "Before the block" in anonymous_html(client, page_url(open_page))


def test_likes_show_within_5_seconds_even_when_many_arrive_at_once(client, open_page):
    comment = factories.CommentFactory(page=open_page, body="Popular view")
    fans = [factories.UserFactory() for _ in range(3)]
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        anonymous_html(client, page_url(open_page))
        comment_services.comment_like(actor=fans[0], comment=comment)
        assert "1 like" in anonymous_html(client, page_url(open_page))
        # Within the same second further likes do not each re-render the page...
        comment_services.comment_like(actor=fans[1], comment=comment)
        comment_services.comment_like(actor=fans[2], comment=comment)
        assert "1 like" in anonymous_html(client, page_url(open_page))
        # ...but they show once the copy expires.
        clock.move_to(start + dt.timedelta(seconds=MAX_TIMEOUT))
        assert "3 likes" in anonymous_html(client, page_url(open_page))


def test_consultation_and_page_edits_show_on_the_next_request(client, manager, open_page):
    consultation = open_page.consultation
    anonymous_html(client, reverse("consultation:list"))
    anonymous_html(client, reverse("home"))
    anonymous_html(client, page_url(open_page))
    fields = {
        name: getattr(consultation, name) for name in consultation_services.CONSULTATION_FIELDS
    }
    fields["title"] = "Cameras: the renamed consultation"
    consultation_services.consultation_update(actor=manager, consultation=consultation, **fields)
    assert "the renamed consultation" in anonymous_html(client, reverse("consultation:list"))
    assert "the renamed consultation" in anonymous_html(client, reverse("home"))
    open_page.refresh_from_db()
    consultation_services.page_update(
        actor=manager,
        page=open_page,
        title="A clearer title",
        slug=open_page.slug,
        body=open_page.body,
        position=open_page.position,
        change_note="Clearer title",
    )
    assert "A clearer title" in anonymous_html(client, page_url(open_page))


def test_a_new_consultation_appears_on_the_list_at_once(client, manager):
    anonymous_html(client, reverse("consultation:list"))
    now = timezone.now()
    consultation = consultation_services.consultation_create(
        actor=manager,
        title="Brand new consultation",
        slug="brand-new",
        summary="New",
        organisation="MOPAC",
        opens_at=now - dt.timedelta(days=1),
        closes_at=now + dt.timedelta(days=30),
        moderation_mode=Consultation.ModerationMode.POST,
    )
    # A new consultation is a draft: it appears once it is published, and at once.
    assert "Brand new consultation" not in anonymous_html(client, reverse("consultation:list"))
    consultation_services.consultation_publish(actor=manager, consultation=consultation)
    assert "Brand new consultation" in anonymous_html(client, reverse("consultation:list"))


def test_comment_markup_escapes_names_and_keeps_sanitised_bodies(client, open_page):
    author = factories.UserFactory(display_name='Sam <script>alert("x")</script>')
    factories.CommentFactory(page=open_page, author=author, body="Hello <b>there</b> *you*")
    html = anonymous_html(client, page_url(open_page))
    assert "<script>alert" not in html
    assert "Sam &lt;script&gt;" in html
    assert "<em>you</em>" in html and "<b>there</b>" not in html


# --- Made-up query strings cannot fill the cache ----------------------------------------------


def _public_url(which: str, page) -> str:
    return {
        "home": reverse("home"),
        "list": reverse("consultation:list"),
        "detail": detail_url(page.consultation),
        "proposal": page_url(page),
    }[which]


@pytest.mark.parametrize("which", ["home", "list", "detail", "proposal"])
def test_made_up_query_strings_add_no_cache_entries(client, open_page, which):
    url = _public_url(which, open_page)
    client.get(url)
    before = _cache_size()
    if before is None:
        pytest.skip("needs the local-memory cache to count entries")
    for n in range(20):
        assert client.get(url, {f"junk{n}": str(n)}).status_code == 200
    assert _cache_size() == before


@pytest.mark.parametrize(
    "query",
    [
        {"sort": "junk{n}"},
        {"page": "x{n}"},
        {"page": "{n}0000"},  # beyond any page the links write
        {"page": "0{n}"},
        {"page": "²{n}"},
        {"fragment": "{n}1"},
        {"sort": ["newest", "oldest{n}"]},
    ],
)
def test_made_up_values_of_the_comment_parameters_add_no_cache_entries(client, open_page, query):
    client.get(page_url(open_page))
    before = _cache_size()
    if before is None:
        pytest.skip("needs the local-memory cache to count entries")
    for n in range(1, 16):
        made_up = {
            name: [v.format(n=n) for v in value] if isinstance(value, list) else value.format(n=n)
            for name, value in query.items()
        }
        assert client.get(page_url(open_page), made_up).status_code == 200
    assert _cache_size() == before


def test_the_comment_pages_links_are_still_served_from_the_cache(client, open_page):
    for n in range(25):
        factories.CommentFactory(page=open_page, body=f"Comment {n}", status="published")
    for query in ("?sort=oldest&page=2", "?page=2&sort=liked&fragment=1", "?sort=newest"):
        client.get(page_url(open_page) + query)
        assert queries(client, page_url(open_page) + query) == 0, query


def test_every_cached_public_page_declares_the_parameters_it_reads():
    """A page cached without `params` keys on any query string, so anyone could fill the cache."""
    from django.urls import URLPattern, URLResolver, get_resolver

    def views(patterns):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from views(pattern.url_patterns)
            elif isinstance(pattern, URLPattern):
                yield pattern.callback

    cached = [
        view for view in views(get_resolver().url_patterns) if hasattr(view, "page_cache_params")
    ]
    assert len(cached) >= 4  # home, the list, a consultation, a proposal page (and ANPR pages)
    undeclared = [view.__qualname__ for view in cached if view.page_cache_params is None]
    assert undeclared == []
