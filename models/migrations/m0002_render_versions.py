"""Add render versions to statuses and accounts, kept by triggers (models/migrations/render_versions.py).

The home timeline reuses the entities it rendered while these numbers stay the same.
"""

from __future__ import annotations

from tortoise.backends.base.client import BaseDBAsyncClient

from models.migrations.render_versions import ensure_render_versions


async def apply(db: BaseDBAsyncClient) -> None:
    await ensure_render_versions(db)
