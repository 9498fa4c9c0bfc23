"""A script of statements (models/statements.py) runs as one transaction: its statements see
each other's writes, and it is committed whole or not at all. On SQLite it waits for another
process that holds the database's write lock rather than failing. A statement for many rows
(home feed rows, counters) writes every row, on PostgreSQL as one statement over arrays."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from core.counters import HeldBumps
from core.feeds import home_feed_rows
from models.accounts import Account
from models.base import utcnow
from models.db import database
from models.interactions import HomeFeedEntry
from models.queues import InboxItem
from models.statements import Script, Statement, one_handover_possible, run_as_transaction
from models.statuses import Status


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


async def test_home_feed_rows_and_counters_of_many_rows_are_written_for_every_row(db):
    authors = []
    for n in range(3):
        author = Account(username=f"a{n}", domain="remote.example", uri=f"https://remote.example/users/a{n}")
        await author.save()
        authors.append(author)
    reader = authors[0]
    posts = []
    for n, author in enumerate(authors * 2):
        post = Status(uri=f"{author.uri}/statuses/{n}", account=author, content="<p>hi</p>", visibility="public")
        await post.save()
        posts.append(post)
    posted_at = utcnow()
    bumps = HeldBumps()
    for post in posts:
        bumps.add(Account, post.account_id, "statuses_count", 1, {"last_status_at": posted_at})

    def script() -> Script[None]:
        # One post twice: the second row of the same feed entry is skipped, not an error.
        yield home_feed_rows([(reader.id, post.id) for post in [*posts, posts[0]]])
        yield from bumps.statements()

    await run_as_transaction(database(), script())

    feed = await HomeFeedEntry.filter(account_id=reader.id).values_list("status_id", flat=True)
    assert sorted(feed) == sorted(post.id for post in posts)
    for author in authors:
        await author.refresh_from_db()
        assert author.statuses_count == 2
        assert author.last_status_at == posted_at
