"""Create the tables missing from a node made before migrations existed.

Such a node was made, and kept up, by creating missing tables at every start; doing that once
more brings it to where the first release with migrations stood.
"""

from __future__ import annotations

from tortoise.backends.base.client import BaseDBAsyncClient

from models.migrations.ops import create_missing_tables


async def apply(db: BaseDBAsyncClient) -> None:
    await create_missing_tables(db)
