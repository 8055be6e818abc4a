"""The anonymous page cache: who gets a shared page, who never does, and how fast changes show.

Every test runs twice: on the local-memory cache and on Redis (skipped only when no Redis
server answers).
"""

import os
import time

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.cache import cache
from redis import Redis
from redis.exceptions import RedisError

from talklondon.cache import namespace_version_key
from talklondon.page_cache import (
    MAX_TIMEOUT,
    cache_anonymous_page,
    page_cache_invalidate,
    page_cache_local_clear,
)
from tests.talklondon import page_cache_urls as views

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/8")


def _redis_available() -> bool:
    try:
        return bool(Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping())
    except (RedisError, OSError):
        return False


@pytest.fixture(
    params=[
        "locmem",
        pytest.param(
            "redis",
            marks=pytest.mark.skipif(not _redis_available(), reason="no Redis server answers"),
        ),
    ]
)
def page_cache_backend(request, settings):
    if request.param == "locmem":
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    else:
        settings.CACHES = {
            "default": {
                "BACKEND": "talklondon.cache.ResilientRedisCache",
                "LOCATION": REDIS_URL,
                "KEY_PREFIX": "tl-test-page-cache",
            }
        }
    settings.ROOT_URLCONF = "tests.talklondon.page_cache_urls"
    settings.PAGE_CACHE_LOCAL_SECONDS = 0
    page_cache_local_clear()
    cache.clear()
    views.CALLS.clear()
    views.CONTENT.clear()
    views.CONTENT["board"] = "first"
    yield request.param
    page_cache_local_clear()
    cache.clear()


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("page_cache_backend")]


def calls(name: str) -> int:
    return views.CALLS.get(name, 0)


# --- Anonymous visitors share one rendering ------------------------------------------------------


def test_anonymous_visitors_get_one_shared_rendering_marked_public(client):
    first = client.get("/t/board/")
    second = client.get("/t/board/")
    assert first.status_code == second.status_code == 200
    assert first.content == second.content == b"<p>first</p>"
    assert calls("board") == 1
    for response in (first, second):
        assert "public" in response["Cache-Control"]
        assert "max-age=" in response["Cache-Control"]
        assert "s-maxage=" in response["Cache-Control"]
        assert "Cookie" in response["Vary"]
        assert not response.cookies


def test_served_copies_promise_no_more_than_the_time_left(client):
    with time_machine.travel(1_900_000_000, tick=False) as traveller:
        assert client.get("/t/board/")["Cache-Control"].startswith("public, max-age=5,")
        traveller.shift(2)
        hit = client.get("/t/board/")
    assert calls("board") == 1
    assert hit["Cache-Control"] == "public, max-age=3, s-maxage=3"


def test_the_timeout_is_capped_at_5_seconds():
    assert callable(cache_anonymous_page("x", timeout=MAX_TIMEOUT))
    for bad in (0, MAX_TIMEOUT + 1, 60):
        with pytest.raises(ValueError):
            cache_anonymous_page("x", timeout=bad)


def test_cached_copy_keeps_the_security_headers_of_every_response(client):
    client.get("/t/board/")
    hit = client.get("/t/board/")
    assert calls("board") == 1
    assert "Content-Security-Policy" in hit
    assert hit["X-Frame-Options"] == "DENY"
    assert hit["Content-Type"].startswith("text/html")


def test_head_requests_are_served_from_the_same_copy(client):
    client.get("/t/board/")
    response = client.head("/t/board/")
    assert response.status_code == 200
    assert calls("board") == 1


def test_query_string_and_host_make_separate_pages(client):
    client.get("/t/board/")
    client.get("/t/board/?page=2")
    client.get("/t/board/", headers={"host": "localhost"})
    assert calls("board") == 3


def test_api_formats_are_cached_apart(client):
    as_json = client.get("/t/api/", headers={"accept": "application/json"})
    as_html = client.get("/t/api/", headers={"accept": "text/html"})
    again = client.get("/t/api/", headers={"accept": "application/json"})
    assert as_json["Content-Type"].startswith("application/json")
    assert as_html["Content-Type"].startswith("text/html")
    assert again.json() == {"stops": 42}
    assert again["Content-Type"].startswith("application/json")
    assert calls("api_figures") == 2


