"""Every column that references another row has an index, on SQLite and PostgreSQL, so deleting
a status or an account finds the rows that refer to it without reading whole tables
(models/migrations/reference_indexes.py); an older database gets them from `db upgrade`."""

from __future__ import annotations

from core.registration import create_local_account
from models.accounts import Account
from models.db import database
from models.interactions import Favourite, HomeFeedEntry
from models.migrations.ops import index_names, is_postgres
from models.migrations.reference_indexes import reference_indexes
from models.migrations.runner import TABLE, upgrade
from models.statuses import Status


async def references_without_an_index(db) -> list[str]:
    """`table.column` of each foreign key whose column leads no index, read from the database itself."""
    if is_postgres(db):
        _, found = await db.execute_query(
            "SELECT c.conrelid::regclass::text, a.attname FROM pg_constraint c"
            " JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]"
            " WHERE c.contype = 'f' AND NOT EXISTS (SELECT 1 FROM pg_index i"
            " WHERE i.indrelid = c.conrelid AND i.indkey[0] = c.conkey[1])"
        )
        return sorted(f"{table.strip(chr(34))}.{column}" for table, column in found)
    missing = []
    _, tables = await db.execute_query("SELECT name FROM sqlite_master WHERE type = 'table'")
    for (table,) in tables:
        _, keys = await db.execute_query(f'PRAGMA foreign_key_list("{table}")')
        leading = set()
        _, indexes = await db.execute_query(f'PRAGMA index_list("{table}")')
        for index in indexes:
            _, columns = await db.execute_query(f'PRAGMA index_info("{index[1]}")')
            leading.update(column[2] for column in columns if column[0] == 0)
        missing += [f"{table}.{key[3]}" for key in keys if key[3] not in leading]
    return sorted(missing)


async def test_a_new_database_has_an_index_on_every_reference(db):
    assert await references_without_an_index(database()) == []


async def test_db_upgrade_adds_the_indexes_to_an_older_database(db):
    connection = database()
    for index in reference_indexes():
        await connection.execute_script(f'DROP INDEX "{index.name}"')
    await connection.execute_query(f"DELETE FROM {TABLE} WHERE name = '0003_reference_indexes'")
    assert "statuses.reblog_id" in await references_without_an_index(connection)

    assert await upgrade(connection) == ["0003_reference_indexes"]
    assert await references_without_an_index(connection) == []
    assert {"ref_statuses_reblog_id_account_id", "ref_home_feed_status_id"} <= (
        await index_names(connection, "statuses") | await index_names(connection, "home_feed")
    )


async def test_deleting_a_status_still_removes_its_boosts_feed_entries_and_favourites(db):
    alice = await create_local_account(db.base_url, "alice", "correct horse battery")
    bob = await create_local_account(db.base_url, "bob", "correct horse battery")

    def status(n: int, **fields) -> Status:
        return Status(uri=f"{db.base_url}/s/{n}", url=f"{db.base_url}/s/{n}", content="", text="", **fields)

    original = status(1, account=alice, visibility="public", to_json=[], cc_json=[])
    await original.save()
    boost = status(2, account=bob, reblog=original, visibility="public", to_json=[], cc_json=[])
    reply = status(3, account=bob, in_reply_to=original, visibility="public", to_json=[], cc_json=[])
    await boost.save()
    await reply.save()
    await Favourite.create(account=bob, status=original)
    await HomeFeedEntry.create(account=bob, status=original)

    await original.delete()

    assert not await Status.filter(id__in=[original.id, boost.id]).exists()
    assert (await Status.get(id=reply.id)).in_reply_to_id is None  # a reply outlives what it answered
    assert not await Favourite.filter(status_id=original.id).exists()
    assert not await HomeFeedEntry.filter(status_id=original.id).exists()
    assert await Account.filter(id=alice.id).exists()
