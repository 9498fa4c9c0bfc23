"""Outgoing deliveries: queued as rows, sent signed, retried with backoff."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterable
from typing import Any

import httpx

from federation.actors import signer_for
from federation.policy import host_of
from federation.queue import claim
from federation.retry import next_attempt
from models.accounts import Account
from models.base import utcnow
from models.queues import DONE, FAILED, PENDING, Delivery, OutgoingActivity
from node import Node

log = logging.getLogger("flurfunk.delivery")
BATCH = 32


async def enqueue(node: Node, actor: Account, activity: dict[str, Any], inboxes: Iterable[str]) -> int:
    """Queue `activity` for each inbox (once per inbox) on other nodes the policy allows."""
    targets = sorted(
        {
            inbox
            for inbox in inboxes
            if inbox and host_of(inbox) != node.settings.domain and node.policy.allows_url(inbox)
        }
    )
    if not targets:
        return 0
    # Encoded once, shared by every delivery of this activity.
    outgoing = await OutgoingActivity.create(
        activity_id=activity["id"], actor=actor, body=json.dumps(activity, separators=(",", ":"))
    )
    await Delivery.bulk_create([Delivery(activity=outgoing, inbox_url=inbox) for inbox in targets])
    node.wake_delivery()
    return len(targets)


async def deliver_due(node: Node) -> int:
    """Send the deliveries that are due; returns how many were attempted."""
    jobs = await claim(Delivery, BATCH)
    if jobs:
        await asyncio.gather(*(attempt(node, job) for job in jobs))
    return len(jobs)


async def attempt(node: Node, job: Delivery) -> None:
    """Send one claimed delivery; on failure schedule its retry or give up, as the retry policy says."""
    outgoing = await OutgoingActivity.get(id=job.activity_id).prefetch_related("actor")
    status: int | None = None
    retry_after: str | None = None
    error = ""
    if not node.policy.allows_url(job.inbox_url):
        status, error = 403, "domain no longer allowed by this node's policy"
    else:
        try:
            response = await node.http.post(
                job.inbox_url,
                content=outgoing.body.encode(),
                headers={"Content-Type": "application/activity+json"},
                auth=signer_for(outgoing.actor),
            )
            status = response.status_code
            retry_after = response.headers.get("retry-after")
            if 200 <= status < 300:
                await _finish(job, DONE, status, "")
                return
            error = f"HTTP {status}: {response.text[:200]}"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"[:500]
    now = utcnow()
    job.attempts += 1
    when = next_attempt(job.attempts, job.created_at, now, status, retry_after)
    if when is None:
        log.warning("giving up delivery %s to %s: %s", job.id, job.inbox_url, error)
        await _finish(job, FAILED, status, error, attempts=job.attempts)
        return
    await Delivery.filter(id=job.id).update(
        attempts=job.attempts,
        next_attempt_at=when,
        last_error=error,
        last_status=status,
        claimed_until=None,
        state=PENDING,
    )


async def _finish(job: Delivery, state: str, status: int | None, error: str, attempts: int | None = None) -> None:
    await Delivery.filter(id=job.id).update(
        state=state,
        last_status=status,
        last_error=error,
        finished_at=utcnow(),
        claimed_until=None,
        attempts=attempts if attempts is not None else job.attempts + 1,
    )
