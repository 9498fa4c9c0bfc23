"""Claiming jobs from a queue table so that several workers never take the same one."""

from __future__ import annotations

from datetime import timedelta
from typing import TypeVar

from tortoise.expressions import Q
from tortoise.models import Model

from models.base import utcnow
from models.queues import PENDING

LEASE = timedelta(minutes=5)
M = TypeVar("M", bound=Model)


def _due(now) -> Q:
    return Q(state=PENDING, next_attempt_at__lte=now) & (Q(claimed_until=None) | Q(claimed_until__lt=now))


async def claim(model: type[M], limit: int) -> list[M]:
    """Take up to `limit` due jobs. A job is leased for LEASE; a crashed worker's jobs come back after it.

    Each claim is a conditional UPDATE, so with many workers (and processes) only one wins a job.
    """
    now = utcnow()
    candidates = await model.filter(_due(now)).order_by("next_attempt_at").limit(limit).values_list("id", flat=True)
    won = []
    for job_id in candidates:
        if await model.filter(_due(now), id=job_id).update(claimed_until=now + LEASE):
            won.append(job_id)
    if not won:
        return []
    return list(await model.filter(id__in=won).order_by("id"))


async def next_due(model: type[Model]):
    """When the next pending job of `model` is due, or None when there is none."""
    row = await model.filter(state=PENDING).order_by("next_attempt_at").first().values("next_attempt_at")
    return row["next_attempt_at"] if row else None
