"""Opening and closing the node's database."""

from __future__ import annotations

import functools
import logging

from tortoise import Tortoise, connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.context import get_current_context

from models import MODEL_MODULES
from models.migrations.runner import upgrade
from models.sqlite_reader import close_readers

log = logging.getLogger("flurfunk.migrations")


def connection_name(database_url: str) -> str:
    # Tortoise caches the SQL it compiles per connection name (its EXECUTOR_CACHE), so a
    # process that opens SQLite and later PostgreSQL (the test suite does) must give them
    # different names, or PostgreSQL would be sent SQLite's placeholders.
    return "postgres" if database_url.startswith(("postgres", "asyncpg", "psycopg")) else "sqlite"


def database() -> BaseDBAsyncClient:
    """The open database connection, for the few places that run their own SQL.

    Several times a request on the hot paths, so the current context's connection is looked up
    directly first (Tortoise's own lookup cost 5 µs a call, a twentieth of a timeline page); a
    transaction's connection, a switched event loop or a Tortoise without these internals take
    its usual way.
    """
    name = _models_connection()
    try:
        context = get_current_context()
        found = context.connections._get_storage().get(name) if context is not None else None
    except AttributeError:
        found = None
    if found is not None and found._check_loop():
        return found
    return connections.get(name)


def _models_connection() -> str:
    return _models_meta().default_connection or "sqlite"


@functools.cache
def _models_meta():
    """The models' MetaInfo (one object for the process; Tortoise sets its connection on init)."""
    from models.accounts import Account  # models imports this module

    return Account._meta


def placeholders(sql: str, dialect: str) -> str:
    """`sql` written with `?` placeholders, as `dialect` wants them (PostgreSQL: `$1, $2…`).

    For the few statements written by hand on hot paths; their texts hold no literal `?`.
    """
    return _numbered(sql) if dialect == "postgres" else sql


@functools.lru_cache(maxsize=256)
def _numbered(sql: str) -> str:
    parts = sql.split("?")
    return "".join(part + (f"${n}" if n < len(parts) else "") for n, part in enumerate(parts, start=1))


def tortoise_config(database_url: str) -> dict:
    name = connection_name(database_url)
    connection: str | dict = database_url
    if name == "sqlite":
        # Tortoise opens SQLite in WAL mode with synchronous=FULL: every commit waits for a
        # sync of the log, which made each accepted activity cost a disk flush. In WAL mode,
        # NORMAL (what GoToSocial runs with) is safe against corruption and loses nothing when
        # the process crashes; only a power cut may lose the last commits. A URL's own
        # `?synchronous=` (FEDI_SQLITE_SYNCHRONOUS through Settings) wins.
        connection = expand_db_url(database_url)
        connection["credentials"].setdefault("synchronous", "NORMAL")
    else:
        # asyncpg's pool resets every connection it takes back (advisory locks, cursors,
        # LISTENs, settings): a round trip per query, a third of a timeline page's time on
        # PostgreSQL. Nothing here leaves such state on a pool connection (migrations take
        # transaction-scoped locks, the event bus LISTENs on a connection of its own), and the
        # pool still rolls back a transaction left open, so the reset is skipped.
        connection = expand_db_url(database_url)
        connection["credentials"]["reset"] = _keep_session
    return {
        "connections": {name: connection},
        "apps": {"models": {"models": MODEL_MODULES, "default_connection": name}},
        "use_tz": True,
        "timezone": "UTC",
    }


async def _keep_session(connection: object) -> None:
    """The pool's reset (see tortoise_config): nothing to undo beyond what asyncpg always does."""


async def open_database(database_url: str, create_schema: bool = True) -> None:
    """Connect; with `create_schema`, also create the schema of a new database or upgrade an older one.

    Upgrading at start spares the operator of a single SQLite node a step; `server.py db
    upgrade` does the same on its own, reporting each migration (models/migrations).
    """
    # The global fallback lets request tasks, which do not inherit the lifespan task's
    # context variables, reach the connection opened here.
    await Tortoise.init(config=tortoise_config(database_url), _enable_global_fallback=True)
    if create_schema:
        await upgrade(database(), progress=log.info)


async def close_database() -> None:
    close_readers()
    await Tortoise.close_connections()
