"""Storing verified activities as `inbox_items` rows: the one write on the accept path.

Rows are written in groups (group commit): a request hands its row over and waits until the
row is committed, and whichever rows arrived meanwhile are written with it, in one statement
(`executemany` on SQLite, one INSERT of arrays on PostgreSQL) and one commit. Under load that
is one statement and one commit for dozens of requests, and on SQLite (one connection, which
the inbox worker holds during its short transactions) one turn at the connection for all who
waited. A 202 is still only answered once the activity is stored. The group's plain posts by
known actors are applied in the same transaction (inbox/on_arrival.py) and their rows stored as
done; the rest waits for the worker. On SQLite that transaction runs on the event loop's own
thread (models/statements.py).

Written by hand rather than through the ORM: Tortoise builds the SQL of every `bulk_create`
anew through pypika, while this text is made once. A redelivered activity (the unique
`activity_id`) is skipped by the database, with no look-up first.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import weakref
from dataclasses import dataclass
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from inbox import on_arrival
from inbox.on_arrival import Candidate
from models.base import utcnow
from models.db import database
from models.queues import DONE, PENDING
from models.statements import Statement, run, run_as_transaction, single

log = logging.getLogger("flurfunk.inbox")

_COLUMNS = (
    "activity_id, actor_uri, recipient_id, body, state, attempts, next_attempt_at, last_error, received_at, finished_at"
)
_INSERT = (
    f"INSERT INTO inbox_items ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (activity_id) DO NOTHING"
)


# PostgreSQL: a group as one statement, each column bound as one array (Statement.arrays).
# executemany sent one execution per row inside a transaction of its own, which cost the server
# a tenth of a millisecond a row and the web process a fifth of its time in a burst.
_INSERT_ARRAYS = (
    f"INSERT INTO inbox_items ({_COLUMNS}) SELECT * FROM unnest(?::text[], ?::text[], ?::bigint[], ?::text[],"
    " ?::text[], ?::int[], ?::timestamptz[], ?::text[], ?::timestamptz[], ?::timestamptz[])"
    " ON CONFLICT (activity_id) DO NOTHING"
)


@dataclass
class _Arrival:
    """One request's activity waiting for the writer: its row, and whether it may be a plain post."""

    row: list[Any]
    candidate: Candidate | None
    # Set to whether the item was queued for the worker (False: applied on arrival).
    done: asyncio.Future[bool]

    def applied_row(self) -> list[Any]:
        now = self.row[_RECEIVED_AT]
        return [*self.row[:_STATE], DONE, 1, now, "", now, now]


_STATE, _RECEIVED_AT = 4, 8


class GroupWriter:
    """Writes the rows handed to it in groups, one group at a time, each with one commit."""

    def __init__(self, db: BaseDBAsyncClient) -> None:
        self.db = db
        self._waiting: list[_Arrival] = []
        self._writing: asyncio.Task[None] | None = None
        self.actors = on_arrival.RecentActors()

    async def write(self, row: list[Any], candidate: Candidate | None) -> bool:
        done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiting.append(_Arrival(row, candidate, done))
        if self._writing is None:
            # A context of its own: the writer must not run inside the first caller's transaction, if any.
            self._writing = asyncio.create_task(self._write_all(), context=contextvars.Context())
        return await done

    async def _write_all(self) -> None:
        try:
            while self._waiting:
                group, self._waiting = self._waiting, []
                try:
                    queued = await self._write_group(group)
                except Exception as exc:
                    for arrival in group:
                        if not arrival.done.done():
                            arrival.done.set_exception(exc)
                else:
                    for arrival, left in zip(group, queued, strict=True):
                        if not arrival.done.done():
                            arrival.done.set_result(left)
        finally:
            self._writing = None

    async def _write_group(self, group: list[_Arrival]) -> list[bool]:
        """Store the group's rows, applying its plain posts with them; whether each was queued."""
        prepared = None
        if any(arrival.candidate is not None for arrival in group):
            try:
                prepared = await on_arrival.plan([arrival.candidate for arrival in group], self.actors)
            except Exception:
                log.exception("preparing %d received posts failed; queueing them", len(group))
        if prepared is None:
            await self._insert(self.db, [arrival.row for arrival in group])
            return [True] * len(group)
        try:
            script = prepared.script(lambda applied: self._rows(group, applied))
            stored = await run_as_transaction(self.db, script)
        except Exception:
            log.exception("applying %d received posts failed; queueing them", len(prepared.positions))
            await self._insert(self.db, [arrival.row for arrival in group])
            return [True] * len(group)
        await prepared.publish()
        return [not stored.get(n) for n in range(len(group))]

    def _rows(self, group: list[_Arrival], applied: dict[int, bool]) -> Statement:
        """The group's inbox rows, those of the posts `applied` as done, as one statement."""
        return self._statement(
            [arrival.applied_row() if applied.get(n) else arrival.row for n, arrival in enumerate(group)]
        )

    async def _insert(self, db: BaseDBAsyncClient, rows: list[list[Any]]) -> None:
        await run(db, single(self._statement(rows)))

    def _statement(self, rows: list[list[Any]]) -> Statement:
        if len(rows) == 1:  # one statement: Tortoise's executemany outside a transaction adds BEGIN and COMMIT
            return Statement(_INSERT, rows[0])
        return Statement(_INSERT, rows, many=True, arrays=_INSERT_ARRAYS)


_writers: weakref.WeakKeyDictionary[BaseDBAsyncClient, GroupWriter] = weakref.WeakKeyDictionary()


async def store_activity(
    activity_id: str, actor_uri: str, recipient_id: int | None, body: str, candidate: Candidate | None = None
) -> bool:
    """Queue a received activity for the inbox worker, unless the same activity id is queued already.

    `candidate`: the activity, if it may be a plain post: then it is applied here if it is one
    (inbox/on_arrival.py). Returns whether it was left to the worker.
    """
    db = database()
    writer = _writers.get(db)
    if writer is None:
        writer = _writers[db] = GroupWriter(db)
    now = utcnow()
    return await writer.write([activity_id, actor_uri, recipient_id, body, PENDING, 0, now, "", now, None], candidate)
