"""Removing finished queue rows: received activities and deliveries done or given up long ago.

Every received activity is kept as an `inbox_items` row with its whole body, and every
delivery as a `deliveries` row with its activity: without this, a node's database grows by a
few kilobytes for every activity it ever received or sent. Rows finished (done or failed) more
than RETENTION ago go, oldest first, in short batches so that no statement holds SQLite's
write lock for long; then the sent activities none of whose deliveries are left.

A received activity's row is what makes a redelivery of it a no-op (its unique activity id,
inbox/store.py): RETENTION is well past the longest a sender keeps retrying (Mastodon gives a
delivery up after about two and a half days).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from models.base import utcnow
from models.db import database, placeholders
from models.queues import PENDING, Delivery, InboxItem

RETENTION = timedelta(days=14)
BATCH = 500
# Looked for hourly (workers.py), like other clean-ups.
CLEANUP_SECONDS = 3600.0

_FINISHED = (
    "DELETE FROM {table} WHERE id IN (SELECT id FROM {table} WHERE state != ? AND finished_at < ? ORDER BY id LIMIT ?)"
)
_UNUSED_ACTIVITIES = (
    "DELETE FROM outgoing_activities WHERE id IN (SELECT o.id FROM outgoing_activities o WHERE o.created_at < ?"
    " AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.activity_id = o.id) ORDER BY o.id LIMIT ?)"
)


async def remove_finished_queue_rows(now: datetime | None = None, retention: timedelta = RETENTION) -> int:
    """Delete inbox items, deliveries and sent activities finished more than `retention` ago; returns how many."""
    cutoff = (now or utcnow()) - retention
    removed = 0
    for model in (InboxItem, Delivery):
        finished_at = model._meta.fields_map["finished_at"].to_db_value(cutoff, model)
        sql = _FINISHED.format(table=model._meta.db_table)
        removed += await _in_batches(sql, [PENDING, finished_at])
    created_at = Delivery._meta.fields_map["created_at"].to_db_value(cutoff, Delivery)
    return removed + await _in_batches(_UNUSED_ACTIVITIES, [created_at])


async def _in_batches(sql: str, params: list) -> int:
    db = database()
    text = placeholders(sql, db.capabilities.dialect)
    removed = 0
    while True:
        count, _ = await db.execute_query(text, [*params, BATCH])
        removed += count
        if count < BATCH:
            return removed
