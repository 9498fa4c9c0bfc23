"""Applying stored inbox items: one handler per activity type, retried on passing failures.

The worker claims a batch and applies it in three steps. First, outside any transaction, it
reads each item and resolves its actor (fetched over the network when unknown or stale; once
per actor per batch). Then the items whose handlers need nothing more from the network are
applied in one database transaction, each inside a savepoint, and marked done in the same
transaction: on SQLite every commit is a sync of the log, so one commit per batch instead of
several per item is most of the speed-up, and an item's work and its "done" are committed
together. An item that fails rolls back to its savepoint only, so it neither loses nor doubles
the others; it is retried later like any failed item. Last, items that may fetch (a reply to a
post we lack, a boost) are applied one by one without a transaction, as network calls must
never hold one open (it would stall SQLite's single writer for the length of a fetch).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from core.counters import HeldBumps, held_bumps
from core.events import Event, held, publish_all
from core.feeds import Audiences, find_audiences, known_audiences
from federation.actors import fetch_actors
from federation.errors import DomainNotAllowed, FetchError
from federation.parse import id_of
from federation.queue import claim
from inbox.context import Ignored, Received
from inbox.follows import on_accept, on_follow, on_reject
from inbox.pins import on_add, on_remove
from inbox.plain_posts import PreparedPosts, is_plain, prepare_plain_posts, store_plain_posts
from inbox.posts import on_announce, on_create, on_delete, on_update
from inbox.reactions import on_block, on_like, on_undo
from inbox.reports import on_flag
from models.accounts import Account
from models.base import utcnow
from models.db import database, placeholders
from models.queues import DONE, FAILED, PENDING, InboxItem
from models.reads import ids_sql
from models.statuses import Status
from node import Node

log = logging.getLogger("flurfunk.inbox")
MAX_ATTEMPTS = 5
# Fetches for a batch are bounded by the HTTP timeout (10 s) and made once per actor, so even a
# batch of strangers' activities stays well inside the five-minute claim lease.
BATCH = 64
# Items per transaction. On SQLite a transaction holds the process's one connection, so the
# inbox's own INSERTs (and every request) wait for it: short ones let them in between.
PER_TRANSACTION = 16

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
    "Add": on_add,
    "Remove": on_remove,
}


@dataclass
class Outcome:
    """How applying an item ended: DONE, FAILED, or PENDING (to be retried), with the error."""

    state: str
    error: str = ""
    # Due again at once rather than after the backoff: the cause is gone with the attempt.
    at_once: bool = False


@dataclass
class _Pass:
    """One claimed batch on its way: the outcomes so far, and what its posts' fan-outs need."""

    outcomes: dict[int, Outcome] = field(default_factory=dict)
    # The actors of the batch's Creates, and their followers, blocks and exclusive lists: found
    # once for the batch, and again after any other activity, which may have changed them.
    authors: list[int] = field(default_factory=list)
    audiences: Audiences | None = None


async def process_due(node: Node) -> int:
    jobs = await claim(InboxItem, BATCH)
    if not jobs:
        return 0
    batch = _Pass()
    ready: list[tuple[InboxItem, Received]] = []
    actors = await fetch_actors(node, {job.actor_uri for job in jobs})
    for job in jobs:
        try:
            received = await _receive(node, job, actors)
        except Exception as exc:
            batch.outcomes[job.id] = _failed(job, exc)
            continue
        if received is None:
            batch.outcomes[job.id] = Outcome(DONE)  # unknown types are accepted and ignored
        else:
            ready.append((job, received))
    batch.authors = [r.actor.id for _, r in ready if r.activity["type"] == "Create"]
    # In the order received (an Undo must come after what it undoes): runs of items that need
    # no network together, each of the others alone where it falls.
    together: list[tuple[InboxItem, Received]] = []
    recorded: set[int] = set()
    for job, received in ready:
        if await _may_fetch(received):
            recorded.update(await _apply_run(together, batch))
            together = []
            batch.outcomes[job.id] = await _apply_alone(job, received)
            batch.audiences = None
        else:
            together.append((job, received))
            if len(together) == PER_TRANSACTION:
                recorded.update(await _apply_run(together, batch))
                together = []
    recorded.update(await _apply_run(together, batch))
    await _record([job for job in jobs if job.id not in recorded], batch.outcomes)
    return len(jobs)


async def _receive(node: Node, item: InboxItem, actors: dict[str, Account | Exception]) -> Received | None:
    """The item ready for its handler (its actor resolved), or None for a type nobody handles."""
    activity = json.loads(item.body)
    if activity.get("type", "") not in HANDLERS:
        return None
    actor = actors[item.actor_uri]
    if isinstance(actor, Exception):
        raise actor
    recipient = await item.recipient if item.recipient_id else None
    return Received(node, actor, activity, recipient)


