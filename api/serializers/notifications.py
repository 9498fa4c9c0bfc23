"""Notification entities, built for a whole page: accounts in one query, statuses batched by StatusSerializer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from api.serializers.accounts import account_entity
from api.serializers.common import iso_ms
from api.serializers.reports import reports_of_notifications
from api.serializers.status_cache import RenderedStatuses, status_entities
from api.serializers.statuses import StatusSerializer
from core.notification_groups import shown_key
from models.accounts import Account
from models.interactions import Notification
from models.statuses import Status

# Notifications that point at a status carry it; the others (follow, follow_request) do not.
WITH_STATUS = {"mention", "status", "reblog", "favourite", "poll", "update"}


async def notification_entities(
    notifications: Sequence[Notification], base: str, viewer: Account, cache: RenderedStatuses | None = None
) -> list[dict[str, Any]]:
    """`cache`: the app's rendered statuses, reused where unchanged (api/serializers/status_cache.py)."""
    if not notifications:
        return []
    accounts = {a.id: a for a in await Account.filter(id__in={n.from_account_id for n in notifications})}
    status_ids = {n.status_id for n in notifications if n.status_id}
    if cache is not None:
        entities = await status_entities(cache, base, viewer, status_ids)
    else:
        statuses = list(await Status.filter(id__in=status_ids)) if status_ids else []
        rendered = await StatusSerializer(base, viewer).many(statuses)
        entities = dict(zip((s.id for s in statuses), rendered, strict=True))
    reports = await reports_of_notifications((n.id for n in notifications if n.type == "admin.report"), base)

    result = []
    for notification in notifications:
        sender = accounts.get(notification.from_account_id)
        if sender is None:
            continue
        entity: dict[str, Any] = {
            "id": str(notification.id),
            "type": notification.type,
            "created_at": iso_ms(notification.created_at),
            "group_key": shown_key(notification.id, notification.group_key),
            "account": account_entity(sender, base),
        }
        if notification.type in WITH_STATUS:
            entity["status"] = entities.get(notification.status_id) if notification.status_id else None
        if notification.type == "admin.report":
            entity["report"] = reports.get(notification.id)
        result.append(entity)
    return result
