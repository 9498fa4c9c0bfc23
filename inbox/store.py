"""Storing verified activities as `inbox_items` rows: the one write on the accept path.

Rows are written in groups (group commit): a request hands its row over and waits until the
row is committed, and whichever rows arrived meanwhile are written with it, in one statement
(`executemany` on SQLite, one INSERT of arrays on PostgreSQL) and one commit. Under load that
is one statement and one commit for dozens of requests, and on SQLite (one connection, which
the inbox worker holds during its short transactions) one turn at the connection for all who
waited. A 202 is still only answered once the activity is stored.

Written by hand rather than through the ORM: Tortoise builds the SQL of every `bulk_create`
anew through pypika, while this text is made once. A redelivered activity (the unique
`activity_id`) is skipped by the database, with no look-up first.
"""

from __future__ import annotations

import asyncio
import contextvars
import weakref
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from models.base import utcnow
from models.db import database, placeholders
from models.queues import PENDING

_INSERT = (
    "INSERT INTO inbox_items (activity_id, actor_uri, recipient_id, body, state, attempts, next_attempt_at,"
    " last_error, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (activity_id) DO NOTHING"
)


# PostgreSQL: a group as one statement, each column bound as one array. executemany sent one
# execution per row inside a transaction of its own, which cost the server a tenth of a
# millisecond a row and the web process a fifth of its time in a burst.
_INSERT_ARRAYS = (
    "INSERT INTO inbox_items (activity_id, actor_uri, recipient_id, body, state, attempts, next_attempt_at,"
    " last_error, received_at) SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[],"
    " $5::text[], $6::int[], $7::timestamptz[], $8::text[], $9::timestamptz[]) ON CONFLICT (activity_id) DO NOTHING"
)


class GroupWriter:
    """Writes the rows handed to it in groups, one group at a time, each with one commit."""

    def __init__(self, db: BaseDBAsyncClient) -> None:
        self.db = db
        self.sql = placeholders(_INSERT, db.capabilities.dialect)
        self.postgres = db.capabilities.dialect == "postgres"
        self._waiting: list[tuple[list[Any], asyncio.Future[None]]] = []
        self._writing: asyncio.Task[None] | None = None

    async def write(self, values: list[Any]) -> None:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((values, done))
        if self._writing is None:
            # A context of its own: the writer must not run inside the first caller's transaction, if any.
            self._writing = asyncio.create_task(self._write_all(), context=contextvars.Context())
        await done

    async def _write_all(self) -> None:
        try:
            while self._waiting:
                group, self._waiting = self._waiting, []
                try:
                    if len(group) == 1:  # one statement (executemany on PostgreSQL adds BEGIN and COMMIT)
                        await self.db.execute_query(self.sql, group[0][0])
                    elif self.postgres:
                        columns = zip(*(values for values, _ in group), strict=True)
                        await self.db.execute_query(_INSERT_ARRAYS, [list(column) for column in columns])
                    else:
                        await self.db.execute_many(self.sql, [values for values, _ in group])
                except Exception as exc:
                    for _, done in group:
                        if not done.done():
                            done.set_exception(exc)
                else:
                    for _, done in group:
                        if not done.done():
                            done.set_result(None)
        finally:
            self._writing = None


_writers: weakref.WeakKeyDictionary[BaseDBAsyncClient, GroupWriter] = weakref.WeakKeyDictionary()


async def store_activity(activity_id: str, actor_uri: str, recipient_id: int | None, body: str) -> None:
    """Queue a received activity for the inbox worker, unless the same activity id is queued already."""
    db = database()
    writer = _writers.get(db)
    if writer is None:
        writer = _writers[db] = GroupWriter(db)
    now = utcnow()
    await writer.write([activity_id, actor_uri, recipient_id, body, PENDING, 0, now, "", now])
