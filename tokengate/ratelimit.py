"""Fixed-window rate limits in the Django cache (Redis when REDIS_URL is set, so every web
process shares the counts; an in-process cache otherwise)."""

from __future__ import annotations

import time

from django.core.cache import cache

from .errors import RateLimited, ServiceUnavailable


def _start_window(cache_key: str, window: int) -> int:
    """Create the window's entry at 1; if a concurrent request created it first, count on it."""
    try:
        if cache.add(cache_key, 1, timeout=window + 1):
            return 1
        return int(cache.incr(cache_key))
    except ValueError:  # the entry expired between add and incr
        cache.set(cache_key, 1, timeout=window + 1)
        return 1
    except Exception as exc:  # the limiter's store is down: fail closed
        raise ServiceUnavailable("The rate limiter is unavailable; try again shortly.") from exc


def hit(key: str, limit: tuple[int, int]) -> None:
    """Count one request against `key`; raise RateLimited past `limit` = (requests, seconds)."""
    allowed, window = limit
    now = time.time()
    bucket = int(now // window)
    cache_key = f"tokengate:rl:{key}:{bucket}"
    try:
        # Count first and create the window's entry only when it is missing: one cache call less
        # for every request but a window's first (on Redis a round trip less each time).
        count = cache.incr(cache_key)
    except ValueError:  # the window's first request
        count = _start_window(cache_key, window)
    except Exception as exc:  # the limiter's store is down: fail closed
        raise ServiceUnavailable("The rate limiter is unavailable; try again shortly.") from exc
    if count > allowed:
        raise RateLimited(retry_after=max(1, int((bucket + 1) * window - now) + 1))
