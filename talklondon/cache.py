"""Django's Redis cache, made to degrade to a miss while Redis is unreachable.

The cache only ever speeds things up here (pages, rate-limit counters), so an outage should
slow the site, not break it.
"""

import logging

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)
_OUTAGE = (RedisConnectionError, RedisTimeoutError, OSError)


class ResilientRedisCache(RedisCache):
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
