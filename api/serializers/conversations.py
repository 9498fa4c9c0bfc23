"""Conversation entities for a page of direct-message conversations, in a fixed number of queries."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from api.serializers.accounts import account_entity
from api.serializers.statuses import StatusSerializer
from models.accounts import Account
from models.conversations import Conversation
from models.statuses import Status


async def conversation_entities(rows: Sequence[Conversation], base: str, viewer: Account) -> list[dict[str, Any]]:
    if not rows:
        return []
    account_ids = {a for row in rows for a in row.participant_ids}
    accounts = {a.id: a for a in await Account.filter(id__in=list(account_ids))}
    status_ids = [row.last_status_id for row in rows if row.last_status_id]
    statuses = {s.id: s for s in await Status.filter(id__in=status_ids)}
    ordered = [statuses[i] for i in status_ids if i in statuses]
    rendered = dict(zip([s.id for s in ordered], await StatusSerializer(base, viewer).many(ordered), strict=True))
    return [
        {
            "id": str(row.id),
            "unread": row.unread,
            "accounts": [account_entity(accounts[a], base) for a in row.participant_ids if a in accounts],
            "last_status": rendered.get(row.last_status_id) if row.last_status_id else None,
        }
        for row in rows
    ]
