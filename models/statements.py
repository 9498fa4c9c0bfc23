"""A transaction written once as a script of statements, run on either database in few round trips.

A script is a generator that yields `Statement`s and is sent each one's rows back (a list of
dicts; None for `many`), deciding the next statements from them; what it returns is the
result. `run` runs a script inside the current connection (a transaction the caller opened,
on PostgreSQL). `run_in_one_handover` runs a whole script as one transaction inside
aiosqlite's thread: on SQLite every statement through Tortoise is a hand-over to that thread
and back, and a continuation that waits its turn on the busy event loop. For the inbox's group
of received posts (seven statements with BEGIN and COMMIT, about 1.6 ms of SQLite's own work)
that took 10.7-13.0 ms a group under load, against 9.3-10.6 ms in one hand-over (inbox bench,
three alternating runs each).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any, TypeVar

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.backends.sqlite.client import SqliteClient

from models.db import placeholders

T = TypeVar("T")


@dataclass(frozen=True)
class Statement:
    """One statement of a script, written with `?` placeholders: `params` for one execution,
    or with `many`, a list of parameter lists (one execution each, no rows back)."""

    sql: str
    params: list[Any]
    many: bool = False


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
                if statement.params:
                    await db.execute_many(sql, statement.params)
                result = None
            else:
                result = await db.execute_query_dict(sql, statement.params)
    except StopIteration as done:
        return done.value


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
    """Run `script` as one transaction (BEGIN … COMMIT) in aiosqlite's thread (`one_handover_possible`).

    Holds the client's lock meanwhile, as Tortoise's own transactions do, so no other query
    runs on the connection in between. Rolled back, and the error raised, if any statement fails.
    """
    async with db._lock:  # type: ignore[attr-defined]
        connection = db._connection  # type: ignore[attr-defined]
        return await connection._execute(_run_here, connection._conn, script)


def _run_here(connection: sqlite3.Connection, script: Script[T]) -> T:
    connection.execute("BEGIN")
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
