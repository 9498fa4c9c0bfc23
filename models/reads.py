"""Hot read paths without the ORM's per-query cost: SQL text written once, rows made into models directly.

A Tortoise query builds its SQL anew through pypika on every call (a few hundred µs per query),
which made the query-building alone a third of a home timeline page. The pages every client
polls (timelines, the token look-up behind every request) read through here instead: plain SQL
with `?` placeholders (rewritten to `$1…` once per text for PostgreSQL, models.db.placeholders), and each row turned
into a model instance by Tortoise's own `_init_from_db`, so callers get the same objects and
field conversions as from a queryset. Instances read here are for reading: saving one works
as for any instance loaded by Tortoise.

Lists of ids are written into the SQL text (`ids_sql`) rather than bound one by one: they
are integers from our own rows, forced through int(), so nothing needs quoting. On the paths
every request takes, a list is bound to one parameter instead (`in_ids`, `ids_value`): the text
then stays the same from one page to the next, so SQLite and asyncpg reuse its prepared
statement, where each new text had to be parsed and planned again (for a page's marks on SQLite,
about 220 µs of a 300 µs page).
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

import orjson
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model

from models.db import database, placeholders
from models.sqlite_reader import read, read_each, read_tuples, reader

M = TypeVar("M", bound=Model)
T = TypeVar("T")


Direct = Callable[[sqlite3.Connection, str, Sequence[Any]], T | None]


def _here(how: Direct[T], sql: str, params: Sequence[Any]) -> T | None:
    """The read done on this thread's SQLite connection (models/sqlite_reader.py), or None where it can't be."""
    connection = reader(database())
    return how(connection, sql, params) if connection is not None else None


def _sql(sql: str) -> tuple[BaseDBAsyncClient, str]:
    db = database()
    return db, placeholders(sql, db.capabilities.dialect)


async def rows(sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
    """The rows of one SELECT as dicts; `sql` uses `?` placeholders on both backends."""
    found = _here(read, sql, params)
    if found is None:
        db, text = _sql(sql)
        found = await db.execute_query_dict(text, list(params))
    return found


async def union_rows(parts: Sequence[tuple[str, Sequence[Any]]]) -> list[dict[str, Any]]:
    """The rows of `part UNION ALL part …`, each part a SELECT with its own parameters.

    On SQLite's read connection each part runs as a statement of its own, all in one read
    transaction: SQLite runs a compound SELECT of `IN` look-ups about three times slower than
    its parts one after another (a page's marks, bound as in status_facts: 144–160 against
    50–57 µs), and here there is no round trip to save. Elsewhere the parts go as one
    statement, one round trip.
    """
    if len(parts) == 1:
        return await rows(*parts[0])
    connection = reader(database())
    found = read_each(connection, parts) if connection is not None else None
    if found is not None:
        return found
    return await rows(" UNION ALL ".join(sql for sql, _ in parts), [p for _, params in parts for p in params])


async def tuples(sql: str, params: Sequence[Any] = ()) -> list[Sequence[Any]]:
    """The rows of one SELECT, each indexed by column position: cheaper than dicts for wide rows."""
    found = _here(read_tuples, sql, params)
    if found is None:
        db, text = _sql(sql)
        found = list((await db.execute_query(text, list(params)))[1])
    return found


async def instances(model: type[M], sql: str, params: Sequence[Any] = ()) -> list[M]:
    """Model instances from a SELECT of all of `model`'s columns (`SELECT t.* …`)."""
    return [model._init_from_db(**row) for row in await rows(sql, params)]


def instance(model: type[M], row: dict[str, Any], prefix: str = "") -> M:
    """One instance from the columns of `row` that start with `prefix` (see `columns`)."""
    if prefix:
        size = len(prefix)
        row = {key[size:]: value for key, value in row.items() if key.startswith(prefix)}
    return model._init_from_db(**row)


@functools.cache
def columns(model: type[Model], alias: str, prefix: str) -> str:
    """`alias.col AS prefixcol, …` for every column of `model`: several models' rows from one joined SELECT."""
    return ", ".join(f'{alias}."{column}" AS "{prefix}{column}"' for column in column_names(model))


@functools.cache
def column_names(model: type[Model]) -> tuple[str, ...]:
    """`model`'s columns in the order `columns` selects them (db_fields is a set: fixed here once)."""
    return tuple(sorted(model._meta.db_fields))


def instance_at(model: type[M], row: Sequence[Any], start: int) -> M:
    """One instance from the columns of a `tuples` row that `columns(model, …)` put at `start`."""
    names = column_names(model)
    return model._init_from_db(**dict(zip(names, row[start : start + len(names)], strict=True)))


def table(model: type[Model]) -> str:
    return model._meta.db_table


def backend() -> str:
    """The open database's SQL dialect: "sqlite" or "postgres"."""
    return database().capabilities.dialect


DIALECTS = ("sqlite", "postgres")


def in_ids(backend: str) -> str:
    """`IN` the ids bound to one `?` (their value from `ids_value`), as `backend`'s SQL has it."""
    return "= ANY(?::bigint[])" if backend == "postgres" else "IN (SELECT value FROM json_each(?))"


def ids_value(ids: Iterable[int], backend: str) -> Any:
    """The value to bind for an `in_ids` parameter: an array on PostgreSQL, a JSON list on SQLite."""
    values = [int(i) for i in ids]
    return values if backend == "postgres" else orjson.dumps(values).decode()


def ids_sql(ids: Iterable[int]) -> str:
    """`1,2,3` for an `IN (…)`; `NULL` for none, so `IN (NULL)` matches nothing."""
    return ",".join(str(int(i)) for i in ids) or "NULL"
