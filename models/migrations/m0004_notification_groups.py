"""Notifications carry the group of their kind (grouped notifications, /api/v2/notifications).

Notifications made before this step keep no group and show as `ungrouped-{id}`, one each.
"""

from __future__ import annotations

from tortoise.backends.base.client import BaseDBAsyncClient

from models.interactions import Notification
from models.migrations.ops import add_column, create_index


async def apply(db: BaseDBAsyncClient) -> None:
    await add_column(db, Notification, "group_key")
    await create_index(db, Notification, ["account_id", "group_key"])
