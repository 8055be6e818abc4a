"""The cache helpers every app uses: namespace versions in the shared cache, and the bounded,
expiring copies each process keeps (pages, namespace versions, survey structures)."""

import sys
import threading
import time

import pytest
from django.core.cache import cache

from talklondon.cache import (
    LocalCopies,
    namespace_bump,
    namespace_cached,
    namespace_version_key,
    namespace_versions,
)

# --- Per-process copies ------------------------------------------------------------------------


def test_copies_stay_within_their_bound_the_least_recently_used_going_first():
    copies = LocalCopies(2, 60)
    copies.put("a", 1)
    copies.put("b", 2)
    assert copies.get("a") == 1  # used: now the most recent
    copies.put("c", 3)
    assert copies.get("b") is None
    assert (copies.get("a"), copies.get("c"), len(copies)) == (1, 3, 2)
    copies.pop("a")
    copies.clear()
    assert copies.get("c", "gone") == "gone"


def test_copies_expire():
    copies = LocalCopies(10, 0.05)
    copies.put("a", 1)
    assert copies.get("a") == 1
    time.sleep(0.06)
    assert copies.get("a") is None


def test_no_age_limit_keeps_copies_until_the_bound_pushes_them_out():
    copies = LocalCopies(1, None)
    copies.put("a", 1)
    time.sleep(0.01)
    assert copies.get("a") == 1
    copies.put("b", 2)
    assert copies.get("a") is None


def test_the_age_limit_is_read_on_every_use_and_zero_keeps_nothing():
    limit = {"seconds": 60}
    copies = LocalCopies(10, lambda: limit["seconds"])
    copies.put("a", 1)
    limit["seconds"] = 0  # turned off: nothing is kept, nothing is served
    assert copies.get("a") is None
    copies.put("a", 1)
    assert copies.get("a") is None and len(copies) == 0
    limit["seconds"] = 30  # on again: a fresh start, not the copies from before
    assert copies.get("a") is None


def test_copies_are_safe_to_share_between_threads():
    copies = LocalCopies(50, 60)
    errors = []

    def hammer(offset):
        try:
            for i in range(3000):
                key = (offset * 7 + i) % 200
                copies.put(key, i)
                copies.get((key + 1) % 200)
                if i % 5 == 0:
                    copies.pop((key + 2) % 200)
        except Exception as exc:  # noqa: BLE001 - any failure is the finding
            errors.append(exc)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        threads = [threading.Thread(target=hammer, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert errors == []
    assert len(copies) <= 50


# --- Namespace versions ------------------------------------------------------------------------


@pytest.fixture
def shared_cache():
    cache.clear()
    yield cache
    cache.clear()


def _counting_builder(calls: list):
    def build():
        calls.append(1)
        return len(calls)

    return build


@pytest.mark.usefixtures("shared_cache")
def test_a_bump_makes_every_entry_of_the_namespace_stale_and_no_other():
    calls = []
    build = _counting_builder(calls)
    assert namespace_cached("figures", "a", build, timeout=60) == 1
    assert namespace_cached("figures", "b", build, timeout=60) == 2
    assert namespace_cached("other", "a", build, timeout=60) == 3
    assert namespace_cached("figures", "a", build, timeout=60) == 1  # cached
    namespace_bump(["figures"])
    assert namespace_cached("figures", "a", build, timeout=60) == 4
    assert namespace_cached("figures", "b", build, timeout=60) == 5
    assert namespace_cached("other", "a", build, timeout=60) == 3


@pytest.mark.usefixtures("shared_cache")
def test_a_lost_version_never_brings_back_entries_stored_under_an_old_one():
    calls = []
    build = _counting_builder(calls)
    assert namespace_cached("figures", "a", build, timeout=60) == 1
    cache.delete(namespace_version_key("figures"))  # evicted, or Redis restarted without it
    namespace_bump(["figures"])
    assert namespace_cached("figures", "a", build, timeout=60) == 2
    cache.delete(namespace_version_key("figures"))
    assert namespace_cached("figures", "a", build, timeout=60) == 3


@pytest.mark.usefixtures("shared_cache")
def test_versions_remembered_by_a_process_see_its_own_bump_at_once_and_others_later():
    local = LocalCopies(10, 1)
    (first,) = namespace_versions(["board"], local=local)
    namespace_bump(["board"], local=local)
    (after_own_bump,) = namespace_versions(["board"], local=local)
    assert after_own_bump != first
    cache.incr(namespace_version_key("board"))  # another process's bump
    assert namespace_versions(["board"], local=local) == [after_own_bump]
    assert namespace_versions(["board"]) != [after_own_bump]  # the shared cache has it
    time.sleep(1.05)
    assert namespace_versions(["board"], local=local) == namespace_versions(["board"])


# --- The shared cache's Redis client ------------------------------------------------------------


def test_the_redis_cache_keeps_one_client_and_still_works():
    """Django builds a redis.Redis per cache call; ours keeps one per connection pool."""
    from django.core.cache.backends.redis import RedisCache

    from talklondon.cache import ResilientRedisCache

    redis_url = "redis://127.0.0.1:6379/15"
    ours = ResilientRedisCache(redis_url, {"OPTIONS": {"socket_connect_timeout": 0.5}})
    django_own = RedisCache(redis_url, {})
    assert django_own._cache.get_client() is not django_own._cache.get_client()
    first = ours._cache.get_client()
    assert ours._cache.get_client() is first
    assert ours._cache.get_client(write=True) is first  # one server: one pool
    try:
        ours.set("reuse-probe", 41)
    except Exception:  # noqa: BLE001 - the suite can run without Redis
        pytest.skip("no Redis on this machine")
    if ours.get("reuse-probe") is None:
        pytest.skip("no Redis on this machine")
    assert ours.incr("reuse-probe") == 42
    ours.delete("reuse-probe")
