"""Short-lived caching of anonymous pages, with invalidation by namespace.

Launch-day traffic is mostly people who are not signed in reading the same few pages. Those
pages are rendered once, kept in the Django cache for a few seconds and served to every other
anonymous visitor; a shared cache in front of the site (nginx's micro-cache, a CDN) may keep them
for the same few seconds because of the `Cache-Control` header.

Usage, in a url module or on a view::

    from talklondon.page_cache import cache_anonymous_page, page_cache_invalidate, param_choice

    path("", cache_anonymous_page("consultations", params=())(views.home), name="home")

    @cache_anonymous_page(
        lambda request, slug, page_slug: f"consultation:{slug}",
        params={"sort": param_choice("newest", "oldest"), "page": param_page_number},
    )
    def proposal_page(request, slug, page_slug): ...

    # in the service that publishes a comment:
    page_cache_invalidate(f"consultation:{consultation.slug}")

Rules, all chosen so that nobody ever sees somebody else's page or a stale one for long:

- Only GET and HEAD requests that carry no session cookie (and no pending-messages cookie) are
  served from the cache. Anyone with a session, signed in or not, gets a freshly rendered page
  marked `Cache-Control: private, no-store`, because it may hold their name, their messages or a
  CSRF token bound to their cookie.
- A response is stored only if it is a plain 200 that sets no cookie, used no CSRF token, queued
  no message, used no CSP nonce and did not choose its own `Cache-Control`. An anonymous page that
  contains a form therefore renders afresh each time and is marked `private, no-store`, so the
  CSRF cookie it sets always matches the token in its form.
- Stored pages are keyed by the version of each namespace (talklondon/cache.py), the scheme,
  host, path, query and the `Accept` headers (the API negotiates its format on `Accept`).
  `page_cache_invalidate` bumps the version, so every page in the namespace is re-rendered on its
  next request.
- Only queries the page declares (`params`) are stored, with values its checks accept; any
  other query string is rendered afresh, so made-up query strings cannot fill the cache.
- Each process also keeps the namespace versions it has read for up to 1 s
  (`PAGE_CACHE_LOCAL_SECONDS`) and the pages it has seen for as long as they live, so most hits
  cost no round trip to Redis; an invalidation made by another process shows there within that
  second.
- Entries live at most `MAX_TIMEOUT` (5) seconds and served copies say how many of those seconds
  are left, so even a change nobody invalidates (a consultation opening at its time) shows within
  5 s, and a shared cache in front adds no more than that.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from functools import partial, wraps

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils.cache import cc_delim_re, patch_vary_headers
from django.utils.http import urlencode

from talklondon.cache import LocalCopies, namespace_bump, namespace_versions

MAX_TIMEOUT = 5
DEFAULT_TIMEOUT = 5
CACHEABLE_METHODS = ("GET", "HEAD")
MESSAGES_COOKIE_NAME = "messages"
# Request headers that can change a page's bytes without changing its URL.
KEY_HEADERS = ("HTTP_ACCEPT", "HTTP_ACCEPT_LANGUAGE")
# What a stored page may vary on: Cookie is handled by only caching cookieless requests.
KNOWN_VARY = {"cookie", "accept", "accept-language", "accept-encoding"}
# Headers set per request by middleware, never replayed from the cache.
UNSTORED_HEADERS = {"set-cookie", "vary", "cache-control", "expires", "age", "date"}

LOCAL_MAX_PAGES = 512
LOCAL_MAX_NAMESPACES = 4096


def _local_seconds() -> float:
    """How long this process uses the namespace versions it read (PAGE_CACHE_LOCAL_SECONDS), so
    that a hit costs no round trip to Redis. An invalidation made in another process is
    therefore seen up to this much later: still well inside 5 s. 0 turns the per-process layer
    off (the test default: the shared cache is cleared between tests, this process's copies
    are not)."""
    return settings.PAGE_CACHE_LOCAL_SECONDS


# This process's copies of pages live as long as the page itself (checked on every hit); of
# namespace versions, for the local seconds above.
_local_pages = LocalCopies(LOCAL_MAX_PAGES, lambda: MAX_TIMEOUT if _local_seconds() else 0)
_local_versions = LocalCopies(LOCAL_MAX_NAMESPACES, _local_seconds)
_rendering_lock = threading.Lock()
# Pages being rendered in this process right now: other threads asking for the same page wait
# for that rendering instead of repeating it (a missed page on a spike is rendered once per
# process, not once per thread).
_rendering: dict[str, threading.Event] = {}
RENDER_WAIT_SECONDS = 2.0

Namespace = str | Iterable[str]
NamespaceSpec = Namespace | Callable[..., Namespace]


def _namespaces(spec: NamespaceSpec, request: HttpRequest, args, kwargs) -> list[str]:
    value = spec(request, *args, **kwargs) if callable(spec) else spec
    names = [value] if isinstance(value, str) else list(value)
    if not names or not all(isinstance(name, str) and name for name in names):
        raise ValueError("A page cache namespace must be a non-empty string or list of them.")
    return names


def page_cache_local_clear() -> None:
    """Forget this process's copies (tests that turn the local layer on call it)."""
    _local_pages.clear()
    _routes.clear()
    _local_versions.clear()


