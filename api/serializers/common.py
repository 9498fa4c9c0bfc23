from __future__ import annotations

from datetime import UTC, datetime


def iso_ms(dt: datetime | None) -> str | None:
    """Mastodon's timestamps: UTC, milliseconds, a Z."""
    if dt is None:
        return None
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def day_of(dt: datetime | None) -> str | None:
    return dt.astimezone(UTC).strftime("%Y-%m-%d") if dt else None
