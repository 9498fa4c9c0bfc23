"""Time-ordered 64-bit ids, like Mastodon's: sorting by id sorts by creation time.

The upper bits are milliseconds since the Unix epoch, the lower 16 a per-process
sequence that starts at a random point, so ids from several processes rarely collide
and ids made in one millisecond by one process never do.
"""

from __future__ import annotations

import itertools
import secrets
import time
from datetime import datetime

_sequence = itertools.count(secrets.randbelow(1 << 16))


def new_id(at: datetime | None = None) -> int:
    millis = int((at.timestamp() if at else time.time()) * 1000)
    return (millis << 16) | (next(_sequence) & 0xFFFF)


def id_published(published: datetime, now: datetime) -> int:
    """An id for something another server made at `published`, never later than `now`.

    ActivityPub timestamps mostly come in whole seconds, so every post published in one second
    would share one millisecond, told apart only by the 16-bit sequence, whichever worker
    process stores it, and two processes' sequences do meet (the inbox benchmark on PostgreSQL
    hit it in about one run in ten). Such a timestamp is given the millisecond it arrived in:
    posts of one second spread over a thousand values and stay in that second, in arrival order.
    """
    at = min(published, now)
    if at.microsecond == 0:
        at = at.replace(microsecond=now.microsecond // 1000 * 1000)
        at = min(at, now)
    return new_id(at)


def id_floor(at: datetime) -> int:
    """The smallest id made at `at`: for paging by time."""
    return int(at.timestamp() * 1000) << 16