def _versions(namespaces: list[str]) -> list[int | None]:
    return namespace_versions(namespaces, local=_local_versions)


def page_cache_invalidate(namespace: Namespace) -> None:
    """Make every cached page in these namespaces stale, now and again after commit.

    Call it from the service that changes what the pages show (for example after a comment is
    published). Bumping now makes the change visible at once where there is no transaction; the
    second bump, after the transaction commits, throws away any page rendered from the old data
    between the first bump and the commit.
    """
    names = [namespace] if isinstance(namespace, str) else list(namespace)
    namespace_bump(names, local=_local_versions)
    transaction.on_commit(partial(namespace_bump, names, local=_local_versions))


def _is_anonymous_request(request: HttpRequest) -> bool:
    cookies = request.COOKIES
    return settings.SESSION_COOKIE_NAME not in cookies and MESSAGES_COOKIE_NAME not in cookies


# A parameter's check: the value itself when it is one the page knows, else None.
ParamCheck = Callable[[str], "str | None"]
PAGE_NUMBER_DIGITS = 4


def param_choice(*allowed: str) -> ParamCheck:
    """A parameter that takes one of a few values (a sort order, a flag)."""
    known = frozenset(allowed)
    return lambda value: value if value in known else None


def param_page_number(value: str) -> str | None:
    """A page number as the page's own links write it: ASCII digits, no leading zero, at most
    PAGE_NUMBER_DIGITS of them."""
    if 1 <= len(value) <= PAGE_NUMBER_DIGITS and value.isascii() and value.isdecimal():
        return value if value[0] != "0" else None
    return None


def _query_key(request: HttpRequest, params: Mapping[str, ParamCheck | None] | None) -> str | None:
    """The query string normalised (names in one order), or None when it names a parameter the
    page does not declare, or gives a checked parameter a value its check refuses (or more
    than one value): such a request is rendered but never stored, so made-up query strings
    cannot fill the cache."""
    items = sorted(request.GET.lists())
    if params is None:
        return urlencode(items, doseq=True)
    for name, values in items:
        if name not in params:
            return None
        check = params[name]
        if check is not None and (len(values) != 1 or check(values[0]) is None):
            return None
    return urlencode(items, doseq=True)


def _page_key(request: HttpRequest, versions: list[int], namespaces: list[str], query: str) -> str:
    parts = [
        request.scheme or "",
        request.get_host(),
        request.path,
        query,
        *(request.META.get(header, "") for header in KEY_HEADERS),
    ]
    digest = hashlib.sha256("\n".join(parts).encode()).hexdigest()
    stamp = ".".join(
        f"{name}={version}" for name, version in zip(namespaces, versions, strict=True)
    )
    return f"page-cache:page:{hashlib.sha256(stamp.encode()).hexdigest()[:16]}:{digest}"


def _is_personal(request: HttpRequest, response: HttpResponse) -> bool:
    """True when the response must never be shared: it carries per-person state."""
    if response.cookies:
        return True
    if request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
        return True  # a CSRF token was rendered; it only matches this visitor's cookie
    session = getattr(request, "session", None)
    if session is not None and session.modified:
        return True  # the session middleware is about to set a cookie
    storage = getattr(request, "_messages", None)
    if storage is not None and (storage.added_new or len(storage)):
        return True
    return isinstance(getattr(request, "_csp_nonce", None), str)


