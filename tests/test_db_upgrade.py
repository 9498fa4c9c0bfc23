"""Schema migrations: an existing node's database is upgraded in place, on SQLite and PostgreSQL.

An "old" database is made by creating today's schema, adding rows, then taking away what a new
migration brings back (a column of `accounts`, an index of `statuses`); the new migration is
added to the list for the length of the test, as a release adding them would.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from mastodon_shapes import check
from tortoise.backends.base.client import BaseDBAsyncClient

from core.registration import create_local_account
from models.accounts import Account
from models.db import close_database, database, open_database
from models.interactions import HomeFeedEntry, Notification
from models.migrations import MIGRATIONS, Migration
from models.migrations.ops import (
    MigrationError,
    add_column,
    column_names,
    create_index,
    index_names,
    is_postgres,
    table_names,
)
from models.migrations.runner import schema_state, upgrade
from models.statuses import Status
from oauth.tokens import cli_application, issue_token
from server import create_app
from settings import Settings

ROOT = Path(__file__).resolve().parent.parent
STATUS_INDEX = ("account_id", "id")


async def _bot_flag_and_status_index(db) -> None:
    await add_column(db, Account, "bot")
    await create_index(db, Status, STATUS_INDEX)


NEW_MIGRATION = Migration("0900_bot_flag", "Accounts say whether they are bots.", _bot_flag_and_status_index)


def _settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(domain="flurfunk.test", scheme="https", data_dir=tmp_path / "node", db_url=database_url)


def _status_index_name(db) -> str:
    return db.schema_generator(db)._get_index_name("idx", Status, list(STATUS_INDEX))


@pytest.fixture
def new_release() -> Iterator[Migration]:
    """This release's code with one more migration than the database has had."""
    MIGRATIONS.append(NEW_MIGRATION)
    yield NEW_MIGRATION
    MIGRATIONS.remove(NEW_MIGRATION)


async def _old_node(settings: Settings) -> None:
    """A node at the schema before NEW_MIGRATION, with alice in it; the database is left open."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    await open_database(settings.database_url, create_schema=False)
    try:
        await upgrade(database(), [m for m in MIGRATIONS if m is not NEW_MIGRATION])
        await create_local_account(settings.base_url, "alice", "correct horse battery", display_name="Alice A.")
        db = database()
        await db.execute_script(f'DROP INDEX "{_status_index_name(db)}"')
        await db.execute_script('ALTER TABLE "accounts" DROP COLUMN "bot"')
    except BaseException:
        await close_database()
        raise


async def test_db_upgrade_adds_the_new_column_and_index_and_keeps_the_rows(tmp_path, database_url, new_release):
    settings = _settings(tmp_path, database_url)
    await _old_node(settings)
    try:
        db = database()
        assert [m.name for m in (await schema_state(db)).pending] == ["0900_bot_flag"]
        said: list[str] = []
        assert await upgrade(db, progress=said.append) == ["0900_bot_flag"]
        assert said == ["applying migration 0900_bot_flag: Accounts say whether they are bots."]

        alice = await Account.get(username="alice", domain="")
        assert alice.display_name == "Alice A." and alice.private_key_pem.startswith("-----BEGIN")
        assert alice.bot is False  # existing rows got the field's default
        await Account.filter(id=alice.id).update(bot=True)
        assert (await Account.get(id=alice.id)).bot is True
        assert _status_index_name(db) in await index_names(db, "statuses")

        assert await upgrade(db, progress=said.append) == []
        assert len(said) == 1 and (await schema_state(db)).current
    finally:
        await close_database()

    # The app starts on the upgraded database and serves the new column.
    (response,) = await _read_as(settings, alice, "/api/v1/accounts/verify_credentials")
    assert response.status_code == 200
    check("Account", response.json())
    assert response.json()["bot"] is True and response.json()["display_name"] == "Alice A."


async def test_the_app_upgrades_an_outdated_database_when_it_starts(tmp_path, database_url, new_release):
    settings = _settings(tmp_path, database_url)
    await _old_node(settings)
    await close_database()
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        db = database()
        assert "bot" in await column_names(db, "accounts")
        assert (await schema_state(db)).current
        assert (await Account.get(username="alice")).display_name == "Alice A."


async def test_a_node_made_before_migrations_gets_its_missing_tables_and_a_record(tmp_path, database_url):
    settings = _settings(tmp_path, database_url)
    settings.data_dir.mkdir(parents=True)
    await open_database(settings.database_url)
    try:
        await create_local_account(settings.base_url, "alice", "correct horse battery")
        db = database()
        await db.execute_script('DROP TABLE "schema_migrations"')
        await db.execute_script('DROP TABLE "markers"')
        state = await schema_state(db)
        every_step = [m.name for m in MIGRATIONS]
        assert not state.empty and [m.name for m in state.pending] == every_step

        assert await upgrade(db) == every_step
        assert "markers" in await table_names(db)
        assert await Account.filter(username="alice").exists()
        assert (await schema_state(db)).applied == every_step
    finally:
        await close_database()


async def test_a_database_upgraded_by_a_newer_release_is_refused(tmp_path, database_url):
    settings = _settings(tmp_path, database_url)
    settings.data_dir.mkdir(parents=True)
    await open_database(settings.database_url)
    try:
        db = database()
        await db.execute_script("INSERT INTO schema_migrations (name, applied_at) VALUES ('9999_future', 'x')")
        with pytest.raises(MigrationError, match="newer release"):
            await upgrade(db)
    finally:
        await close_database()


async def test_a_failing_migration_says_what_to_do_and_is_not_recorded(tmp_path, database_url, new_release):
    async def broken(db) -> None:
        await add_column(db, Account, "bot")
        raise RuntimeError("disk on fire")

    settings = _settings(tmp_path, database_url)
    await _old_node(settings)
    try:
        db = database()
        failing = Migration("0900_bot_flag", "Accounts say whether they are bots.", broken)
        with pytest.raises(MigrationError, match=r"0900_bot_flag failed: RuntimeError: disk on fire.*db upgrade"):
            await upgrade(db, [*MIGRATIONS[:-1], failing])
        assert [m.name for m in (await schema_state(db)).pending] == ["0900_bot_flag"]
        # PostgreSQL upgrades in one transaction: the half-done step left nothing behind.
        assert ("bot" in await column_names(db, "accounts")) is not is_postgres(db)
        # SQLite keeps the column; the steps are idempotent, so running the real one now completes it.
        assert await upgrade(db) == ["0900_bot_flag"]
        assert "bot" in await column_names(db, "accounts")
    finally:
        await close_database()


def test_db_upgrade_and_status_commands(tmp_path, database_url):
    env = {k: v for k, v in os.environ.items() if not k.startswith("FEDI_")}
    env.update(FEDI_DOMAIN="flurfunk.test", FEDI_DATA_DIR=str(tmp_path / "node"))
    if database_url:
        env["FEDI_DB"] = database_url

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "server.py", "db", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
        )

    before = run("status")
    assert before.returncode == 1 and "the database is empty" in before.stdout
    first = run("upgrade")
    assert first.returncode == 0, first.stderr
    assert "creating the schema of a new database" in first.stdout
    again = run("upgrade")
    assert again.returncode == 0 and "the schema is up to date; nothing to do" in again.stdout
    after = run("status")
    assert after.returncode == 0 and "applied  0001_initial" in after.stdout


async def _read_as(settings: Settings, account: Account, *paths: str) -> list[httpx.Response]:
    """Start the app on the node's database and GET `paths` with a read token of `account`."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        token = await issue_token(account, await cli_application(), "read")
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url=settings.base_url,
            headers={"Authorization": f"Bearer {token.token}"},
        ) as client:
            return [await client.get(path) for path in paths]


