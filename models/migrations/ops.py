"""What a migration step does to a database, written once for SQLite and PostgreSQL.

Every helper is idempotent (it looks before it changes anything), for two reasons: a step
written against today's models may meet a table that an earlier step already created with a
later shape, and on SQLite, where a script cannot run inside a transaction, a step cut short
by a crash must be safe to run again.

Index names come from Tortoise's own schema generator, so an index added by a step has the
name it gets on a fresh database, and `IF NOT EXISTS` does the rest.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.fields.base import OnDelete
from tortoise.fields.relational import ForeignKeyFieldInstance
from tortoise.models import Model
from tortoise.utils import get_schema_sql


class MigrationError(Exception):
    """A step cannot be applied as written; the message says what the operator or author must do."""


def is_postgres(db: BaseDBAsyncClient) -> bool:
    return db.capabilities.dialect == "postgres"


async def table_names(db: BaseDBAsyncClient) -> set[str]:
    if is_postgres(db):
        query = "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
    else:
        query = "SELECT name FROM sqlite_master WHERE type = 'table'"
    _, rows = await db.execute_query(query)
    return {row[0] for row in rows}


async def column_names(db: BaseDBAsyncClient, table: str) -> set[str]:
    if is_postgres(db):
        _, rows = await db.execute_query(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema()"
            " AND table_name = $1",
            [table],
        )
        return {row[0] for row in rows}
    _, rows = await db.execute_query(f"PRAGMA table_info({_quote(table)})")
    return {row["name"] for row in rows}


async def create_missing_tables(db: BaseDBAsyncClient) -> None:
    """Create the tables (with their indexes) of every model that has none yet; existing ones stay as they are."""
    schema = get_schema_sql(db, safe=True)
    if schema:
        await db.schema_generator(db).generate_from_string(schema)


async def add_column(db: BaseDBAsyncClient, model: type[Model], field_name: str, backfill: Any = None) -> bool:
    """Add the model field's column unless it is there; True if it was added.

    Existing rows get `backfill`, or else the field's default (called once if callable), so a
    NOT NULL column can join a table that has rows. The column's index (db_index) comes too.
    """
    field = model._meta.fields_map[field_name]
    if isinstance(field, ForeignKeyFieldInstance):
        field = model._meta.fields_map[field.source_field or f"{field_name}_id"]
    column = model._meta.fields_db_projection[field.model_field_name]
    table = model._meta.db_table
    if column in await column_names(db, table):
        return False
    if field.unique:
        # Neither backend adds a UNIQUE column to a table with rows in one statement.
        raise MigrationError(
            f"{table}.{column} is unique: add it without unique, fill it, then create_index(..., unique=True)"
        )
    value = backfill if backfill is not None else field.default() if callable(field.default) else field.default
    if value is None and not field.null:
        raise MigrationError(f"{table}.{column} is NOT NULL and has no default: give add_column a backfill value")
    definition = f"{_quote(column)} {field.get_for_dialect(db.capabilities.dialect, 'SQL_TYPE')}"
    if not field.null:
        definition += " NOT NULL"
    if value is not None:
        definition += f" DEFAULT {_literal(db, field.to_db_value(value, model))}"
    relation = _reference(model, field_name)
    if relation:
        definition += relation
    await db.execute_script(f"ALTER TABLE {_quote(table)} ADD COLUMN {definition}")
    if value is not None and not field.null and is_postgres(db):
        # The default only filled existing rows; a fresh database has none, and the ORM always sends a value.
        await db.execute_script(f"ALTER TABLE {_quote(table)} ALTER COLUMN {_quote(column)} DROP DEFAULT")
    if field.index:
        await create_index(db, model, [column])
    return True


async def create_index(db: BaseDBAsyncClient, model: type[Model], columns: Sequence[str], unique: bool = False) -> None:
    """The index Tortoise makes for Meta.indexes / db_index (or unique_together when `unique`), if missing."""
    generator = db.schema_generator(db)
    if unique:
        statement = generator._get_unique_index_sql("IF NOT EXISTS ", model._meta.db_table, list(columns))
    else:
        statement = generator._get_index_sql(model, list(columns), safe=True)
    await db.execute_script(statement)


async def index_names(db: BaseDBAsyncClient, table: str) -> set[str]:
    if is_postgres(db):
        _, rows = await db.execute_query(
            "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = $1", [table]
        )
    else:
        _, rows = await db.execute_query(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?", [table]
        )
    return {row[0] for row in rows}


def _reference(model: type[Model], field_name: str) -> str:
    field = model._meta.fields_map[field_name]
    if not isinstance(field, ForeignKeyFieldInstance) or not field.db_constraint:
        return ""
    target = field.related_model
    return (
        f" REFERENCES {_quote(target._meta.db_table)} ({_quote(target._meta.pk.source_field or target._meta.pk_attr)})"
        f" ON DELETE {OnDelete(field.on_delete).value}"
    )


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(db: BaseDBAsyncClient, value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return ("TRUE" if value else "FALSE") if is_postgres(db) else str(int(value))
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, datetime.datetime | datetime.date):
        value = str(value)
    return "'" + str(value).replace("'", "''") + "'"
