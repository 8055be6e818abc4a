"""Views used only by test_service_unavailable: each fails the way a backing service does."""

from django.db.utils import OperationalError
from django.urls import path
from redis.exceptions import ConnectionError as RedisConnectionError

from talklondon import urls as site_urls


def database_down(request):
    raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")


def redis_down(request):
    raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


def bug(request):
    raise ValueError("a programming error")


urlpatterns = [
    path("test/database-down/", database_down),
    path("test/redis-down/", redis_down),
    path("test/bug/", bug),
    path("api/v1/test/database-down/", database_down),
    *site_urls.urlpatterns,
]
handler404 = site_urls.handler404
handler500 = site_urls.handler500