def test_lazily_rendered_pages_are_cached_after_rendering(client):
    first = client.get("/t/lazy/")
    second = client.get("/t/lazy/")
    assert first.content == second.content
    assert b"Cookies" in second.content
    assert calls("lazy_plain") == 1
    assert "public" in second["Cache-Control"]


# --- Invalidation: a change is visible at once, and never later than 5 s ----------------------


def test_invalidating_the_namespace_shows_the_change_on_the_next_request(client):
    client.get("/t/board/")
    views.CONTENT["board"] = "a new comment"
    assert client.get("/t/board/").content == b"<p>first</p>"  # still the cached copy

    page_cache_invalidate("board")

    assert client.get("/t/board/").content == b"<p>a new comment</p>"
    assert calls("board") == 2


def test_invalidation_only_touches_its_own_namespace(client):
    client.get("/t/board/")
    client.get("/t/lazy/")
    page_cache_invalidate("lazy")
    client.get("/t/board/")
    client.get("/t/lazy/")
    assert calls("board") == 1
    assert calls("lazy_plain") == 2


def test_namespaces_from_the_view_arguments(client):
    client.get("/t/topic/anpr/")
    client.get("/t/topic/parks/")
    views.CONTENT["anpr"] = "updated"
    page_cache_invalidate("topic:anpr")
    assert client.get("/t/topic/anpr/").content == b"<p>anpr updated</p>"
    assert client.get("/t/topic/parks/").content == b"<p>parks </p>"
    assert calls("topic:anpr") == 2
    assert calls("topic:parks") == 1

    page_cache_invalidate("board")  # a page may belong to several namespaces
    client.get("/t/topic/parks/")
    assert calls("topic:parks") == 2


def test_invalidating_a_namespace_nobody_cached_yet_is_harmless(client):
    page_cache_invalidate(["never-seen", "board"])
    assert client.get("/t/board/").status_code == 200


def test_invalidation_is_repeated_after_commit(client, django_capture_on_commit_callbacks):
    # A page rendered between the first bump and the commit would hold the old data;
    # the bump after commit throws it away.
    client.get("/t/board/")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        page_cache_invalidate("board")
        client.get("/t/board/")  # re-rendered from data the transaction has not committed
    assert calls("board") == 2
    for callback in callbacks:
        callback()
    client.get("/t/board/")
    assert calls("board") == 3


def test_pages_expire_within_their_timeout_without_invalidation(client):
    views.CONTENT["short"] = "before"
    first = client.get("/t/short/")
    assert first["Cache-Control"] == "public, max-age=1, s-maxage=1"
    views.CONTENT["short"] = "after"
    time.sleep(1.2)
    assert client.get("/t/short/").content == b"<p>after</p>"


def test_invalidation_survives_the_version_key_being_lost(client):
    client.get("/t/board/")
    cache.delete("page-cache:ns:board")
    views.CONTENT["board"] = "changed"
    page_cache_invalidate("board")
    assert client.get("/t/board/").content == b"<p>changed</p>"


# --- People with a session never share a page ---------------------------------------------------


def test_signed_in_people_get_their_own_page_marked_private(client, participant):
    client.get("/t/home/")  # an anonymous copy is now cached
    client.force_login(participant)
    response = client.get("/t/home/")
    assert calls("home") == 2
    assert response["Cache-Control"] == "private, no-store"
    assert "Cookie" in response["Vary"]
    assert participant.display_name.encode() in response.content
    assert b"Sign out" in response.content


def test_anonymous_copy_never_carries_a_signed_in_persons_page(client, participant):
    client.force_login(participant)
    client.get("/t/home/")
    client.logout()
    client.cookies.clear()
    response = client.get("/t/home/")
    assert calls("home") == 2
    assert participant.display_name.encode() not in response.content
    assert b"Sign out" not in response.content
    assert b"Sign in" in response.content
    assert "public" in response["Cache-Control"]


