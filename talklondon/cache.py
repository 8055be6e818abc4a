"""Caching, in one place: the shared cache, namespaces that go stale together, and the copies
each process keeps.

- `ResilientRedisCache`: Django's Redis cache, made to degrade to a miss while Redis is
  unreachable. The cache only ever speeds things up here (pages, published figures, rate-limit
  counters), so an outage should slow the site, not break it.
- Namespace versions: every entry of a namespace ("anpr-published", "consultation:<slug>") is
  stored under the namespace's current version number, kept in the shared cache.
  `namespace_bump` changes the number, so every entry stored under the old one is never read
  again, in every process, and expires on its own. `namespace_cached` is get-or-build under a
  namespace; the anonymous page cache (talklondon/page_cache.py) keys its pages the same way.
- `LocalCopies`: what one process keeps of shared data (cached pages, namespace versions, a
  survey's structure) to save a round trip, bounded in number and in age (cachetools), and
  safe under gunicorn's threads.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable, Sequence
from typing import Any

from cachetools import LRUCache, TTLCache
from django.core.cache import cache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)
_OUTAGE = (RedisConnectionError, RedisTimeoutError, OSError)


class _ReusedClientCache(RedisCacheClient):
    """Django's Redis cache client, keeping one `redis.Redis` per connection pool.

    Django builds a new `redis.Redis` for every cache call (its constructor fills a table of
    about eighty reply handlers), six times in a survey POST. A client over a connection pool
    is safe to share between threads, so each pool gets one for the life of the process."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients: dict = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _ReusedClientCache

    def _guard(self, name, default, *args, **kwargs):
        try:
            return getattr(super(), name)(*args, **kwargs)
        except _OUTAGE as exc:
            logger.warning("Cache unavailable during %s: %s", name, exc)
            return default

    def get(self, key, default=None, version=None):
        return self._guard("get", default, key, default, version)

    def get_many(self, keys, version=None):
        return self._guard("get_many", {}, keys, version)

    def set(self, key, value, timeout=None, version=None):
        return self._guard("set", None, key, value, timeout, version)

    def set_many(self, data, timeout=None, version=None):
        return self._guard("set_many", [], data, timeout, version)

    def add(self, key, value, timeout=None, version=None):
        return self._guard("add", True, key, value, timeout, version)

    def delete(self, key, version=None):
        return self._guard("delete", False, key, version)

    def delete_many(self, keys, version=None):
        return self._guard("delete_many", None, keys, version)

    def incr(self, key, delta=1, version=None):
        # django-ratelimit and allauth count with incr; during an outage, count nothing.
        return self._guard("incr", delta, key, delta, version)

    def touch(self, key, timeout=None, version=None):
        return self._guard("touch", False, key, timeout, version)

    def has_key(self, key, version=None):
        return self._guard("has_key", False, key, version)

    def clear(self):
        return self._guard("clear", None)


# --- Per-process copies ----------------------------------------------------------------------


class LocalCopies:
    """A bounded, expiring store of this process's copies, safe to share between threads.

    `seconds` is how long a copy may be used: a number, or a function read on every use (a
    setting that tests turn on and off; a change starts the store afresh). 0 keeps nothing;
    None keeps copies until they are the least recently used beyond `max_entries`.
    """

    def __init__(self, max_entries: int, seconds: float | Callable[[], float] | None):
        self.max_entries = max_entries
        self._seconds = seconds
        # cachetools' caches are not thread-safe: every use, reads included, takes the lock.
        self._lock = threading.Lock()
        self._made_for: float | None = None
        self._copies: LRUCache | None = None

    def _store(self) -> LRUCache | None:
        seconds = self._seconds() if callable(self._seconds) else self._seconds
        if self._copies is None or seconds != self._made_for:
            self._made_for = seconds
            if seconds is None:
                self._copies = LRUCache(self.max_entries)
            elif seconds > 0:
                self._copies = TTLCache(self.max_entries, seconds, timer=time.monotonic)
            else:
                self._copies = None
        return self._copies

    def get(self, key: Hashable, default: Any = None) -> Any:
        with self._lock:
            copies = self._store()
            return default if copies is None else copies.get(key, default)

    def put(self, key: Hashable, value: Any) -> None:
        with self._lock:
            copies = self._store()
            if copies is not None:
                copies[key] = value

    def pop(self, key: Hashable) -> None:
        with self._lock:
            if self._copies is not None:
                self._copies.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            if self._copies is not None:
                self._copies.clear()

    def __len__(self) -> int:
        with self._lock:
            return 0 if self._copies is None else len(self._copies)


# --- Namespace versions ----------------------------------------------------------------------


def namespace_version_key(namespace: str) -> str:
    """Where the shared cache keeps a namespace's version number."""
    return f"cache-version:{namespace}"


def _fresh_version() -> int:
    # Time-based so that a version key lost to eviction or a Redis restart never comes back
    # with a number that old entries were stored under.
    return time.time_ns() // 1000


def namespace_versions(
    namespaces: Sequence[str], *, local: LocalCopies | None = None
) -> list[int | None]:
    """Each namespace's current version (None only while the shared cache is unreachable).

    With `local`, versions this process read less than its age limit ago are used without a
    round trip: a bump made by another process shows here that much later.
    """
    known: dict[str, int] = {}
    if local is not None:
        for name in namespaces:
            version = local.get(name)
            if version is not None:
                known[name] = version
    missing = [name for name in namespaces if name not in known]
    if missing:
        found = cache.get_many([namespace_version_key(name) for name in missing])
        for name in missing:
            key = namespace_version_key(name)
            version = found.get(key)
            if version is None:
                cache.add(key, _fresh_version(), timeout=None)
                version = cache.get(key)
            known[name] = version
            if local is not None and version is not None:
                local.put(name, version)
    return [known[name] for name in namespaces]


def namespace_bump(namespaces: Sequence[str], *, local: LocalCopies | None = None) -> None:
    """Make every entry stored under these namespaces stale, in every process."""
    for name in namespaces:
        if local is not None:
            local.pop(name)
        key = namespace_version_key(name)
        try:
            cache.incr(key)
        except ValueError:
            # No version yet (never used, or evicted): any fresh one differs from the old.
            cache.set(key, _fresh_version(), timeout=None)


def namespace_cached(namespace: str, key: str, build: Callable[[], Any], *, timeout: int) -> Any:
    """The value stored under `key` in the namespace's current version, built and stored
    (for `timeout` seconds) when there is none. `build` must not return None."""
    (version,) = namespace_versions([namespace])
    full_key = f"cached:{namespace}:{version}:{key}"
    value = cache.get(full_key)
    if value is None:
        value = build()
        cache.set(full_key, value, timeout=timeout)
    return value
