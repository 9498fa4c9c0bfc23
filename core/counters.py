"""Denormalised counters (followers, statuses, favourites...) changed atomically in SQL."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from tortoise.expressions import F
from tortoise.models import Model

from models.db import database
from models.statements import Script, Statement, run


@dataclass
class _Row:
    model: type[Model]
    object_id: int
    deltas: dict[str, int] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)


class HeldBumps:
    """Counter changes collected for writing later, summed per row (see `held_bumps`)."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, int], _Row] = {}

    def add(self, model: type[Model], object_id: int, name: str, delta: int, also: dict[str, Any]) -> None:
        row = self.rows.setdefault((model.__name__, object_id), _Row(model, object_id))
        row.deltas[name] = row.deltas.get(name, 0) + delta
        row.values.update(also)

    def merge(self, other: HeldBumps) -> None:
        for row in other.rows.values():
            for name, delta in row.deltas.items():
                self.add(row.model, row.object_id, name, delta, row.values)

    async def write(self) -> None:
        """The changes in a fixed order (model, id), so that concurrent writers never deadlock.

        Rows changing the same columns share one statement text, run for all of them at once
        (executemany): a batch of posts by fifty authors is one call, not fifty.
        """
        await run(database(), self.statements())
        for row in self.rows.values():
            for name, delta in row.deltas.items():
                if delta < 0:  # never below zero, whatever was missed
                    await row.model.filter(id=row.object_id, **{f"{name}__lt": 0}).update(**{name: 0})
        self.rows.clear()

    def statements(self) -> Script[None]:
        """The UPDATEs of `write` as a script (models/statements.py), for a caller's own transaction.

        Only for increments: `write` alone also keeps counters decremented past zero at zero.
        """
        groups: dict[tuple, list[_Row]] = {}
        for _, row in sorted(self.rows.items(), key=lambda item: item[0]):
            groups.setdefault((row.model.__name__, tuple(row.deltas), tuple(row.values)), []).append(row)
        for rows in groups.values():
            first = rows[0]
            fields = first.model._meta.fields_map
            table, counters, columns = first.model._meta.db_table, tuple(first.deltas), tuple(first.values)
            yield Statement(
                _update_sql(table, counters, columns),
                [
                    [
                        *row.deltas.values(),
                        *(fields[k].to_db_value(v, row.model) for k, v in row.values.items()),
                        row.object_id,
                    ]
                    for row in rows
                ],
                many=True,
                arrays=_update_arrays_sql(first.model, counters, columns),
            )


@functools.cache
def _update_sql(table: str, counters: tuple[str, ...], columns: tuple[str, ...]) -> str:
    names = [f"{name} = {name} + ?" for name in counters] + [f"{name} = ?" for name in columns]
    return f"UPDATE {table} SET {', '.join(names)} WHERE id = ?"


@functools.cache
def _update_arrays_sql(model: type[Model], counters: tuple[str, ...], columns: tuple[str, ...]) -> str:
    """_update_sql for PostgreSQL as one UPDATE over arrays (models.statements.Statement.arrays),
    one element per row. The rows come sorted by id, and joined to the few ids in the arrays
    the table's rows are updated in that order, as one statement per row did."""
    fields = model._meta.fields_map
    names = [f"c{n}" for n in range(len(counters))] + [f"v{n}" for n in range(len(columns))]
    types = ["bigint"] * len(counters) + [fields[name].get_for_dialect("postgres", "SQL_TYPE") for name in columns]
    assignments = [f"{name} = t.{name} + v.c{n}" for n, name in enumerate(counters)]
    assignments += [f"{name} = v.v{n}" for n, name in enumerate(columns)]
    arrays = ", ".join(f"?::{kind}[]" for kind in [*types, "bigint"])
    return (
        f"UPDATE {model._meta.db_table} AS t SET {', '.join(assignments)}"
        f" FROM unnest({arrays}) AS v({', '.join([*names, 'id'])}) WHERE t.id = v.id"
    )


_held: ContextVar[HeldBumps | None] = ContextVar("flurfunk_held_bumps", default=None)


@contextmanager
def held_bumps(into: HeldBumps) -> Iterator[None]:
    """Collect counter changes in `into` instead of writing them at once; `into.write()` writes them.

    For many changes inside one transaction: counters are hot rows (an author's statuses_count
    changes with each of their posts), and two workers' transactions each changing them one by
    one in a different order could deadlock on PostgreSQL. Written at the end, sorted, they
    are one UPDATE per row, with its lock held only until the commit that follows.
    """
    token = _held.set(into)
    try:
        yield
    finally:
        _held.reset(token)


async def bump(model: type[Model], object_id: int, field: str, delta: int = 1, **also: Any) -> None:
    if (held := _held.get()) is not None:
        held.add(model, object_id, field, delta, also)
        return
    await model.filter(id=object_id).update(**{field: F(field) + delta}, **also)
    if delta < 0:  # never below zero, whatever was missed
        await model.filter(id=object_id, **{f"{field}__lt": 0}).update(**{field: 0})
