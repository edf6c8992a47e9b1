"""Request limits counted in Django's cache, so that every app server sharing Redis shares the
count. A rate reads like the API's: "10/hour", "200/day", "5/10min"; empty or None: no limit.

Counts are kept in fixed windows (one key per window, expiring with it). A cache that cannot be
reached lets the request through and logs it: the limits are a guard, not a dependency.
"""

import functools
import logging
import math
import re
import time

from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger(__name__)

UNITS = {
    "s": 1,
    "sec": 1,
    "second": 1,
    "m": 60,
    "min": 60,
    "minute": 60,
    "h": 3600,
    "hour": 3600,
    "d": 86400,
    "day": 86400,
}
RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([a-z]+?)s?\s*$")


@functools.cache
def parse_rate(rate):
    """(requests, seconds) for a rate such as "10/hour" or "5/10min"; None for no limit."""
    if not rate:
        return None
    match = RATE.match(str(rate).lower())
    if not match or match.group(3) not in UNITS or int(match.group(2) or 1) < 1:
        raise ImproperlyConfigured(f"Not a rate: {rate!r} (e.g. 10/hour, 200/day, 5/10min)")
    return int(match.group(1)), int(match.group(2) or 1) * UNITS[match.group(3)]


def wait_seconds(scope, ident, rate):
    """Count one request of `ident` against `rate`. Returns 0 if it is within the rate, else
    the seconds until the current window ends (for Retry-After)."""
    limit = parse_rate(rate)
    if limit is None:
        return 0
    allowed, period = limit
    now = time.time()
    window = int(now // period)
    key = f"ratelimit:{scope}:{ident}:{window}"
    try:
        cache.add(key, 0, timeout=period + 1)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.set(key, 1, timeout=period + 1)
            count = 1
    except Exception:  # a cache outage must not stop the request: fail open
        logger.warning(
            "rate limit %s: cache unavailable, request let through", scope, exc_info=True
        )
        return 0
    if count <= allowed:
        return 0
    return max(1, math.ceil((window + 1) * period - now))
