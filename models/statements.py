"""A transaction written once as a script of statements, run on either database in few round trips.

A script is a generator that yields `Statement`s and is sent each one's rows back (a list of
dicts; None for `many`), deciding the next statements from them; what it returns is the
result. `run` runs a script inside the current connection (a transaction the caller opened,
on PostgreSQL). `run_in_one_handover` runs a whole script as one SQLite transaction without a
hand-over per statement: through Tortoise every statement goes to aiosqlite's thread and back,
and its continuation waits its turn on the busy event loop. For the inbox's group of received
posts (seven statements with BEGIN and COMMIT, about 1.6 ms of SQLite's own work) that took
10.7-13.0 ms a group under load, against 9.3-10.6 ms as one call in aiosqlite's thread (inbox
bench, three alternating runs each), where the thread still waited for the GIL at every
statement; on the event loop's own thread it took 5.1-5.4 ms.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any, TypeVar

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.backends.sqlite.client import SqliteClient
from tortoise.transactions import in_transaction

from models.db import placeholders
from models.sqlite_reader import writer

T = TypeVar("T")


@dataclass(frozen=True)
class Statement:
    """One statement of a script, written with `?` placeholders: `params` for one execution,
    or with `many`, a list of parameter lists (one execution each, no rows back).

    `arrays`: for PostgreSQL, the same `many` statement run once over arrays, its `?` each
    bound to one column of the parameter lists (`unnest(?::bigint[], …)`): asyncpg's
    executemany has the server execute the statement once per row, which for a group's home
    feed rows and counters cost more than the rows themselves.
    """

    sql: str
    params: list[Any]
    many: bool = False
    arrays: str = ""


Script = Generator[Statement, "list[dict[str, Any]] | None", T]


def single(statement: Statement) -> Script[None]:
    """A script of one statement."""
    yield statement


async def run(db: BaseDBAsyncClient, script: Script[T]) -> T:
    """Run `script` statement by statement on `db` (Tortoise's connection or transaction)."""
    dialect = db.capabilities.dialect
    result: list[dict[str, Any]] | None = None
    try:
        while True:
            statement = script.send(result)
            sql = placeholders(statement.sql, dialect)
            if statement.many:
                if statement.params and statement.arrays and dialect == "postgres":
                    columns = [list(column) for column in zip(*statement.params, strict=True)]
                    await db.execute_query(placeholders(statement.arrays, dialect), columns)
                elif statement.params:
                    await db.execute_many(sql, statement.params)
                result = None
            else:
                result = await db.execute_query_dict(sql, statement.params)
    except StopIteration as done:
        return done.value


async def run_as_transaction(db: BaseDBAsyncClient, script: Script[T]) -> T:
    """Run `script` as one transaction on `db`: `run_in_one_handover` on SQLite, else `run` in a transaction."""
    if one_handover_possible(db):
        return await run_in_one_handover(db, script)
    async with in_transaction(db.connection_name) as connection:
        return await run(connection, script)


def one_handover_possible(db: BaseDBAsyncClient) -> bool:
    """Whether `db` is Tortoise's plain SQLite client with aiosqlite's connection to run a script in."""
    connection = getattr(db, "_connection", None)
    return (
        type(db) is SqliteClient
        and connection is not None
        and hasattr(connection, "_execute")
        and hasattr(connection, "_conn")
    )


async def run_in_one_handover(db: BaseDBAsyncClient, script: Script[T]) -> T:
    """Run `script` as one transaction (BEGIN … COMMIT) on SQLite (`one_handover_possible`).

    Holds the client's lock meanwhile, as Tortoise's own transactions do, so no other query
    runs on its connection in between, and none of its transactions is open. Runs right here,
    on the event loop's thread, through this thread's own write connection
    (models/sqlite_reader.py): no thread waits for the GIL at each statement, while the loop
    is blocked for SQLite's work only. Should another process hold the database's write lock
    it runs in aiosqlite's thread instead, which waits for it. Rolled back, and the error
    raised, if any statement fails.
    """
    async with db._lock:  # type: ignore[attr-defined]
        here = writer(db)
        if here is not None:
            try:
                here.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError:  # locked by another process
                pass
            else:
                result = _run_script(here, script)
                _count_commit(db)
                return result
        connection = db._connection  # type: ignore[attr-defined]
        return await connection._execute(_begin_and_run, connection._conn, script)


# The write connection does no checkpoints of its own (models/sqlite_reader.writer): after this
# many of its commits, aiosqlite's connection is asked for one, as SQLite would do itself after
# about 1,000 pages of log (a group of received posts writes some 40).
CHECKPOINT_EVERY = 25
_commits: dict[int, int] = {}
_checkpoints: set[asyncio.Task[None]] = set()


def _count_commit(db: BaseDBAsyncClient) -> None:
    count = _commits[id(db)] = _commits.get(id(db), 0) + 1
    if count % CHECKPOINT_EVERY == 0:
        task = asyncio.get_running_loop().create_task(_checkpoint(db))
        _checkpoints.add(task)
        task.add_done_callback(_checkpoints.discard)


async def _checkpoint(db: BaseDBAsyncClient) -> None:
    try:
        await db.execute_query("PRAGMA wal_checkpoint(PASSIVE)")
    except Exception:  # a later one will do; the log only grows meanwhile
        pass


def _begin_and_run(connection: sqlite3.Connection, script: Script[T]) -> T:
    connection.execute("BEGIN IMMEDIATE")
    return _run_script(connection, script)


def _run_script(connection: sqlite3.Connection, script: Script[T]) -> T:
    """Run `script` in the transaction `connection` has begun, and commit it (or roll it back and raise)."""
    try:
        result: list[dict[str, Any]] | None = None
        try:
            while True:
                statement = script.send(result)
                if statement.many:
                    if statement.params:
                        connection.executemany(statement.sql, statement.params)
                    result = None
                else:
                    result = [dict(row) for row in connection.execute(statement.sql, statement.params).fetchall()]
        except StopIteration as done:
            value = done.value
        connection.execute("COMMIT")
        return value
    except BaseException:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        raise
