"""Index boosts by booster, so a page finds the viewer's boosts among its span of ids in one range."""

from __future__ import annotations

from tortoise.backends.base.client import BaseDBAsyncClient

from models.migrations.reference_indexes import ensure_reference_indexes


async def apply(db: BaseDBAsyncClient) -> None:
    await ensure_reference_indexes(db)
