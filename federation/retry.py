"""When to try a failed delivery again, and when to give up (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

# Doubling from 30 seconds, capped at 8 hours: attempts at 30s, 1m, 2m ... reach about two
# days after the first try by the 16th attempt, roughly Mastodon's Sidekiq schedule.
FIRST_DELAY = 30
MAX_DELAY = 8 * 3600
GIVE_UP_AFTER = timedelta(days=2)
# 4xx means "never going to work" except for these (auth may be fixed by a key refetch,
# the others are about load or timing).
RETRYABLE_4XX = {401, 408, 429}


def is_permanent(status: int) -> bool:
    return 400 <= status < 500 and status not in RETRYABLE_4XX


def retry_after(header: str | None, now: datetime) -> datetime | None:
    """The time a Retry-After header (seconds or an HTTP date) asks us to wait until."""
    if not header:
        return None
    header = header.strip()
    if header.isdigit():
        return now + timedelta(seconds=min(int(header), MAX_DELAY))
    try:
        when = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return min(when, now + timedelta(seconds=MAX_DELAY))


def next_attempt(
    attempts: int, first_tried: datetime, now: datetime, status: int | None, retry_after_header: str | None
) -> datetime | None:
    """When to retry after `attempts` failed tries, or None to give up."""
    if status is not None and is_permanent(status):
        return None
    if now - first_tried > GIVE_UP_AFTER:
        return None
    delay = min(FIRST_DELAY * 2 ** max(attempts - 1, 0), MAX_DELAY)
    when = now + timedelta(seconds=delay)
    asked = retry_after(retry_after_header, now)
    return max(when, asked) if asked else when
