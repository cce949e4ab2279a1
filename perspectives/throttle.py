"""A fixed-window request limit on the invitation links' page, kept in Django's cache.

One link (or, for links that open nothing, one address) may make settings.PERSPECTIVE_LINK_RATE
requests a minute: plenty for someone answering (each change autosaves once), too few to flood
the database or to try tokens at any useful pace (they are 256-bit random anyway). With several
app servers the cache must be shared (see the README's deployment notes); with a per-process
cache each server counts on its own, so the limit is that many times looser, never stricter.
"""

from __future__ import annotations

import time

from django.core.cache import cache

WINDOW_SECONDS = 60


def allow(key: str, limit: int, *, now: float | None = None) -> bool:
    """Count one request under ``key``; False once the window's ``limit`` is used up."""
    window = int((now if now is not None else time.time()) // WINDOW_SECONDS)
    name = f"throttle:{key}:{window}"
    if cache.add(name, 1, timeout=WINDOW_SECONDS * 2):
        return limit >= 1
    try:
        count = cache.incr(name)
    except ValueError:  # expired between add and incr
        cache.add(name, 1, timeout=WINDOW_SECONDS * 2)
        count = 1
    return count <= limit


def seconds_to_next_window(now: float | None = None) -> int:
    now = now if now is not None else time.time()
    return WINDOW_SECONDS - int(now % WINDOW_SECONDS)