def test_a_session_cookie_alone_bypasses_the_cache(client):
    client.get("/t/board/")
    client.cookies[django_settings.SESSION_COOKIE_NAME] = "not-a-real-session"
    response = client.get("/t/board/")
    assert calls("board") == 2
    assert response["Cache-Control"] == "private, no-store"


def test_a_pending_message_cookie_bypasses_the_cache(client):
    client.get("/t/board/")
    client.cookies["messages"] = "anything"
    client.get("/t/board/")
    assert calls("board") == 2


# --- Responses that carry per-person state are never stored -------------------------------------


@pytest.mark.parametrize(
    "url,name",
    [
        ("/t/form/", "with_form"),
        ("/t/lazy-form/", "lazy_form"),
        ("/t/message/", "with_message"),
        ("/t/cookie/", "sets_cookie"),
        ("/t/session/", "writes_session"),
        ("/t/nonce/", "uses_nonce"),
    ],
)
def test_personal_responses_are_rendered_each_time_and_marked_private(client, url, name):
    for _ in range(2):
        client.cookies.clear()
        response = client.get(url)
        assert response.status_code == 200
        assert response["Cache-Control"] == "private, no-store"
    assert calls(name) == 2


def test_a_form_page_always_sets_the_csrf_cookie_its_token_matches(client):
    # Each anonymous visitor posts the form they were given: the token must match their cookie.
    for _ in range(2):
        visitor = client.__class__(enforce_csrf_checks=True)
        response = visitor.get("/t/form/")
        assert django_settings.CSRF_COOKIE_NAME in response.cookies
        token = response.content.split(b'value="')[1].split(b'"')[0].decode()
        posted = visitor.post("/t/post/", {"csrfmiddlewaretoken": token})
        assert posted.status_code == 200


@pytest.mark.parametrize(
    "url,name",
    [
        ("/t/missing/", "missing"),
        ("/t/stream/", "stream"),
        ("/t/vary/", "varies"),
        ("/t/own/", "own_cache_control"),
    ],
)
def test_other_responses_pass_through_uncached(client, url, name):
    client.get(url)
    response = client.get(url)
    assert calls(name) == 2
    assert "public" not in response.get("Cache-Control", "")


def test_never_cache_views_keep_their_own_headers(client):
    response = client.get("/t/own/")
    assert "no-cache" in response["Cache-Control"]


def test_writes_are_never_cached(client):
    client.post("/t/post/")
    client.post("/t/post/")
    assert calls("accepts_post:POST") == 2


