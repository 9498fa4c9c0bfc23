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


def id_floor(at: datetime) -> int:
    """The smallest id made at `at`: for paging by time."""
    return int(at.timestamp() * 1000) << 16
