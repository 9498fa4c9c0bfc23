"""Which migrations a database has had, and applying the others.

`schema_migrations` holds one row per applied step (by name, like Django's django_migrations),
so the steps a database still needs are simply the listed ones it has no row for.

On PostgreSQL an upgrade is one transaction under an advisory lock: several processes starting
at once (serve --workers, worker) take turns, and a failed step leaves the database as it was.
SQLite cannot run Tortoise's schema scripts inside a transaction, so there each step is
recorded when it is done and the steps are idempotent (models.migrations.ops).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from models.migrations import MIGRATIONS, Migration
from models.migrations.ops import MigrationError, create_missing_tables, is_postgres, table_names
from models.migrations.reference_indexes import ensure_reference_indexes
from models.migrations.render_versions import ensure_render_versions

TABLE = "schema_migrations"
# Any number both sides agree on: it names the lock, not a row.
ADVISORY_LOCK = 0x466C7572
# Present in every Flurfunk database since the first one: tells a node made before
# migrations existed from an empty database.
SENTINEL_TABLE = "accounts"

Progress = Callable[[str], None]


@dataclass(frozen=True)
class SchemaState:
    applied: list[str]
    pending: list[Migration]
    unknown: list[str]  # recorded here but not in this code: a newer release upgraded the database
    empty: bool  # no Flurfunk tables at all

    @property
    def current(self) -> bool:
        return not self.pending and not self.unknown and not self.empty


async def schema_state(db: BaseDBAsyncClient, migrations: Sequence[Migration] = MIGRATIONS) -> SchemaState:
    tables = await table_names(db)
    applied: list[str] = []
    if TABLE in tables:
        _, rows = await db.execute_query(f"SELECT name FROM {TABLE} ORDER BY name")
        applied = [row[0] for row in rows]
    known = {m.name for m in migrations}
    return SchemaState(
        applied=applied,
        pending=[m for m in migrations if m.name not in applied],
        unknown=[name for name in applied if name not in known],
        empty=SENTINEL_TABLE not in tables,
    )


async def upgrade(
    db: BaseDBAsyncClient, migrations: Sequence[Migration] = MIGRATIONS, progress: Progress | None = None
) -> list[str]:
    """Bring the database to the current schema; the names of the steps that ran (empty: nothing to do)."""
    say = progress or (lambda message: None)
    if is_postgres(db):
        async with in_transaction(db.connection_name) as transaction:
            await transaction.execute_query("SELECT pg_advisory_xact_lock($1)", [ADVISORY_LOCK])
            return await _upgrade(transaction, migrations, say)
    return await _upgrade(db, migrations, say)


async def _upgrade(db: BaseDBAsyncClient, migrations: Sequence[Migration], say: Progress) -> list[str]:
    state = await schema_state(db, migrations)
    if state.unknown:
        raise MigrationError(
            f"this database has migrations this version of Flurfunk does not know ({', '.join(state.unknown)}):"
            " a newer release upgraded it. Run that release again, or restore the backup made before the upgrade."
        )
    if state.current:
        return []
    await db.execute_script(
        f"CREATE TABLE IF NOT EXISTS {TABLE} (name VARCHAR(255) PRIMARY KEY, applied_at VARCHAR(40))"
    )
    if state.empty:
        # The models are the newest schema, so a new database needs none of the steps.
        say(f"creating the schema of a new database (up to migration {migrations[-1].name})")
        await create_missing_tables(db)
        await ensure_render_versions(db)
        await ensure_reference_indexes(db)
        for migration in migrations:
            await _record(db, migration.name)
        return [m.name for m in migrations]
    done = []
    for migration in state.pending:
        say(f"applying migration {migration.name}: {migration.description}")
        try:
            await migration.apply(db)
        except Exception as exc:
            raise MigrationError(_failure(db, migration, exc)) from exc
        await _record(db, migration.name)
        done.append(migration.name)
    return done


async def _record(db: BaseDBAsyncClient, name: str) -> None:
    placeholders = "$1, $2" if is_postgres(db) else "?, ?"
    await db.execute_query(
        f"INSERT INTO {TABLE} (name, applied_at) VALUES ({placeholders}) ON CONFLICT DO NOTHING",
        [name, datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")],
    )


def _failure(db: BaseDBAsyncClient, migration: Migration, exc: Exception) -> str:
    if is_postgres(db):
        kept = "Nothing was changed (the upgrade runs in one transaction)."
    else:
        kept = "The migrations before it are applied and recorded; back up the database file first."
    return (
        f"migration {migration.name} failed: {type(exc).__name__}: {exc}. {kept}"
        " Fix the cause, then run `python server.py db upgrade` again."
    )
