"""Render versions: a counter on statuses and accounts that the database bumps on every change.

The home timeline keeps the entities it rendered (api/serializers/status_cache.py) and reuses
one as long as the versions of its status, its author and (for a boost) the boosted status and
its author are what they were. The counters are kept by triggers, not by the application, so
every write counts — Tortoise's saves, the F()-expression counter updates, the batch writers'
plain SQL, an operator's psql — and nothing can forget to bump them:

- a change to a status or account row bumps its own `render_version` (on SQLite to one above
  the highest of its table, so that the numbers also say in which order rows changed; on
  PostgreSQL, whose transactions commit in any order, by one);
- a poll's votes, and media, mentions and hashtags added, changed or removed, bump their status's.

The column is not a model field, so Tortoise never writes it (a save of an instance loaded
earlier would otherwise put an old number back). It is part of the schema all the same: the
migration runner calls `ensure_render_versions` on a new database as well as in step 0002.
"""

from __future__ import annotations

from tortoise.backends.base.client import BaseDBAsyncClient

from models.migrations.ops import column_names, is_postgres

COLUMN = "render_version"
VERSIONED = ("statuses", "accounts")
# Tables whose rows belong to a status (their status_id column) and show in its entity.
STATUS_PARTS = ("polls", "media_attachments", "mentions", "status_tags")


async def ensure_render_versions(db: BaseDBAsyncClient) -> None:
    """Add the columns and triggers where they are missing (idempotent)."""
    for table in VERSIONED:
        if COLUMN not in await column_names(db, table):
            await db.execute_script(f'ALTER TABLE "{table}" ADD COLUMN {COLUMN} BIGINT NOT NULL DEFAULT 0')
    if is_postgres(db):
        await db.execute_script(_postgres_triggers())
    else:
        await db.execute_script(_sqlite_triggers())


def _sqlite_triggers() -> str:
    # Each change takes the number one above the highest of its table (found in the index below):
    # SQLite commits one writer at a time, so a table's numbers grow in commit order, and "what
    # changed since" is one range of that index (api/serializers/render_changes.py). A status's
    # parts bump it with a plain UPDATE of the row, which its own trigger then numbers.
    # SQLite's recursive_triggers is off (its default), so a trigger's own UPDATE does not fire it again.
    statements = []
    for table in VERSIONED:
        statements += [
            f"CREATE INDEX IF NOT EXISTS {table}_{COLUMN} ON {table} ({COLUMN});",
            f"DROP TRIGGER IF EXISTS {table}_render_version;",
            f"CREATE TRIGGER {table}_render_version AFTER UPDATE ON {table} FOR EACH ROW BEGIN"
            f" UPDATE {table} SET {COLUMN} = (SELECT max({COLUMN}) FROM {table}) + 1 WHERE rowid = NEW.rowid; END;",
        ]
    bump = f"UPDATE statuses SET {COLUMN} = {COLUMN} WHERE id ="
    for table in STATUS_PARTS:
        for event in ("insert", "update", "delete"):
            statements.append(f"DROP TRIGGER IF EXISTS {table}_{event}_render_version;")
        statements += [
            f"CREATE TRIGGER {table}_insert_render_version AFTER INSERT ON {table} FOR EACH ROW"
            f" WHEN NEW.status_id IS NOT NULL BEGIN {bump} NEW.status_id; END;",
            f"CREATE TRIGGER {table}_update_render_version AFTER UPDATE ON {table} FOR EACH ROW"
            f" BEGIN {bump} NEW.status_id; {bump} OLD.status_id; END;",
            f"CREATE TRIGGER {table}_delete_render_version AFTER DELETE ON {table} FOR EACH ROW"
            f" WHEN OLD.status_id IS NOT NULL BEGIN {bump} OLD.status_id; END;",
        ]
    return "\n".join(statements)


def _postgres_triggers() -> str:
    statements = [
        # A BEFORE trigger sets the new row's number, whatever the UPDATE wrote.
        f"""CREATE OR REPLACE FUNCTION flurfunk_bump_render_version() RETURNS trigger AS $$
        BEGIN NEW.{COLUMN} := OLD.{COLUMN} + 1; RETURN NEW; END $$ LANGUAGE plpgsql;""",
        f"""CREATE OR REPLACE FUNCTION flurfunk_bump_status_render_version() RETURNS trigger AS $$
        BEGIN
            IF TG_OP <> 'INSERT' AND OLD.status_id IS NOT NULL THEN
                UPDATE statuses SET {COLUMN} = {COLUMN} + 1 WHERE id = OLD.status_id;
            END IF;
            IF TG_OP <> 'DELETE' AND NEW.status_id IS NOT NULL
                    AND (TG_OP = 'INSERT' OR NEW.status_id IS DISTINCT FROM OLD.status_id) THEN
                UPDATE statuses SET {COLUMN} = {COLUMN} + 1 WHERE id = NEW.status_id;
            END IF;
            RETURN NULL;
        END $$ LANGUAGE plpgsql;""",
    ]
    for table in VERSIONED:
        statements += [
            f"DROP TRIGGER IF EXISTS {table}_render_version ON {table};",
            f"CREATE TRIGGER {table}_render_version BEFORE UPDATE ON {table}"
            " FOR EACH ROW EXECUTE FUNCTION flurfunk_bump_render_version();",
        ]
    for table in STATUS_PARTS:
        statements += [
            f"DROP TRIGGER IF EXISTS {table}_render_version ON {table};",
            f"CREATE TRIGGER {table}_render_version AFTER INSERT OR UPDATE OR DELETE ON {table}"
            " FOR EACH ROW EXECUTE FUNCTION flurfunk_bump_status_render_version();",
        ]
    return "\n".join(statements)