@contextlib.asynccontextmanager
async def _current_node(settings: Settings) -> AsyncIterator[BaseDBAsyncClient]:
    """A node's database at today's schema, open for the block, with its connection."""
    settings.data_dir.mkdir(parents=True)
    await open_database(settings.database_url, create_schema=False)
    try:
        await upgrade(database())
        yield database()
    finally:
        await close_database()


async def test_notifications_made_before_groups_keep_their_rows_and_show_ungrouped(tmp_path, database_url):
    """Migration 0004 on a database made at 0003: the group column and its index come, old rows stay."""
    settings = _settings(tmp_path, database_url)
    async with _current_node(settings) as db:
        alice = await create_local_account(settings.base_url, "alice", "correct horse battery")
        bob = await create_local_account(settings.base_url, "bob", "correct horse battery")
        old = await Notification.create(account=alice, from_account=bob, type="follow")
        group_index = db.schema_generator(db)._get_index_name("idx", Notification, ["account_id", "group_key"])
        await db.execute_script(f'DROP INDEX "{group_index}"')
        await db.execute_script('ALTER TABLE "notifications" DROP COLUMN "group_key"')
        await db.execute_script("DELETE FROM schema_migrations WHERE name = '0004_notification_groups'")

        assert await upgrade(db) == ["0004_notification_groups"]
        assert "group_key" in await column_names(db, "notifications")
        assert group_index in await index_names(db, "notifications")
        assert (await Notification.get(id=old.id)).group_key is None

    v1, v2 = await _read_as(settings, alice, "/api/v1/notifications", "/api/v2/notifications")
    listed, groups = v1.json(), v2.json()["notification_groups"]
    assert [n["group_key"] for n in listed] == [f"ungrouped-{old.id}"]
    assert [(g["group_key"], g["notifications_count"]) for g in groups] == [(f"ungrouped-{old.id}", 1)]


async def test_home_feeds_made_before_0009_lose_their_second_index_and_keep_their_rows(tmp_path, database_url):
    """Migration 0009 on a database made at 0008: the index that repeated the UNIQUE one goes."""
    settings = _settings(tmp_path, database_url)
    async with _current_node(settings) as db:
        second = db.schema_generator(db)._get_index_name("idx", "home_feed", ["account_id", "status_id"])
        assert second not in await index_names(db, "home_feed")  # a new database never has it
        alice = await create_local_account(settings.base_url, "alice", "correct horse battery")
        post = await Status.create(uri=f"{alice.uri}/statuses/1", account=alice, content="<p>hi</p>")
        await HomeFeedEntry.create(account=alice, status=post)
        await db.execute_script(f'CREATE INDEX "{second}" ON "home_feed" ("account_id", "status_id")')
        await db.execute_script("DELETE FROM schema_migrations WHERE name = '0009_home_feed_one_index'")

        assert await upgrade(db) == ["0009_home_feed_one_index"]
        assert second not in await index_names(db, "home_feed")
        assert await HomeFeedEntry.filter(account_id=alice.id).values_list("status_id", flat=True) == [post.id]
