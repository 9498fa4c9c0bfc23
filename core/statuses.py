"""Removing statuses, with everything that counted them."""

from __future__ import annotations

from datetime import datetime

from core.counters import bump
from core.events import publish
from models.accounts import Account
from models.statuses import Status, StatusEdit


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


async def apply_edit(status: Status, content: str, spoiler_text: str, sensitive: bool, edited_at: datetime) -> None:
    """Change what a status says and keep its history, as Mastodon's edit history shows it:
    the first edit records the original version too, every edit the version it makes."""
    if not await StatusEdit.exists(status_id=status.id):
        await _record_version(status, status.created_at)
    status.content, status.spoiler_text, status.sensitive = content, spoiler_text, sensitive
    status.edited_at = edited_at
    await status.save()
    await _record_version(status, edited_at)


async def _record_version(status: Status, at: datetime) -> None:
    await StatusEdit.create(
        status=status,
        content=status.content,
        spoiler_text=status.spoiler_text,
        sensitive=status.sensitive,
        created_at=at,
    )