def _varies_unknown(response: HttpResponse) -> bool:
    vary = {name.lower() for name in cc_delim_re.split(response.headers.get("Vary", "")) if name}
    return bool(vary - KNOWN_VARY)


def _mark_private(response: HttpResponse) -> None:
    response.headers["Cache-Control"] = "private, no-store"


def _mark_public(response: HttpResponse, seconds: int) -> None:
    response.headers["Cache-Control"] = f"public, max-age={seconds}, s-maxage={seconds}"


def cache_anonymous_page(
    namespace: NamespaceSpec,
    timeout: int = DEFAULT_TIMEOUT,
    params: Iterable[str] | Mapping[str, ParamCheck | None] | None = None,
):
    """Serve anonymous GETs of the decorated view from the cache for up to `timeout` seconds.

    `namespace` is a string, a list of strings, or a callable taking the view's arguments
    `(request, *args, **kwargs)` and returning either; `page_cache_invalidate` with any of
    those names makes the page re-render.

    `params` names the query parameters the page reads: a request with any other is rendered
    afresh and never stored. Give it for every page open to the internet (`()` when it reads
    none); the key holds the query in one order either way. Give a mapping instead to check
    each parameter's value too (`param_choice`, `param_page_number`, or None for any value):
    a request with a value its check refuses is rendered afresh and never stored, so a page
    that shows its default for a made-up value cannot be stored once per made-up value.
    """
    if params is not None:
        params = dict(params) if isinstance(params, Mapping) else dict.fromkeys(params)
    if not isinstance(timeout, int) or not 1 <= timeout <= MAX_TIMEOUT:
        raise ValueError(f"Page cache timeout must be between 1 and {MAX_TIMEOUT} seconds.")

    def decorator(view):
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            if request.method not in CACHEABLE_METHODS:
                return view(request, *args, **kwargs)
            if not _is_anonymous_request(request):
                response = view(request, *args, **kwargs)
                patch_vary_headers(response, ("Cookie",))
                if not response.has_header("Cache-Control"):
                    _mark_private(response)
                return response

            query = _query_key(request, params)
            if query is None:
                response = view(request, *args, **kwargs)
                patch_vary_headers(response, ("Cookie",))
                return response
            namespaces = _namespaces(namespace, request, args, kwargs)
            key = _page_key(request, _versions(namespaces), namespaces, query)
            entry = _lookup(key, timeout)
            if entry is not None:
                return _replay(entry, timeout, (key, namespaces, timeout, params))

            with _rendering_lock:
                rendering = _rendering.get(key)
                leader = rendering is None
                if leader:
                    rendering = _rendering[key] = threading.Event()
            if not leader:
                rendering.wait(RENDER_WAIT_SECONDS)
                entry = _lookup(key, timeout)
                if entry is not None:
                    return _replay(entry, timeout, (key, namespaces, timeout, params))
                # Not stored (personal, an error, not rendered yet): render it ourselves.
                return _render(request, args, kwargs, key, namespaces)
            try:
                return _render(request, args, kwargs, key, namespaces)
            finally:
                with _rendering_lock:
                    _rendering.pop(key, None)
                rendering.set()

        def _render(request, args, kwargs, key, namespaces):
            response = view(request, *args, **kwargs)
            patch_vary_headers(response, ("Cookie",))
            if response.has_header("Cache-Control"):
                return response  # the view decided for itself
            if _is_personal(request, response):
                _mark_private(response)
                return response
            if response.status_code != 200 or response.streaming or _varies_unknown(response):
                return response

            def store(rendered):
                # Checked again after rendering: a lazily rendered template may use a token.
                if _is_personal(request, rendered):
                    _mark_private(rendered)
                    return rendered
                _mark_public(rendered, timeout)
                entry = _entry(rendered)
                cache.set(key, entry, timeout)
                _local_pages.put(key, entry)
                final = (key, namespaces, timeout, params, entry[0])
                rendered._page_cache_final = final
                return rendered

            if getattr(response, "is_rendered", True) is False:
                response.add_post_render_callback(store)
                return response
            return store(response)

        # What the page declared, for the test that every public cached page declares it.
        wrapper.page_cache_params = params
        return wrapper

    return decorator


