"""Slowing down password guessing: after a few failed logins a user must wait, longer each time."""

from __future__ import annotations

from datetime import datetime, timedelta

# Mastodon throttles sign-in attempts per IP with rack-attack; we throttle per user, so
# that a guesser behind many addresses gets no further. Five misses are free (typos).
FREE_FAILURES = 5
MAX_DELAY = timedelta(hours=1)


def locked_until(failures: int, last_failure: datetime | None, base_seconds: float) -> datetime | None:
    """Until when logins are refused after `failures` misses, the last at `last_failure`; None if not locked."""
    if failures < FREE_FAILURES or last_failure is None:
        return None
    seconds = min(base_seconds * 2 ** (failures - FREE_FAILURES), MAX_DELAY.total_seconds())
    return last_failure + timedelta(seconds=seconds)
