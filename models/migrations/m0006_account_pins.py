"""People can feature accounts they follow on their profile (account_pins, Mastodon's endorsements)."""

from __future__ import annotations

from tortoise.backends.base.client import BaseDBAsyncClient

from models.migrations.ops import create_missing_tables
from models.migrations.reference_indexes import ensure_reference_indexes


async def apply(db: BaseDBAsyncClient) -> None:
    await create_missing_tables(db)
    await ensure_reference_indexes(db)
