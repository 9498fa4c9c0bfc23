"""`python server.py db upgrade | status`: the schema migrations from the command line."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from models.db import close_database, database, open_database
from models.migrations.ops import MigrationError
from models.migrations.runner import schema_state, upgrade
from settings import Settings


def add_subcommands(commands: Any) -> None:
    """Adds the `db` command (upgrade, status) to server.py's subparsers."""
    db = commands.add_parser("db", help="the database schema").add_subparsers(dest="action", required=True)
    upgrade_command = db.add_parser(
        "upgrade", help="apply the migrations this database has not had (serve does it at start too)"
    )
    upgrade_command.set_defaults(run=_cmd_upgrade)
    status_command = db.add_parser("status", help="list applied and pending migrations; exit status 1 if any pending")
    status_command.set_defaults(run=_cmd_status)


def _cmd_upgrade(settings: Settings, args: argparse.Namespace) -> int:
    async def work() -> int:
        try:
            done = await upgrade(database(), progress=lambda message: print(message, flush=True))
        except MigrationError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        print(f"upgraded: {len(done)} migration(s) applied" if done else "the schema is up to date; nothing to do")
        return 0

    return asyncio.run(_opened(settings, work))


def _cmd_status(settings: Settings, args: argparse.Namespace) -> int:
    async def work() -> int:
        state = await schema_state(database())
        for name in state.applied:
            print(
                f"applied  {name}"
                + ("   (unknown to this release: a newer one upgraded the database)" if name in state.unknown else "")
            )
        for migration in state.pending:
            print(f"pending  {migration.name}: {migration.description}")
        if state.empty:
            print("the database is empty: `python server.py db upgrade` (or serve) creates the schema")
        elif state.pending:
            print("run `python server.py db upgrade` to apply the pending migrations (back up the database first)")
        elif state.unknown:
            print("this release is older than the database: run the release that upgraded it")
        else:
            print("the schema is up to date")
        return 0 if state.current else 1

    return asyncio.run(_opened(settings, work))


async def _opened(settings: Settings, work):
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    # Opened without the automatic upgrade, so that the command itself reports every step.
    await open_database(settings.database_url, create_schema=False)
    try:
        return await work()
    finally:
        await close_database()
