"""A worker process on SQLite learns of work another process queued without waiting for its poll:
the watch wakes the inbox or delivery loop when, and only when, that queue got a newer row."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime

import pytest
from conftest import POSTGRES_SERVER

from core.sqlite_work_watch import SqliteWorkWatch
from models.db import database

pytestmark = pytest.mark.skipif(bool(POSTGRES_SERVER), reason="SQLite's; on PostgreSQL NOTIFY wakes the workers")


class Woken:
    """Stands in for the node: records each wake-up."""

    def __init__(self) -> None:
        self.kinds: list[str] = []

    def wake_here(self, kind: str) -> None:
        self.kinds.append(kind)


def other_process_queues(filename: str, table: str, n: int) -> None:
    """What a web process does: commit a queue row through a connection of its own."""
    now = datetime.now(UTC).isoformat()
    with sqlite3.connect(filename) as connection:
        if table == "inbox_items":
            connection.execute(
                "INSERT INTO inbox_items (activity_id, actor_uri, body, state, attempts, next_attempt_at, last_error,"
                " received_at) VALUES (?, 'https://r.example/u', '{}', 'pending', 0, ?, '', ?)",
                [f"https://r.example/a/{n}", now, now],
            )
        else:
            activity = connection.execute(
                "INSERT INTO outgoing_activities (activity_id, actor_id, body, created_at)"
                " VALUES (?, (SELECT id FROM accounts LIMIT 1), '{}', ?) RETURNING id",
                [f"https://here.example/a/{n}", now],
            ).fetchone()[0]
            connection.execute(
                "INSERT INTO deliveries (activity_id, inbox_url, state, attempts, next_attempt_at, last_error,"
                " created_at) VALUES (?, 'https://r.example/inbox', 'pending', 0, ?, '', ?)",
                [activity, now, now],
            )


async def test_the_watch_wakes_the_loop_whose_queue_grew(db) -> None:
    from core.registration import create_local_account

    await create_local_account(db.base_url, "alice", "correct horse battery")  # an actor for the deliveries
    filename = database().filename
    node = Woken()
    watch = SqliteWorkWatch(node, filename)  # type: ignore[arg-type]
    stop = asyncio.Event()
    running = asyncio.create_task(watch.run(stop))
    await asyncio.sleep(0.05)
    assert node.kinds == []  # nothing new: nothing woken, however often it looks

    other_process_queues(filename, "inbox_items", 1)
    watch.look()
    assert node.kinds == ["inbox"]

    other_process_queues(filename, "deliveries", 2)
    watch.look()
    watch.look()
    assert node.kinds == ["inbox", "delivery"]

    # A commit that queues nothing (a row marked done) wakes nobody.
    with sqlite3.connect(filename) as connection:
        connection.execute("UPDATE inbox_items SET state = 'done'")
    watch.look()
    assert node.kinds == ["inbox", "delivery"]

    # Its own loop finds the next one by itself, within its interval.
    other_process_queues(filename, "inbox_items", 3)
    for _ in range(100):
        if len(node.kinds) == 3:
            break
        await asyncio.sleep(0.01)
    assert node.kinds == ["inbox", "delivery", "inbox"]
    stop.set()
    await asyncio.wait_for(running, 5)
