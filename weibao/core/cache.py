"""The shared cache: Django's Redis backend, made to degrade rather than fail.

Every cached thing in Weibao (short-lived counts, pick lists and their version, rendered fragments keyed by a digest,
an IM access token) can be computed again, so a cache that is down must cost speed, not pages: a Redis error is
logged, reads become misses and writes are dropped, and the process leaves Redis alone for
`WEIBAO_CACHE_RETRY_SECONDS` before it tries again (so an unreachable host does not add a connect timeout to every
request). `clear()` deletes only this cache's keys (its KEY_PREFIX), never the whole Redis database, which the
scheduler's lock may share.
"""

import logging
import threading
import time

from django.core.cache.backends.redis import RedisCache, RedisCacheClient

logger = logging.getLogger(__name__)

_MISSING = object()


class _Breaker:
    """Per process: after a failure, Redis is skipped for `pause` seconds."""

    def __init__(self, pause: float):
        self.pause = pause
        self.open_until = 0.0
        self._lock = threading.Lock()

    def is_open(self) -> bool:
        return time.monotonic() < self.open_until

    def trip(self, exc: Exception) -> None:
        with self._lock:
            if self.is_open():
                return
            self.open_until = time.monotonic() + self.pause
        logger.warning("Cache (Redis) unavailable, pages run without it for %.0f s: %s", self.pause, exc)


class TolerantRedisCacheClient(RedisCacheClient):
    def __init__(self, servers, *, retry_seconds: float = 10.0, **options):
        super().__init__(servers, **options)
        self.breaker = _Breaker(retry_seconds)

    def _guard(self, call, fallback):
        if self.breaker.is_open():
            return fallback
        try:
            return call()
        except self._lib.RedisError as exc:
            self.breaker.trip(exc)
            return fallback

    def _tolerant(self, name: str, fallback, *args):
        """Django's client method `name`, with `fallback` for its result when Redis fails or is being left alone."""
        return self._guard(lambda: getattr(RedisCacheClient, name)(self, *args), fallback)

    def get(self, key, default):
        return self._tolerant("get", default, key, default)

    def get_many(self, keys):
        return self._tolerant("get_many", {}, keys)

    def has_key(self, key):
        return self._tolerant("has_key", False, key)

    def add(self, key, value, timeout):
        return self._tolerant("add", False, key, value, timeout)

    def set(self, key, value, timeout):
        self._tolerant("set", None, key, value, timeout)

    def set_many(self, data, timeout):
        self._tolerant("set_many", None, data, timeout)

    def touch(self, key, timeout):
        return self._tolerant("touch", False, key, timeout)

    def delete(self, key):
        return self._tolerant("delete", False, key)

    def delete_many(self, keys):
        self._tolerant("delete_many", None, keys)

    def incr(self, key, delta):
        result = self._tolerant("incr", _MISSING, key, delta)
        if result is _MISSING:
            raise ValueError(f"Key '{key}' not found.")  # as for a missing key: the caller starts the count anew
        return result

    def clear_matching(self, pattern: str) -> bool:
        def delete_all():
            client = self.get_client(None, write=True)
            batch = []
            for key in client.scan_iter(match=pattern, count=1000):
                batch.append(key)
                if len(batch) == 1000:
                    client.delete(*batch)
                    batch = []
            if batch:
                client.delete(*batch)
            return True

        return self._guard(delete_all, False)


class TolerantRedisCache(RedisCache):
    """CACHES backend: `weibao.core.cache.TolerantRedisCache` (settings: WEIBAO_CACHE_URL, else REDIS_URL)."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = TolerantRedisCacheClient

    def clear(self):
        """Delete this cache's keys (KEY_PREFIX), not the rest of the Redis database."""
        return self._cache.clear_matching(self.make_key("*", version="*"))
