"""Applying stored inbox items: one handler per activity type, retried on passing failures."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from federation.actors import fetch_actor
from federation.errors import DomainNotAllowed, FetchError
from federation.queue import claim
from inbox.context import Ignored, Received
from inbox.follows import on_accept, on_follow, on_reject
from inbox.posts import on_announce, on_create, on_delete, on_update
from inbox.reactions import on_block, on_like, on_undo
from inbox.reports import on_flag
from models.base import utcnow
from models.queues import DONE, FAILED, PENDING, InboxItem
from node import Node

log = logging.getLogger("flurfunk.inbox")
MAX_ATTEMPTS = 5
# Items are applied one by one and may each wait on a remote fetch (10 s timeout): a small batch
# stays well inside the five-minute claim lease, so no other worker takes them over meanwhile.
BATCH = 8

HANDLERS: dict[str, Callable[[Received], Awaitable[None]]] = {
    "Follow": on_follow,
    "Accept": on_accept,
    "Reject": on_reject,
    "Undo": on_undo,
    "Create": on_create,
    "Update": on_update,
    "Delete": on_delete,
    "Announce": on_announce,
    "Like": on_like,
    "Block": on_block,
    "Flag": on_flag,
}


async def apply(node: Node, item: InboxItem) -> None:
    activity = json.loads(item.body)
    handler = HANDLERS.get(activity.get("type", ""))
    if handler is None:
        return  # unknown types are accepted and ignored
    actor = await fetch_actor(node, item.actor_uri)
    recipient = await item.recipient if item.recipient_id else None
    # No transaction around the handler: handlers may fetch from other nodes, and holding a
    # database transaction open across network calls would stall SQLite. Handlers are written
    # to be idempotent instead (get_or_create, unique activity ids), so a retry after a
    # failure half-way completes the work rather than doubling it.
    await handler(Received(node, actor, activity, recipient))


async def process_due(node: Node) -> int:
    jobs = await claim(InboxItem, BATCH)
    for job in jobs:
        await _process(node, job)
    return len(jobs)


async def _process(node: Node, job: InboxItem) -> None:
    try:
        await apply(node, job)
    except Ignored as exc:
        log.info("inbox item %s ignored: %s", job.id, exc)
        await _finish(job, DONE, f"ignored: {exc}")
    except DomainNotAllowed as exc:
        await _finish(job, FAILED, str(exc))
    except FetchError as exc:
        await _retry(job, str(exc))
    except Exception as exc:  # a bug must not stop the worker; the row keeps the error
        log.exception("inbox item %s failed", job.id)
        await _retry(job, f"{type(exc).__name__}: {exc}")
    else:
        await _finish(job, DONE, "")


async def _finish(job: InboxItem, state: str, error: str) -> None:
    await InboxItem.filter(id=job.id).update(
        state=state, last_error=error[:1000], finished_at=utcnow(), claimed_until=None, attempts=job.attempts + 1
    )


async def _retry(job: InboxItem, error: str) -> None:
    attempts = job.attempts + 1
    if attempts >= MAX_ATTEMPTS:
        await _finish(job, FAILED, error)
        return
    await InboxItem.filter(id=job.id).update(
        attempts=attempts,
        last_error=error[:1000],
        claimed_until=None,
        state=PENDING,
        next_attempt_at=utcnow() + timedelta(seconds=30 * 2**attempts),
    )
