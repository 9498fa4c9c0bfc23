"""Claiming jobs from a queue table so that several workers never take the same one, and
marking finished jobs in batches.

A claimed job is leased (claimed_until) rather than locked for the length of its work: the
work may take seconds of network I/O, and a worker that dies mid-way must not hold it for
ever. When the lease runs out the job is due again, so a crashed worker loses nothing.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from tortoise.models import Model

from models.base import utcnow
from models.db import database, placeholders
from models.queues import PENDING
from models.reads import ids_value, in_ids

log = logging.getLogger("flurfunk.queue")
LEASE = timedelta(minutes=5)
M = TypeVar("M", bound=Model)

# One statement leases the due rows and returns them whole. PostgreSQL: SKIP LOCKED lets many
# workers (in many processes) claim side by side without waiting on each other's rows; the row
# locks last only for this statement, the lease for the work (Tortoise's
# select_for_update(skip_locked=True) would need a transaction and two more round trips).
# SQLite (3.35+ for RETURNING): a statement runs under its single writer lock, so no other
# worker can take a row between the subquery choosing it and the UPDATE leasing it.
_CLAIM = (
    "UPDATE {table} SET claimed_until = {p}1 WHERE id IN ("
    "SELECT id FROM {table} WHERE state = {p}2 AND next_attempt_at <= {p}3"
    " AND (claimed_until IS NULL OR claimed_until < {p}3)"
    " ORDER BY next_attempt_at LIMIT {p}4{lock}) RETURNING *"
)


async def claim(model: type[M], limit: int) -> list[M]:
    """Take up to `limit` due jobs, oldest due first, leased for LEASE; returns them ordered by id."""
    if limit <= 0:
        return []
    db = database()
    postgres = db.capabilities.dialect == "postgres"
    sql = _CLAIM.format(
        table=model._meta.db_table, p="$" if postgres else "?", lock=" FOR UPDATE SKIP LOCKED" if postgres else ""
    )
    now = utcnow()
    rows = await db.execute_query_dict(sql, [now + LEASE, PENDING, now, limit])
    return sorted((model._init_from_db(**row) for row in rows), key=lambda job: job.pk)


async def release(model: type[Model], ids: list[int]) -> None:
    """Give back the leases of claimed jobs that were not worked on: due again at once."""
    await model.filter(id__in=ids).update(claimed_until=None)


async def next_due(model: type[Model]):
    """When the next pending job of `model` is due, or None when there is none."""
    row = await model.filter(state=PENDING).order_by("next_attempt_at").first().values("next_attempt_at")
    return row["next_attempt_at"] if row else None


class Finisher(Generic[M]):
    """Marks finished jobs of `model` with one UPDATE per batch instead of one per job.

    `add` records a job as finished with its column values; jobs with the same values are
    written together (claimed_until cleared, finished_at set, plus `always`: column → SQL
    expression, e.g. {"attempts": "attempts + 1"}) within `delay` seconds, or at once when
    `size` are waiting. The ids are bound as one list, so each outcome's UPDATE has the same
    text from one batch to the next and is prepared once (a new text per batch size had
    PostgreSQL parse and plan every batch, and Tortoise build it). Until then
    the job stays leased, so no worker takes it again; if the process dies first, the lease
    runs out and the job is done once more: the at-least-once gap every queue has between
    doing a job and recording it, widened by `delay`. `close` writes what is left.
    """

    def __init__(self, model: type[M], always: dict[str, str] | None = None, delay: float = 0.005, size: int = 256):
        self.model = model
        self.always = always or {}
        self.delay = delay
        self.size = size
        self._waiting: dict[tuple, list[int]] = {}
        self._count = 0
        self._timer: asyncio.TimerHandle | None = None
        self._writing: set[asyncio.Task] = set()

    def add(self, job_id: int, **values: Any) -> None:
        self._waiting.setdefault(tuple(sorted(values.items())), []).append(job_id)
        self._count += 1
        if self._count >= self.size:
            self._write_soon(0)
        elif self._timer is None:
            self._write_soon(self.delay)

    def _write_soon(self, delay: float) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = asyncio.get_running_loop().call_later(delay, self._start_writing)

    def _start_writing(self) -> None:
        self._timer = None
        task = asyncio.create_task(self.flush())
        self._writing.add(task)
        task.add_done_callback(self._writing.discard)

    async def flush(self) -> None:
        waiting, self._waiting, self._count = self._waiting, {}, 0
        now = utcnow()
        for key, ids in waiting.items():
            try:
                await self._write(ids, now, dict(key))
            except Exception:
                # Kept to try again: written late is better than done twice when the lease runs out.
                log.exception("marking %d finished %s failed", len(ids), self.model.__name__)
                self._waiting.setdefault(key, []).extend(ids)
                self._count += len(ids)
        if self._count and self._timer is None:
            self._write_soon(1.0)

    async def _write(self, ids: list[int], now: datetime, values: dict[str, Any]) -> None:
        db = database()
        dialect = db.capabilities.dialect
        fields = self.model._meta.fields_map
        assignments = ["claimed_until = NULL", "finished_at = ?", *(f"{name} = ?" for name in values)]
        assignments += [f"{name} = {expression}" for name, expression in self.always.items()]
        sql = f"UPDATE {self.model._meta.db_table} SET {', '.join(assignments)} WHERE id {in_ids(dialect)}"
        params = [fields["finished_at"].to_db_value(now, self.model)]
        params += [fields[name].to_db_value(value, self.model) for name, value in values.items()]
        await db.execute_query(placeholders(sql, dialect), [*params, ids_value(ids, dialect)])

    async def close(self) -> None:
        """Write everything added so far (those being written included)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._writing:
            await asyncio.gather(*self._writing)
        if self._waiting:
            await self.flush()
        if self._timer is not None:  # the last write failed; nothing more can be done here
            self._timer.cancel()
            self._timer = None
