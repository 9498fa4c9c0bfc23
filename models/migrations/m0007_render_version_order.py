"""Number render versions in commit order on SQLite, so a node can ask what changed since it last looked.

Each status or account change gets one above the highest version of its table, and an index on
the column answers "changed since" (api/serializers/render_changes.py). PostgreSQL is unchanged.
"""

from __future__ import annotations

from tortoise.backends.base.client import BaseDBAsyncClient

from models.migrations.render_versions import ensure_render_versions


async def apply(db: BaseDBAsyncClient) -> None:
    await ensure_render_versions(db)
