"""Hot read paths without the ORM's per-query cost: SQL text written once, rows made into models directly.

A Tortoise query builds its SQL anew through pypika on every call (a few hundred µs per query),
which made the query-building alone a third of a home timeline page. The pages every client
polls (timelines, the token look-up behind every request) read through here instead: plain SQL
with `?` placeholders (rewritten to `$1…` once per text for PostgreSQL, models.db.placeholders), and each row turned
into a model instance by Tortoise's own `_init_from_db`, so callers get the same objects and
field conversions as from a queryset. Instances read here are for reading: saving one works
as for any instance loaded by Tortoise.

Lists of ids are written into the SQL text (`ids_sql`) rather than bound one by one: they
are integers from our own rows, forced through int(), so nothing needs quoting.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from tortoise.models import Model

from models.db import database, placeholders
from models.sqlite_reader import read, reader

M = TypeVar("M", bound=Model)


async def rows(sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
    """The rows of one SELECT as dicts; `sql` uses `?` placeholders on both backends."""
    db = database()
    connection = reader(db)
    if connection is not None:
        found = read(connection, sql, params)
        if found is not None:
            return found
    return await db.execute_query_dict(placeholders(sql, db.capabilities.dialect), list(params))


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
    return ", ".join(f'{alias}."{column}" AS "{prefix}{column}"' for column in model._meta.db_fields)


def table(model: type[Model]) -> str:
    return model._meta.db_table


def ids_sql(ids: Iterable[int]) -> str:
    """`1,2,3` for an `IN (…)`; `NULL` for none, so `IN (NULL)` matches nothing."""
    return ",".join(str(int(i)) for i in ids) or "NULL"
