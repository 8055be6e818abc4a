"""Views used only by test_page_cache: each one exercises one rule of the page cache."""

from django.contrib import messages
from django.http import HttpResponse, StreamingHttpResponse
from django.template import engines
from django.template.response import TemplateResponse
from django.urls import path
from django.views.decorators.cache import never_cache
from rest_framework.decorators import api_view
from rest_framework.response import Response

from consultation import views as consultation_views
from talklondon import urls as site_urls
from talklondon.page_cache import cache_anonymous_page

CALLS: dict[str, int] = {}
CONTENT: dict[str, str] = {"board": "first"}


def _count(name: str) -> int:
    CALLS[name] = CALLS.get(name, 0) + 1
    return CALLS[name]


def _template(source: str):
    return engines["django"].from_string(source)


@cache_anonymous_page("board")
def board(request):
    _count("board")
    return HttpResponse(f"<p>{CONTENT['board']}</p>")


@cache_anonymous_page(lambda request, slug: ["board", f"topic:{slug}"])
def topic(request, slug):
    _count(f"topic:{slug}")
    return HttpResponse(f"<p>{slug} {CONTENT.get(slug, '')}</p>")


@cache_anonymous_page("forms")
def with_form(request):
    _count("with_form")
    page = _template('<form method="post">{% csrf_token %}<button>Send</button></form>')
    return HttpResponse(page.render({}, request))


@cache_anonymous_page("forms")
def lazy_form(request):
    _count("lazy_form")
    page = _template('<form method="post">{% csrf_token %}<button>Send</button></form>')
    return TemplateResponse(request, page, {})


@cache_anonymous_page("lazy")
def lazy_plain(request):
    _count("lazy_plain")
    return TemplateResponse(request, "pages/cookies.html", {"page_title": "Cookies"})


@cache_anonymous_page("messages")
def with_message(request):
    _count("with_message")
    messages.success(request, "Your comment was published")
    return HttpResponse("<p>done</p>")


@cache_anonymous_page("cookies")
def sets_cookie(request):
    _count("sets_cookie")
    response = HttpResponse("<p>hello</p>")
    response.set_cookie("seen", "1")
    return response


@cache_anonymous_page("session")
def writes_session(request):
    _count("writes_session")
    request.session["visited"] = True
    return HttpResponse("<p>hello</p>")


@cache_anonymous_page("nonce")
def uses_nonce(request):
    _count("uses_nonce")
    return HttpResponse(f"<p>{request.csp_nonce}</p>")


@cache_anonymous_page("own")
@never_cache
def own_cache_control(request):
    _count("own_cache_control")
    return HttpResponse("<p>fresh</p>")


@cache_anonymous_page("missing")
def missing(request):
    _count("missing")
    return HttpResponse("<p>gone</p>", status=404)


@cache_anonymous_page("stream")
def stream(request):
    _count("stream")
    return StreamingHttpResponse(iter([b"a", b"b"]))


@cache_anonymous_page("vary")
def varies(request):
    _count("varies")
    response = HttpResponse("<p>depends</p>")
    response["Vary"] = "User-Agent"
    return response


@cache_anonymous_page("post")
def accepts_post(request):
    _count(f"accepts_post:{request.method}")
    return HttpResponse("<p>ok</p>")


@cache_anonymous_page("api")
@api_view(["GET"])
def api_figures(request):
    _count("api_figures")
    return Response({"stops": 42})


@cache_anonymous_page("home")
def home(request):
    _count("home")
    return consultation_views.home(request)


@cache_anonymous_page("short", timeout=1)
def short(request):
    _count("short")
    return HttpResponse(f"<p>{CONTENT.get('short', '')}</p>")


urlpatterns = [
    path("t/board/", board),
    path("t/topic/<slug:slug>/", topic),
    path("t/form/", with_form),
    path("t/lazy-form/", lazy_form),
    path("t/lazy/", lazy_plain),
    path("t/message/", with_message),
    path("t/cookie/", sets_cookie),
    path("t/session/", writes_session),
    path("t/nonce/", uses_nonce),
    path("t/own/", own_cache_control),
    path("t/missing/", missing),
    path("t/stream/", stream),
    path("t/vary/", varies),
    path("t/post/", accepts_post),
    path("t/api/", api_figures),
    path("t/home/", home),
    path("t/short/", short),
    *site_urls.urlpatterns,
]
