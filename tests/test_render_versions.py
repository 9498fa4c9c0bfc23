"""The database bumps a status's or account's render version on every change that shows in its entity.

The home timeline reuses rendered entities while these numbers stay put (api/serializers/status_cache.py),
so a change that did not bump them would show stale posts. Runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from tortoise.expressions import F

from core.registration import create_local_account
from models.accounts import Account
from models.db import database
from models.migrations.ops import column_names, is_postgres
from models.migrations.runner import schema_state, upgrade
from models.polls import Poll
from models.reads import rows
from models.statuses import MediaAttachment, Mention, Status, StatusTag, Tag
from settings import Settings


async def version(table: str, row_id: int) -> int:
    return (await rows(f"SELECT render_version FROM {table} WHERE id = ?", [row_id]))[0]["render_version"]


async def a_status(settings: Settings, username: str = "alice") -> Status:
    account = await create_local_account(settings.base_url, username, "correct horse battery")
    return await Status.create(uri=f"{settings.base_url}/statuses/{username}", account=account, content="<p>hi</p>")


async def test_a_status_changed_in_any_way_gets_a_new_version(db):
    status = await a_status(db)
    assert await version("statuses", status.id) == 0

    await Status.filter(id=status.id).update(favourites_count=F("favourites_count") + 1)
    assert await version("statuses", status.id) == 1
    status.content = "<p>edited</p>"
    await status.save()  # a whole-row save from an instance read before the bump
    assert await version("statuses", status.id) == 2
    await database().execute_script(f"UPDATE statuses SET replies_count = 5 WHERE id = {status.id}")
    assert await version("statuses", status.id) == 3


async def test_its_poll_media_mentions_and_tags_bump_the_status(db):
    status = await a_status(db)
    bob = await create_local_account(db.base_url, "bob", "correct horse battery")
    seen = [await version("statuses", status.id)]

    async def bumped() -> bool:
        seen.append(await version("statuses", status.id))
        return seen[-1] > seen[-2]

    poll = await Poll.create(status=status, account=status.account, options=["a", "b"], tallies=[0, 0])
    assert await bumped()
    await Poll.filter(id=poll.id).update(votes_count=1, tallies=[1, 0])
    assert await bumped()
    mention = await Mention.create(status=status, account=bob)
    assert await bumped()
    await mention.delete()
    assert await bumped()
    tag = await Tag.create(name="release")
    await StatusTag.create(status=status, tag=tag)
    assert await bumped()
    media = await MediaAttachment.create(account=status.account, file="x.png", type="image")
    assert not await bumped()  # not attached yet: no status to bump
    await MediaAttachment.filter(id=media.id).update(status_id=status.id)
    assert await bumped()
    await MediaAttachment.filter(id=media.id).update(description="a chart")
    assert await bumped()


async def test_an_account_changed_gets_a_new_version(db):
    status = await a_status(db)
    account_id = status.account_id
    await Account.filter(id=account_id).update(display_name="Alice A.")
    await Account.filter(id=account_id).update(followers_count=F("followers_count") + 1)
    assert await version("accounts", account_id) == 2
    # Other accounts' numbers stay put.
    bob = await create_local_account(db.base_url, "bob", "correct horse battery")
    assert await version("accounts", bob.id) == 0


async def test_a_database_from_before_render_versions_gets_them_on_upgrade(db):
    status = await a_status(db)
    connection = database()
    if is_postgres(connection):
        await connection.execute_script(
            "DROP TRIGGER statuses_render_version ON statuses; DROP TRIGGER accounts_render_version ON accounts;"
            "ALTER TABLE statuses DROP COLUMN render_version; ALTER TABLE accounts DROP COLUMN render_version;"
        )
    else:
        triggers = await rows("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        await connection.execute_script("".join(f"DROP TRIGGER {t['name']};" for t in triggers))
        await connection.execute_script("DROP INDEX statuses_render_version; DROP INDEX accounts_render_version;")
        await connection.execute_script(
            "ALTER TABLE statuses DROP COLUMN render_version; ALTER TABLE accounts DROP COLUMN render_version;"
        )
    await connection.execute_script("DELETE FROM schema_migrations WHERE name = '0002_render_versions'")
    assert [m.name for m in (await schema_state(connection)).pending] == ["0002_render_versions"]

    assert await upgrade(connection) == ["0002_render_versions"]
    assert "render_version" in await column_names(connection, "statuses")
    assert await version("statuses", status.id) == 0
    await Status.filter(id=status.id).update(reblogs_count=1)
    assert await version("statuses", status.id) == 1


async def test_on_sqlite_each_change_is_numbered_above_every_earlier_one(db):
    """What api/serializers/render_changes.py relies on: on SQLite a table's versions grow in the
    order its rows changed, so "changed since the highest version seen" is one index range. On
    PostgreSQL, whose transactions commit in any order, versions count per row."""
    first, second = await a_status(db, "alice"), await a_status(db, "bob")
    await Status.filter(id=second.id).update(replies_count=1)
    await Status.filter(id=first.id).update(replies_count=1)
    await Mention.create(status=second, account_id=first.account_id)  # a part bumps its status
    await Account.filter(id=second.account_id).update(note="hi")
    await Account.filter(id=first.account_id).update(note="hi")
    statuses = [await version("statuses", second.id), await version("statuses", first.id)]
    accounts = [await version("accounts", second.account_id), await version("accounts", first.account_id)]
    if is_postgres(database()):
        assert statuses == [2, 1] and accounts == [1, 1]
        return
    assert accounts[0] < accounts[1]
    assert statuses[1] < statuses[0]  # the mention came last
    changed = await rows("SELECT id FROM statuses WHERE render_version > ? ORDER BY render_version", [statuses[1]])
    assert [row["id"] for row in changed] == [second.id]


async def test_a_database_numbering_versions_per_row_is_upgraded_to_commit_order(db):
    status = await a_status(db)
    connection = database()
    await connection.execute_script("DELETE FROM schema_migrations WHERE name = '0007_render_version_order'")
    if not is_postgres(connection):
        # As migration 0002 left a SQLite database: per-row counters, no index on them.
        await connection.execute_script(
            "DROP INDEX statuses_render_version; DROP TRIGGER statuses_render_version;"
            "CREATE TRIGGER statuses_render_version AFTER UPDATE ON statuses FOR EACH ROW BEGIN"
            " UPDATE statuses SET render_version = OLD.render_version + 1 WHERE id = NEW.id; END;"
        )
    other = await a_status(db, "bob")
    await Status.filter(id=other.id).update(replies_count=1)
    await Status.filter(id=other.id).update(replies_count=2)

    assert await upgrade(connection) == ["0007_render_version_order"]
    await Status.filter(id=status.id).update(replies_count=1)
    if is_postgres(connection):
        assert await version("statuses", status.id) == 1
    else:
        assert await version("statuses", status.id) > await version("statuses", other.id) == 2
        indexes = await rows("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'statuses'")
        assert "statuses_render_version" in {row["name"] for row in indexes}
