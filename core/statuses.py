"""Removing statuses, with everything that counted them."""

from __future__ import annotations

from core.counters import bump
from core.events import publish
from models.accounts import Account
from models.statuses import Status


async def delete_status_everywhere(status: Status) -> None:
    """Remove a status and everything that showed it (feeds, notifications and boosts cascade)."""
    if status.in_reply_to_id:
        await bump(Status, status.in_reply_to_id, "replies_count", -1)
    if status.reblog_id:
        await bump(Status, status.reblog_id, "reblogs_count", -1)
    else:
        await bump(Account, status.account_id, "statuses_count", -1)
    status_id = status.id
    await status.delete()
    await publish("delete", status_id, [])
