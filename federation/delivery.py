"""Outgoing deliveries: queued as rows, sent signed, retried with backoff."""

from __future__ import annotations

import asyncio
import json
import logging
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from federation.policy import host_of
from federation.posting import Posted, PostError
from federation.queue import Finisher, claim
from federation.retry import next_attempt
from federation.signatures import sign
from models.accounts import Account
from models.base import utcnow
from models.db import database, placeholders
from models.queues import DONE, FAILED, PENDING, Delivery, OutgoingActivity
from models.reads import DIALECTS, backend, ids_value, in_ids, tuples
from node import Node

log = logging.getLogger("flurfunk.delivery")
BATCH = 32
# Activities kept ready to send (body bytes and signing key): a post's deliveries to every
# node are claimed over several batches; a few dozen cover everything in flight.
CACHED_ACTIVITIES = 32
HEADERS = {"Content-Type": "application/activity+json"}
FINISH_DELAY = 0.025


async def enqueue(
    node: Node, actor: Account, activity: dict[str, Any], inboxes: Iterable[str], wake: bool = True
) -> int:
    """Queue `activity` for each inbox (once per inbox) on other nodes the policy allows.

    `wake=False` inside a transaction: the caller wakes the workers once it committed.
    """
    own, allows = node.settings.domain, node.policy.allows
    targets = sorted({inbox for inbox in inboxes if inbox and (host := host_of(inbox)) != own and allows(host)})
    if not targets:
        return 0
    # Encoded once, shared by every delivery of this activity.
    outgoing = await OutgoingActivity.create(
        activity_id=activity["id"], actor=actor, body=json.dumps(activity, separators=(",", ":"))
    )
    await _insert_deliveries(outgoing.id, targets)
    if wake:
        node.wake_delivery()
    return len(targets)


async def _insert_deliveries(activity_id: int, inboxes: Sequence[str]) -> None:
    """One row per inbox in one statement, the inboxes bound as one list: a Tortoise model
    object per row would cost more than the row (about 50 us each), and on PostgreSQL a row
    per execution (executemany) cost the server about as much again as the insert itself."""
    db = database()
    dialect = db.capabilities.dialect
    inbox_list = "unnest(?::text[]) AS inbox" if dialect == "postgres" else "(SELECT value AS inbox FROM json_each(?))"
    now = utcnow()
    await db.execute_query(
        placeholders(
            "INSERT INTO deliveries (activity_id, inbox_url, state, attempts, next_attempt_at, last_error, created_at)"
            f" SELECT ?, inbox, ?, 0, ?, '', ? FROM {inbox_list}",
            dialect,
        ),
        [activity_id, PENDING, now, now, list(inboxes) if dialect == "postgres" else json.dumps(list(inboxes))],
    )


# The activities of a batch of claimed deliveries with their signing keys, in fixed text: through
# Tortoise (a values() query with a join) building the query cost a tenth of a worker's time
# in a burst.
_ACTIVITIES_SQL = {
    dialect: (
        "SELECT o.id, o.body, a.key_id, a.private_key_pem FROM outgoing_activities o"
        f" JOIN accounts a ON a.id = o.actor_id WHERE o.id {in_ids(dialect)}"
    )
    for dialect in DIALECTS
}


@dataclass(frozen=True)
class Ready:
    """An outgoing activity as it goes on the wire: encoded body and the key that signs it."""

    body: bytes
    key_id: str
    private_key_pem: str


# A claimed delivery with its activity ready to send, and the same once signed (its headers).
Prepared = tuple[Delivery, Ready]
Signed = tuple[Delivery, Ready, dict[str, str]]


class Sender:
    """Sends claimed deliveries for one worker loop.

    Activities are loaded once for all their deliveries (one query per batch of claimed jobs
    for those not cached yet), and successful deliveries are marked done in batches.
    """

    def __init__(self, node: Node) -> None:
        self.node = node
        self._ready: OrderedDict[int, Ready] = OrderedDict()
        # Written every 25 ms: every 5 ms, a burst's UPDATEs (each built anew by Tortoise) cost
        # about as much CPU as sending the deliveries they finish. A crash in those 25 ms sends
        # them again when their leases run out (at least once, as before).
        self.done = Finisher(Delivery, always={"attempts": "attempts + 1"}, delay=FINISH_DELAY)

    async def prepare(self, jobs: Sequence[Delivery]) -> list[tuple[Delivery, Ready]]:
        """Each job with its activity ready to send; jobs whose activity is gone are dropped."""
        missing = {job.activity_id for job in jobs} - self._ready.keys()
        if missing:
            dialect = backend()
            for activity_id, body, key_id, private_key_pem in await tuples(
                _ACTIVITIES_SQL[dialect], [ids_value(missing, dialect)]
            ):
                self._ready[activity_id] = Ready(body.encode(), key_id, private_key_pem)
        prepared = []
        for job in jobs:
            ready = self._ready.get(job.activity_id)
            if ready is not None:
                self._ready.move_to_end(job.activity_id)
                prepared.append((job, ready))
        while len(self._ready) > CACHED_ACTIVITIES:
            self._ready.popitem(last=False)
        return prepared

    @staticmethod
    def signed(job: Delivery, ready: Ready) -> tuple[Delivery, Ready, dict[str, str]]:
        return job, ready, _signed(job, ready)

    async def attempt(self, job: Delivery, ready: Ready, headers: dict[str, str] | None = None) -> None:
        """Send one claimed delivery; on failure schedule its retry or give up, as the retry policy says."""
        posted: Posted | None = None
        if not self.node.policy.allows_url(job.inbox_url):
            status, error = 403, "domain no longer allowed by this node's policy"
        else:
            headers = headers or _signed(job, ready)
            try:
                posted = await self.node.poster.post(job.inbox_url, ready.body, headers)
            except PostError as exc:
                status, error = None, str(exc)[:500]
            else:
                status = posted.status
                if 200 <= status < 300:
                    self.done.add(job.id, state=DONE, last_status=status, last_error="")
                    return
                error = f"HTTP {status}: {posted.text}"
        await _failed(job, status, error, posted.retry_after if posted else None)

    async def close(self) -> None:
        await self.done.close()


def _signed(job: Delivery, ready: Ready) -> dict[str, str]:
    return {**HEADERS, **sign("POST", job.inbox_url, ready.body, ready.key_id, ready.private_key_pem)}


async def deliver_due(node: Node) -> int:
    """Send the deliveries that are due; returns how many were attempted."""
    sender = Sender(node)
    jobs = await claim(Delivery, BATCH)
    try:
        await asyncio.gather(*(sender.attempt(job, ready) for job, ready in await sender.prepare(jobs)))
    finally:
        await sender.close()
    return len(jobs)


async def _failed(job: Delivery, status: int | None, error: str, retry_after: str | None) -> None:
    now = utcnow()
    attempts = job.attempts + 1
    when = next_attempt(attempts, job.created_at, now, status, retry_after)
    if when is None:
        log.warning("giving up delivery %s to %s: %s", job.id, job.inbox_url, error)
        await Delivery.filter(id=job.id).update(
            state=FAILED, last_status=status, last_error=error, finished_at=now, claimed_until=None, attempts=attempts
        )
        return
    await Delivery.filter(id=job.id).update(
        attempts=attempts, next_attempt_at=when, last_error=error, last_status=status, claimed_until=None, state=PENDING
    )
