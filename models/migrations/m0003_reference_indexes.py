"""Index every column that references another row (models/migrations/reference_indexes.py).

Deleting a status or an account no longer reads whole tables to find the rows that refer to it.
"""

from __future__ import annotations

from tortoise.backends.base.client import BaseDBAsyncClient

from models.migrations.reference_indexes import ensure_reference_indexes


async def apply(db: BaseDBAsyncClient) -> None:
    await ensure_reference_indexes(db)
