"""Claiming jobs from a queue table so that several workers never take the same one.

A claimed job is leased (claimed_until) rather than locked for the length of its work: the
work may take seconds of network I/O, and a worker that dies mid-way must not hold it for
ever. When the lease runs out the job is due again, so a crashed worker loses nothing.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TypeVar

from tortoise.expressions import Q
from tortoise.models import Model

from models.base import utcnow
from models.db import database
from models.queues import PENDING

LEASE = timedelta(minutes=5)
M = TypeVar("M", bound=Model)


def _due(now) -> Q:
    return Q(state=PENDING, next_attempt_at__lte=now) & (Q(claimed_until=None) | Q(claimed_until__lt=now))


async def claim(model: type[M], limit: int) -> list[M]:
    """Take up to `limit` due jobs, oldest due first, leased for LEASE; returns them ordered by id."""
    if limit <= 0:
        return []
    if database().capabilities.dialect == "postgres":
        won = await _claim_skip_locked(model, limit)
    else:
        won = await _claim_conditionally(model, limit)
    if not won:
        return []
    return list(await model.filter(id__in=won).order_by("id"))


async def _claim_skip_locked(model: type[Model], limit: int) -> list[int]:
    """PostgreSQL: one statement that locks the due rows no other worker holds and leases them.

    SKIP LOCKED lets many workers (in many processes) claim side by side without waiting on
    each other's rows; the row locks last only for this statement, the lease for the work.
    Tortoise's select_for_update(skip_locked=True) would need a transaction and two more
    round trips for the same effect.
    """
    now = utcnow()
    table = model._meta.db_table
    rows = await database().execute_query_dict(
        f"UPDATE {table} SET claimed_until = $1 WHERE id IN ("
        f"SELECT id FROM {table} WHERE state = $2 AND next_attempt_at <= $3"
        " AND (claimed_until IS NULL OR claimed_until < $3)"
        " ORDER BY next_attempt_at LIMIT $4 FOR UPDATE SKIP LOCKED) RETURNING id",
        [now + LEASE, PENDING, now, limit],
    )
    return [row["id"] for row in rows]


async def _claim_conditionally(model: type[Model], limit: int) -> list[int]:
    """SQLite has one writer at a time: a conditional UPDATE per job lets only one worker win it."""
    now = utcnow()
    candidates = await model.filter(_due(now)).order_by("next_attempt_at").limit(limit).values_list("id", flat=True)
    won = []
    for job_id in candidates:
        if await model.filter(_due(now), id=job_id).update(claimed_until=now + LEASE):
            won.append(job_id)
    return won


async def next_due(model: type[Model]):
    """When the next pending job of `model` is due, or None when there is none."""
    row = await model.filter(state=PENDING).order_by("next_attempt_at").first().values("next_attempt_at")
    return row["next_attempt_at"] if row else None
