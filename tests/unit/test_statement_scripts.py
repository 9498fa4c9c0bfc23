"""A script of statements (models/statements.py) runs as one transaction: its statements see
each other's writes, and it is committed whole or not at all. On SQLite it waits for another
process that holds the database's write lock rather than failing."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from models.base import utcnow
from models.db import database
from models.queues import InboxItem
from models.statements import Script, Statement, one_handover_possible, run_as_transaction


def _item(activity_id: str) -> Statement:
    now = utcnow()
    return Statement(
        "INSERT INTO inbox_items (activity_id, actor_uri, body, state, attempts, next_attempt_at, last_error,"
        " received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [activity_id, "https://remote.example/users/a", "{}", "pending", 0, now, "", now],
    )


def _two_items(fail: bool) -> Script[int]:
    yield _item("https://remote.example/1")
    yield _item("https://remote.example/2")
    found = yield Statement("SELECT count(*) AS n FROM inbox_items", [])
    if fail:
        raise RuntimeError("disk on fire")
    return found[0]["n"]


async def test_a_script_is_committed_whole_or_not_at_all(db):
    with pytest.raises(RuntimeError, match="disk on fire"):
        await run_as_transaction(database(), _two_items(fail=True))
    assert await InboxItem.all().count() == 0

    assert await run_as_transaction(database(), _two_items(fail=False)) == 2  # it saw its own rows
    assert await InboxItem.all().count() == 2


async def test_a_script_on_sqlite_waits_for_another_process_holding_the_write_lock(db):
    if not one_handover_possible(database()):
        pytest.skip("SQLite's write lock")
    other = sqlite3.connect(database().filename, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    other.execute(_item("https://remote.example/other").sql, _item("https://remote.example/other").params)
    threading.Timer(0.3, lambda: other.execute("COMMIT")).start()
    try:
        assert await run_as_transaction(database(), _two_items(fail=False)) == 3
    finally:
        other.close()
    assert await InboxItem.all().count() == 3
