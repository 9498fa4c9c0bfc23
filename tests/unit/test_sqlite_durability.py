"""SQLite runs in WAL mode with the durability FEDI_SQLITE_SYNCHRONOUS names (NORMAL unless told)."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.db import close_database, database, open_database
from settings import Settings, SettingsError

LEVELS = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}


async def _pragmas(settings: Settings) -> tuple[str, str]:
    await open_database(settings.database_url)
    try:
        journal = (await database().execute_query_dict("PRAGMA journal_mode"))[0]
        synchronous = (await database().execute_query_dict("PRAGMA synchronous"))[0]
    finally:
        await close_database()
    return next(iter(journal.values())), LEVELS[next(iter(synchronous.values()))]


@pytest.mark.parametrize(("env", "expected"), [({}, "NORMAL"), ({"FEDI_SQLITE_SYNCHRONOUS": "full"}, "FULL")])
async def test_the_sqlite_database_gets_the_configured_durability(tmp_path: Path, env, expected):
    settings = Settings.from_env({"FEDI_DATA_DIR": str(tmp_path), **env})
    assert await _pragmas(settings) == ("wal", expected)


def test_an_unknown_durability_is_refused():
    with pytest.raises(SettingsError, match="FEDI_SQLITE_SYNCHRONOUS"):
        Settings.from_env({"FEDI_SQLITE_SYNCHRONOUS": "sometimes"})
