"""Removing uploads that never made it into a post: their rows and their files.

Mastodon's MediaCleanupScheduler does the same for media left unattached for a day; a client
that uploads and then abandons the post would otherwise fill the disk.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from pathlib import Path

from media import storage
from models.base import utcnow
from models.scheduled import ScheduledStatus
from models.statuses import MediaAttachment

UNATTACHED_TTL = timedelta(hours=24)
BATCH = 200


async def remove_unattached_media(media_dir: Path, now: datetime | None = None, ttl: timedelta = UNATTACHED_TTL) -> int:
    """Delete media older than `ttl` that no status uses; returns how many went."""
    cutoff = (now or utcnow()) - ttl
    reserved = await _scheduled_media_ids()
    removed = 0
    after = 0
    while True:
        stale = [
            m
            for m in await MediaAttachment.filter(status_id=None, created_at__lt=cutoff, id__gt=after)
            .order_by("id")
            .limit(BATCH)
        ]
        if not stale:
            return removed
        after = stale[-1].id
        candidates = [m for m in stale if m.id not in reserved]
        ids = [m.id for m in candidates]
        # Only rows still unattached go: a post may have taken one since the query above.
        await MediaAttachment.filter(id__in=ids, status_id=None).delete()
        kept = set(await MediaAttachment.filter(id__in=ids).values_list("id", flat=True))
        gone = [m for m in candidates if m.id not in kept]
        await asyncio.to_thread(storage.remove, media_dir, [n for m in gone for n in (m.file, m.preview_file)])
        removed += len(gone)


async def _scheduled_media_ids() -> set[int]:
    """Media that a scheduled status will attach when it is published (Mastodon keeps those too)."""
    found: set[int] = set()
    for params in await ScheduledStatus.all().values_list("params", flat=True):
        for value in (params or {}).get("media_ids") or []:
            if str(value).isdigit():
                found.add(int(value))
    return found