async def _may_fetch(r: Received) -> bool:
    """Whether the handler may go to the network: a boost, a pin or a reply of a post we do not
    have, or the Accept of a follow of someone with pinned posts (inbox/follows.py reads them)."""
    kind = r.activity["type"]
    if kind == "Announce":
        return True
    if kind == "Accept":
        return bool(r.actor.featured_url)
    if kind == "Add":  # a pinned post we may not have
        return not await Status.exists(uri=id_of(r.object) or "")
    obj = r.object
    if kind in ("Create", "Update") and isinstance(obj, dict) and (parent := id_of(obj.get("inReplyTo"))):
        return not await Status.exists(uri=parent)
    return False


async def _apply_run(run: list[tuple[InboxItem, Received]], batch: _Pass) -> set[int]:
    """Apply `run` in one transaction; returns the ids whose outcome that transaction recorded.

    Should the transaction itself fail (not one item: the commit, say), it changed nothing,
    and the items are applied one by one instead.
    """
    if not run:
        return set()
    try:
        events = await _apply_together(run, batch)
    except Exception:
        log.exception("applying %d inbox items together failed; applying them one by one", len(run))
        batch.audiences = None
        for job, received in run:
            batch.outcomes[job.id] = await _apply_alone(job, received)
        return set()
    await publish_all(events)
    return {job.id for job, _ in run}


async def _apply_together(run: list[tuple[InboxItem, Received]], batch: _Pass) -> list[Event]:
    """Apply `run` in one transaction, a savepoint per item; returns the events of those applied.

    Consecutive plain posts (inbox/plain_posts.py) share one savepoint and a few statements.
    Those at the start of the run (in a batch of posts, all of it) are prepared before the
    transaction, which then holds the connection for their statements only.
    """
    applied = _Applied()
    if batch.audiences is None and any(received.activity["type"] == "Create" for _, received in run):
        batch.audiences = await find_audiences(batch.authors)
    leading = _leading_plain(run)
    ready = await _prepared(leading, batch)
    async with in_transaction(database().connection_name):
        await _apply_plain(leading, batch, applied, ready)
        plain: list[tuple[InboxItem, Received]] = []
        for job, received in run[len(leading) :]:
            kind = received.activity["type"]
            if kind == "Create" and batch.audiences is None:
                batch.audiences = await find_audiences(batch.authors)
            if takes_plain_path(received):
                plain.append((job, received))
                continue
            await _apply_plain(plain, batch, applied)
            plain = []
            await _apply_in_savepoint(job, received, batch, applied)
            if kind != "Create":
                batch.audiences = None
        await _apply_plain(plain, batch, applied)
        await applied.bumps.write()
        # Marked done in the same transaction: committed together with the work, or not at all.
        await _record([job for job, _ in run], batch.outcomes)
    return applied.events


def takes_plain_path(received: Received) -> bool:
    """Whether `received` is a plain post (inbox/plain_posts.py) and plain posts take their own path here."""
    # A Create handler replaced (as tests do to break one item) must see every Create.
    return HANDLERS["Create"] is on_create and is_plain(received)


def _leading_plain(run: list[tuple[InboxItem, Received]]) -> list[tuple[InboxItem, Received]]:
    """The plain posts `run` starts with."""
    for n, (_, received) in enumerate(run):
        if not takes_plain_path(received):
            return run[:n]
    return run


async def _prepared(plain: list[tuple[InboxItem, Received]], batch: _Pass) -> PreparedPosts | None:
    """`plain` made ready to write (None if there are none, or preparing them failed: then it is done again inside)."""
    if not plain:
        return None
    try:
        with known_audiences(batch.audiences) if batch.audiences is not None else nullcontext():
            return await prepare_plain_posts([received for _, received in plain])
    except Exception:
        return None


@dataclass
class _Applied:
    """What the items applied in a transaction leave for after it: events, and counters to write before its commit."""

    events: list[Event] = field(default_factory=list)
    bumps: HeldBumps = field(default_factory=HeldBumps)


async def _apply_in_savepoint(job: InboxItem, received: Received, batch: _Pass, applied: _Applied) -> None:
    kind = received.activity["type"]
    held_events: list[Event] = []
    item_bumps = HeldBumps()
    try:
        async with in_transaction(database().connection_name):  # a savepoint
            with held(held_events), held_bumps(item_bumps):
                with known_audiences(batch.audiences) if kind == "Create" else nullcontext():
                    await HANDLERS[kind](received)
    except Exception as exc:
        batch.outcomes[job.id] = _failed(job, exc)
    else:
        batch.outcomes[job.id] = Outcome(DONE)
        applied.events += held_events
        applied.bumps.merge(item_bumps)