def _lookup(key: str, timeout: int) -> tuple | None:
    entry = _local_pages.get(key)
    if entry is None or time.time() - entry[0] >= timeout:
        entry = cache.get(key)
        if entry is not None and time.time() - entry[0] >= timeout:
            entry = None  # never older than promised, whatever the cache's clock says
        if entry is not None:
            _local_pages.put(key, entry)
    return entry


def _entry(
    response: HttpResponse, *, unstored: set[str] = UNSTORED_HEADERS, stored_at: float | None = None
) -> tuple:
    headers = [
        (name, value) for name, value in response.headers.items() if name.lower() not in unstored
    ]
    when = time.time() if stored_at is None else stored_at
    return (when, response.status_code, headers, response.content)


def _replay(entry: tuple, timeout: int, final: tuple | None = None) -> HttpResponse:
    stored_at, status, headers, content = entry
    response = HttpResponse(content, status=status)
    for name, value in headers:
        response.headers[name] = value
    remaining = max(0, timeout - int(time.time() - stored_at))
    _mark_public(response, remaining)
    patch_vary_headers(response, ("Cookie",))
    if final is not None:
        response._page_cache_final = (*final, stored_at)
    return response


# --- The fast path: cached pages answered before the session, CSRF, auth and CSP middleware ------
# A hit through the view decorator still costs the whole middleware stack, which on a spike is
# most of the work. PageCacheMiddleware sits just inside the security and CORS middleware; when a
# cookieless GET asks for a page it has seen, it answers from a copy that holds the headers the
# inner middleware added (CSP, X-Frame-Options, Vary, Content-Length). Copies are stored under the
# same namespace versions as the decorator's, so invalidation and the 5-second limit hold alike.

FINAL_UNSTORED_HEADERS = {"set-cookie", "cache-control", "expires", "age", "date"}
LOCAL_MAX_ROUTES = 4096
# (host, full path) -> (namespaces, timeout): learned from the decorator, per process.
_routes = LocalCopies(LOCAL_MAX_ROUTES, None)


def _final_key(key: str) -> str:
    return key.replace("page-cache:page:", "page-cache:final:", 1)


def _route(request: HttpRequest) -> tuple[str, str] | None:
    try:
        return (request.get_host(), request.get_full_path())
    except Exception:  # DisallowedHost and the like: let the full stack answer it
        return None


class PageCacheMiddleware:
    """Answer anonymous GETs of cached pages early; store the final copy of each cached page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        anonymous = request.method in CACHEABLE_METHODS and _is_anonymous_request(request)
        route = _route(request) if anonymous else None
        if route is not None:
            response = self._hit(request, route)
            if response is not None:
                return response
        response = self.get_response(request)
        final = getattr(response, "_page_cache_final", None)
        if final is not None and route is not None:
            self._store(route, response, final)
        return response

    @staticmethod
    def _hit(request: HttpRequest, route: tuple[str, str]) -> HttpResponse | None:
        known = _routes.get(route)
        if known is None:
            return None
        namespaces, timeout, params = known
        query = _query_key(request, params)
        if query is None:
            return None
        key = _page_key(request, _versions(namespaces), namespaces, query)
        entry = _lookup(_final_key(key), timeout)
        # The stored headers already say Vary: Cookie, so replaying adds nothing to them.
        return None if entry is None else _replay(entry, timeout)

    @staticmethod
    def _store(route: tuple[str, str], response: HttpResponse, final: tuple) -> None:
        key, namespaces, timeout, params, stored_at = final
        if response.cookies or response.status_code != 200 or response.streaming:
            return  # something further out made it personal after all
        remaining = timeout - (time.time() - stored_at)
        if remaining < 1:
            return
        entry = _entry(response, unstored=FINAL_UNSTORED_HEADERS, stored_at=stored_at)
        cache.set(_final_key(key), entry, int(remaining) or 1)
        _local_pages.put(_final_key(key), entry)
        _routes.put(route, (list(namespaces), timeout, params))
