"""An index on every column that references another row, so that deleting that row stays cheap.

Deleting a status or an account makes the database find the rows that reference it: to
cascade the delete, to set their reference NULL, or (SQLite's foreign-key check, PostgreSQL's
constraint trigger) only to see there are none. A referencing column with no index of its own
is then read in full. Tortoise indexes a foreign key only where a model asks, so on a node with
a million statuses one remote Delete scanned `statuses` twice (its boosts and its replies),
`home_feed` and the favourites and bookmarks of everyone: 1.85 s on SQLite, during which the
one writer did nothing else.

Every foreign-key column of the models that leads no index gets one here. A nullable one gets
a partial index of its non-NULL rows (most statuses are neither boosts nor replies, and a
lookup by value never needs the NULLs), which SQLite and PostgreSQL both use for `col = ?`.
A boost's index also holds its author, for the viewer's "boosted it" mark on every page.

Like the render versions, these are part of the schema without being in the models: the
migration runner calls `ensure_reference_indexes` on a new database as well as in step 0003.
"""

from __future__ import annotations

from dataclasses import dataclass

from tortoise import Tortoise
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model


@dataclass(frozen=True)
class ReferenceIndex:
    """Written here, not through models.migrations.ops.create_index: Tortoise makes no partial indexes."""

    table: str
    columns: tuple[str, ...]
    partial: bool  # only the rows whose first column is not NULL

    @property
    def name(self) -> str:
        return f"ref_{self.table}_{'_'.join(self.columns)}"

    def sql(self) -> str:
        columns = ", ".join(f'"{column}"' for column in self.columns)
        where = f' WHERE "{self.columns[0]}" IS NOT NULL' if self.partial else ""
        return f'CREATE INDEX IF NOT EXISTS "{self.name}" ON "{self.table}" ({columns}){where}'


# Wider than the reference alone, for a read every page makes (api/serializers/status_facts.py).
WIDER = {("statuses", "reblog_id"): ("reblog_id", "account_id")}


def _models() -> list[type[Model]]:
    return [model for app in Tortoise.apps.values() for model in app.values()]


def _column(model: type[Model], name: str) -> str:
    """The column of field `name` (a foreign key's `…_id` column for its own name)."""
    meta = model._meta
    if name in meta.fk_fields or name in meta.o2o_fields:
        name = f"{name}_id"
    return meta.fields_map[name].source_field or name


def _leading(model: type[Model]) -> set[str]:
    """The columns that lead an index the models already make."""
    meta = model._meta
    lead = {_column(model, meta.pk_attr)}
    for group in (*meta.unique_together, *meta.indexes):
        if isinstance(group, tuple | list) and group and isinstance(group[0], str):
            lead.add(_column(model, group[0]))
    for name, field in meta.fields_map.items():
        if field.index or field.unique:
            lead.add(_column(model, name))
    return lead


def reference_indexes() -> list[ReferenceIndex]:
    """The indexes the models' foreign keys need beyond those the models make."""
    found = []
    for model in _models():
        lead = _leading(model)
        for name in sorted(model._meta.fk_fields):
            field = model._meta.fields_map[name]
            if not field.db_constraint:
                continue
            column = _column(model, name)
            if column in lead:
                continue
            table = model._meta.db_table
            found.append(ReferenceIndex(table, WIDER.get((table, column), (column,)), field.null))
    return found


# Not for references: for a read every page makes. The viewer's boosts among a page's span of
# ids (api/serializers/status_facts.py), in an index of boosts alone, by booster.
FOR_READS = (
    'CREATE INDEX IF NOT EXISTS "statuses_boosts_by_account" ON "statuses" ("account_id", "reblog_id")'
    ' WHERE "reblog_id" IS NOT NULL',
)


async def ensure_reference_indexes(db: BaseDBAsyncClient) -> None:
    """Create those of them that are missing, and FOR_READS (idempotent: each is `CREATE INDEX IF NOT EXISTS`)."""
    await db.execute_script(";\n".join([*(index.sql() for index in reference_indexes()), *FOR_READS]))
