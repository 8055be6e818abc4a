"""Caching of public pages' data and API responses, invalidated on every publication.

Every key includes a generation number; publishing a release increments it, so nothing stale
survives a release, and nothing unpublished is ever cached (only published data is read)."""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache

GENERATION_KEY = "anpr:generation"


def cache_timeout() -> int:
    return int(getattr(settings, "ANPR_CACHE_SECONDS", 3600))


def generation() -> int:
    value = cache.get(GENERATION_KEY)
    if value is None:
        value = 1
        cache.add(GENERATION_KEY, value, timeout=None)
    return int(value)


def bump() -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, 2, timeout=None)


def cached(key: str, builder: Callable[[], Any], timeout: int | None = None) -> Any:
    full_key = f"anpr:{generation()}:{key}"
    value = cache.get(full_key)
    if value is None:
        value = builder()
        cache.set(full_key, value, timeout=timeout or cache_timeout())
    return value