def test_redis_outage_degrades_to_rendering_every_time(settings, client, page_cache_backend):
    if page_cache_backend != "redis":
        pytest.skip("outage behaviour is specific to the Redis cache")
    settings.CACHES = {
        "default": {
            "BACKEND": "talklondon.cache.ResilientRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens here
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    first = client.get("/t/board/")
    page_cache_invalidate("board")
    second = client.get("/t/board/")
    assert first.status_code == second.status_code == 200
    assert calls("board") == 2


# --- The per-process layer: hits without a round trip, invalidation seen within 1 s -------------


@pytest.fixture
def local_layer(settings, page_cache_backend):
    settings.PAGE_CACHE_LOCAL_SECONDS = 1
    page_cache_local_clear()
    yield
    page_cache_local_clear()


@pytest.mark.usefixtures("local_layer")
def test_local_layer_serves_hits_without_the_shared_cache(client):
    client.get("/t/board/")
    cache.clear()  # the shared cache is gone (a Redis restart); this process still has the page
    response = client.get("/t/board/")
    assert response.content == b"<p>first</p>"
    assert calls("board") == 1


@pytest.mark.usefixtures("local_layer")
def test_local_layer_sees_its_own_invalidation_at_once(client):
    client.get("/t/board/")
    views.CONTENT["board"] = "new"
    page_cache_invalidate("board")
    assert client.get("/t/board/").content == b"<p>new</p>"


@pytest.mark.usefixtures("local_layer")
def test_local_layer_sees_another_processs_invalidation_within_a_second(client):
    client.get("/t/board/")
    views.CONTENT["board"] = "new"
    cache.incr(namespace_version_key("board"))  # what page_cache_invalidate does elsewhere
    assert client.get("/t/board/").content == b"<p>first</p>"
    time.sleep(1.05)
    assert client.get("/t/board/").content == b"<p>new</p>"


@pytest.mark.usefixtures("local_layer")
def test_local_layer_keeps_the_same_expiry(client):
    with time_machine.travel(1_900_000_000, tick=False) as traveller:
        client.get("/t/board/")
        views.CONTENT["board"] = "later"
        traveller.shift(MAX_TIMEOUT)
        response = client.get("/t/board/")
    assert response.content == b"<p>later</p>"


# --- A missed page on a spike is rendered once per process, not once per thread ---------------


def test_concurrent_misses_wait_for_one_rendering():
    import threading

    from django.http import HttpResponse
    from django.test import RequestFactory

    started, release, renders = threading.Event(), threading.Event(), []

    @cache_anonymous_page("spike")
    def slow(request):
        renders.append(1)
        started.set()
        release.wait(5)
        return HttpResponse("<p>rendered once</p>")

    results = []

    def visit():
        results.append(slow(RequestFactory().get("/spike/")).content)

    first = threading.Thread(target=visit)
    first.start()
    assert started.wait(5)
    others = [threading.Thread(target=visit) for _ in range(3)]
    for thread in others:
        thread.start()
    time.sleep(0.2)  # the others are now waiting for the first rendering
    release.set()
    for thread in [first, *others]:
        thread.join(10)
    assert len(renders) == 1
    assert results == [b"<p>rendered once</p>"] * 4


# --- The fast path: hits answered before the session, CSRF, auth and CSP middleware -------------


def _count_inner_middleware(monkeypatch) -> list[str]:
    from django.contrib.sessions.middleware import SessionMiddleware

    seen: list[str] = []
    original = SessionMiddleware.process_request

    def process_request(self, request):
        seen.append(request.path)
        return original(self, request)

    monkeypatch.setattr(SessionMiddleware, "process_request", process_request)
    return seen


def test_a_repeat_hit_skips_the_inner_middleware_and_keeps_every_header(
    client, monkeypatch, django_assert_num_queries
):
    seen = _count_inner_middleware(monkeypatch)
    first = client.get("/t/board/")
    with django_assert_num_queries(0):
        hit = client.get("/t/board/")
    assert seen == ["/t/board/"]  # only the first request went past the page cache
    assert calls("board") == 1
    assert hit.content == first.content
    for header in ("Content-Security-Policy", "X-Frame-Options", "Content-Type", "Vary"):
        assert hit[header] == first[header]
    assert hit["Cache-Control"].startswith("public, max-age=")
    assert not hit.cookies


def test_the_fast_path_never_answers_someone_with_a_session(client, monkeypatch, participant):
    seen = _count_inner_middleware(monkeypatch)
    client.get("/t/board/")
    client.get("/t/board/")
    client.force_login(participant)
    signed_in = client.get("/t/board/")
    assert signed_in["Cache-Control"] == "private, no-store"
    assert seen.count("/t/board/") == 2  # the first miss and the signed-in request


def test_the_fast_path_sees_an_invalidation_at_once(client):
    client.get("/t/board/")
    client.get("/t/board/")
    views.CONTENT["board"] = "second"
    page_cache_invalidate("board")
    assert client.get("/t/board/").content == b"<p>second</p>"
    assert client.get("/t/board/").content == b"<p>second</p>"
    assert calls("board") == 2


def test_the_fast_path_promises_no_more_than_the_time_left(client):
    with time_machine.travel(1_900_000_000, tick=False) as traveller:
        client.get("/t/board/")
        traveller.shift(1)
        client.get("/t/board/")
        traveller.shift(3)
        late = client.get("/t/board/")
        traveller.shift(2)
        expired = client.get("/t/board/")
    assert late["Cache-Control"] == "public, max-age=1, s-maxage=1"
    assert expired["Cache-Control"] == "public, max-age=5, s-maxage=5"
    assert calls("board") == 2