async def _apply_plain(
    plain: list[tuple[InboxItem, Received]], batch: _Pass, applied: _Applied, ready: PreparedPosts | None = None
) -> None:
    """Apply plain posts together in one savepoint; should that fail, each in its own as any other item.

    `ready`: the posts already prepared (`_prepared`), else they are prepared here.
    """
    if not plain:
        return
    held_events: list[Event] = []
    group_bumps = HeldBumps()
    try:
        async with in_transaction(database().connection_name):  # a savepoint
            with held(held_events), held_bumps(group_bumps), known_audiences(batch.audiences):
                if ready is None:
                    ready = await prepare_plain_posts([received for _, received in plain])
                stored = await store_plain_posts(ready)
    except Exception:
        log.exception("applying %d plain posts together failed; applying them one by one", len(plain))
        for job, received in plain:
            await _apply_in_savepoint(job, received, batch, applied)
        return
    for (job, _), ok in zip(plain, stored, strict=True):
        batch.outcomes[job.id] = Outcome(DONE) if ok else _id_taken(job, "the post's id was taken")
    applied.events += held_events
    applied.bumps.merge(group_bumps)


async def _apply_alone(job: InboxItem, received: Received) -> Outcome:
    # No transaction around the handler: it may fetch from other nodes. Handlers are written
    # to be idempotent instead (get_or_create, unique activity ids), so a retry after a
    # failure half-way completes the work rather than doubling it.
    try:
        await HANDLERS[received.activity["type"]](received)
    except Exception as exc:
        return _failed(job, exc)
    return Outcome(DONE)


_ID_TAKEN = re.compile(r'"\w+_pkey"|UNIQUE constraint failed: \w+\.id\b')


def _is_id_collision(exc: IntegrityError) -> bool:
    """A primary key already taken, as PostgreSQL ("…_pkey") or SQLite ("UNIQUE constraint failed: t.id") says."""
    return bool(_ID_TAKEN.search(str(exc)))


def _failed(job: InboxItem, exc: Exception) -> Outcome:
    if isinstance(exc, Ignored):
        log.info("inbox item %s ignored: %s", job.id, exc)
        return Outcome(DONE, f"ignored: {exc}")
    if isinstance(exc, DomainNotAllowed):
        return Outcome(FAILED, str(exc))
    if isinstance(exc, FetchError):
        return Outcome(PENDING, str(exc))
    if isinstance(exc, IntegrityError) and _is_id_collision(exc):
        return _id_taken(job, f"IntegrityError: {exc}")
    # A bug must not stop the worker; the row keeps the error.
    log.error("inbox item %s failed", job.id, exc_info=exc)
    return Outcome(PENDING, f"{type(exc).__name__}: {exc}")


def _id_taken(job: InboxItem, error: str) -> Outcome:
    # Two processes made the same time-ordered id (models/ids.py); the next attempt makes a new one.
    log.info("inbox item %s met an id already taken; trying it again at once", job.id)
    return Outcome(PENDING, error, at_once=True)


async def _record(jobs: list[InboxItem], outcomes: dict[int, Outcome]) -> None:
    """Write the outcomes of `jobs`: the plain successes (nearly all) with one UPDATE."""
    if not jobs:
        return
    now = utcnow()
    succeeded = [job.id for job in jobs if outcomes[job.id] == Outcome(DONE)]
    if succeeded:
        # A claimed item is attempted for the first time unless an earlier attempt failed; the
        # few retried ones are written one by one below to keep their exact count.
        first = [job.id for job in jobs if job.id in succeeded and job.attempts == 0]
        await _done_at_first_attempt(first, now)
    for job in jobs:
        outcome = outcomes[job.id]
        if outcome == Outcome(DONE) and job.attempts == 0:
            continue
        await _finish_one(job, outcome, now)


async def _finish_one(job: InboxItem, outcome: Outcome, now: Any) -> None:
    attempts = job.attempts + 1
    if outcome.state == PENDING and attempts < MAX_ATTEMPTS:
        await _update(
            [job.id],
            attempts=attempts,
            last_error=outcome.error[:1000],
            claimed_until=None,
            state=PENDING,
            next_attempt_at=now if outcome.at_once else now + timedelta(seconds=30 * 2**attempts),
        )
        return
    state = FAILED if outcome.state == PENDING else outcome.state
    await _update(
        [job.id], state=state, last_error=outcome.error[:1000], finished_at=now, claimed_until=None, attempts=attempts
    )


async def _done_at_first_attempt(ids: list[int], now: datetime) -> None:
    # What _update(ids, state=DONE, last_error="", finished_at=now, claimed_until=None, attempts=1)
    # writes, as fixed text: once per transaction of the inbox, where building it took as long as running it.
    if ids:
        db = database()
        finished_at = InboxItem._meta.fields_map["finished_at"].to_db_value(now, InboxItem)
        sql = placeholders(_DONE, db.capabilities.dialect).format(ids=ids_sql(ids))
        await db.execute_query(sql, [DONE, finished_at])


_DONE = (
    "UPDATE inbox_items SET state = ?, last_error = '', finished_at = ?, claimed_until = NULL, attempts = 1"
    " WHERE id IN ({ids})"
)


async def _update(ids: list[int], **values: Any) -> None:
    if ids:
        await InboxItem.filter(id__in=ids).update(**values)
