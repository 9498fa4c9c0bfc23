"""Drop home_feed's second index on (account_id, status_id): its UNIQUE constraint is one already.

Every row added to a home feed (fan-out on write: one per reader of every post) was written
into both, and the table is a node's largest by rows; reading a feed uses either alike.
"""

from __future__ import annotations

from tortoise.backends.base.client import BaseDBAsyncClient


async def apply(db: BaseDBAsyncClient) -> None:
    name = db.schema_generator(db)._get_index_name("idx", "home_feed", ["account_id", "status_id"])
    await db.execute_script(f'DROP INDEX IF EXISTS "{name}"')
