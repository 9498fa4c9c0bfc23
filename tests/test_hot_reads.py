"""Hot reads (models/reads.py) see exactly what Tortoise sees: committed rows, and inside a
transaction that transaction's own writes. On SQLite they go through a second connection on
the loop's thread (models/sqlite_reader.py) wherever that gives the same answer."""

from __future__ import annotations

from tortoise.transactions import in_transaction

from core.registration import create_local_account
from models.accounts import Account
from models.db import database
from models.migrations.ops import is_postgres
from models.reads import backend, ids_value, in_ids, rows, tuples, union_rows
from models.sqlite_reader import reader


async def names() -> list[str]:
    return [row["username"] for row in await rows("SELECT username FROM accounts ORDER BY username")]


async def test_a_committed_account_is_read_at_once(db):
    await create_local_account(db.base_url, "alice", "correct horse battery")
    assert await names() == ["alice"]
    assert [tuple(row) for row in await tuples("SELECT username, domain FROM accounts")] == [("alice", "")]


async def test_inside_a_transaction_reads_see_its_own_writes_and_others_see_them_after_commit(db):
    async with in_transaction():
        await Account.create(username="bob", domain="", uri=f"{db.base_url}/users/bob", inbox_url="x")
        assert await names() == ["bob"]
        # Inside it, reads go through the transaction's own connection.
        assert reader(database()) is None
    assert await names() == ["bob"]


async def test_sqlite_reads_go_through_the_second_connection_outside_transactions(db):
    connection = reader(database())
    if is_postgres(database()):
        assert connection is None  # asyncpg's pool serves every read
        return
    assert connection is not None
    await create_local_account(db.base_url, "carol", "correct horse battery")
    assert [row[0] for row in connection.execute("SELECT username FROM accounts").fetchall()] == ["carol"]
    assert await names() == ["carol"]


async def test_a_union_of_parts_with_bound_id_lists_reads_the_same_on_every_path(db):
    """union_rows runs its parts one by one on SQLite's read connection and as one UNION ALL
    elsewhere (PostgreSQL, inside a transaction); in_ids binds a whole id list to one parameter."""
    for name in ("dora", "emil", "frida"):
        await create_local_account(db.base_url, name, "correct horse battery")
    ids = {row["username"]: row["id"] for row in await rows("SELECT id, username FROM accounts")}
    dialect = backend()
    parts = [
        (
            f"SELECT 'picked' AS kind, username AS name FROM accounts WHERE id {in_ids(dialect)}",
            [ids_value([ids["dora"], ids["frida"]], dialect)],
        ),
        ("SELECT 'named' AS kind, username AS name FROM accounts WHERE username = ?", ["emil"]),
        (f"SELECT 'none' AS kind, username AS name FROM accounts WHERE id {in_ids(dialect)}", [ids_value([], dialect)]),
    ]
    expected = [("named", "emil"), ("picked", "dora"), ("picked", "frida")]
    assert sorted((row["kind"], row["name"]) for row in await union_rows(parts)) == expected
    async with in_transaction():
        assert reader(database()) is None
        assert sorted((row["kind"], row["name"]) for row in await union_rows(parts)) == expected
    # The read connection is left out of any transaction of its own.
    connection = reader(database())
    assert connection is None or not connection.in_transaction
