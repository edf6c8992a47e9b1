"""The shared cache (REDIS_URL), for which an outage is not a site outage.

Everything kept in the cache can be rebuilt: whole pages (roles/site/caching.py), Wagtail's site
root paths, the API throttle's counters, the subscribe limits. So when Redis is unreachable, every
cache call answers as a miss instead of raising: a read gives its default, a write is dropped.
Pages are served uncached, and the limits that count in the cache let requests through (they
fail open) until Redis is back.

Each failed call costs up to the 1 s socket timeouts. So that a request with several cache calls
is not several seconds slower, the first failure opens a circuit breaker: for `RETRY_AFTER`
seconds (5 by default) no call reaches Redis in this process; the first call after that tries
again. The state is per process and per Redis location, shared by the process's threads and by
every backend instance Django creates for them. One warning is logged when the breaker opens and
one when Redis answers again.
"""

import logging
import threading
import time

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError)
DEFAULT_RETRY_AFTER = 5.0

_lock = threading.Lock()
_closed_until = {}  # location → time.monotonic() before which Redis is not asked again
_failing = set()  # locations whose last call failed


class ResilientRedisCache(RedisCache):
    """Django's Redis cache; an unreachable Redis answers as an empty cache (see the module)."""

    def __init__(self, server, params):
        options = dict(params.get("OPTIONS") or {})
        self.retry_after = float(options.pop("RETRY_AFTER", DEFAULT_RETRY_AFTER))
        super().__init__(server, {**params, "OPTIONS": options})
        self.location = ",".join(self._servers)

    # The breaker.

    def is_available(self):
        """False while the breaker is open: Redis failed less than `retry_after` seconds ago."""
        return time.monotonic() >= _closed_until.get(self.location, 0.0)

    def _call(self, default, method, *args, **kwargs):
        if not self.is_available():
            return default
        try:
            result = method(*args, **kwargs)
        except UNREACHABLE as error:
            with _lock:
                _closed_until[self.location] = time.monotonic() + self.retry_after
                first = self.location not in _failing
                _failing.add(self.location)
            if first:
                logger.warning(
                    "cache unavailable (%s: %s): pages are served uncached, limits kept in the "
                    "cache let requests through; next try in %s s",
                    type(error).__name__,
                    error,
                    self.retry_after,
                )
            return default
        if self.location in _failing:
            with _lock:
                _failing.discard(self.location)
            logger.warning("cache available again")
        return result

    def ping(self):
        """Whether Redis answers now (for /healthz); respects the breaker."""
        return bool(self._call(False, lambda: self._cache.get_client().ping()))

    # Every operation of Django's backend; the async ones call these.

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(False, super().add, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._call(default, super().get, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(None, super().set, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(False, super().touch, key, timeout, version)

    def delete(self, key, version=None):
        return self._call(False, super().delete, key, version)

    def get_many(self, keys, version=None):
        return self._call({}, super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self._call(False, super().has_key, key, version)

    def incr(self, key, delta=1, version=None):
        # As if the key were new: a counter kept in the cache starts again (fails open).
        return self._call(delta, super().incr, key, delta, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        # Django's contract: the keys that could not be stored.
        return self._call(list(data), super().set_many, data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._call(None, super().delete_many, keys, version)

    def clear(self):
        return self._call(False, super().clear)
