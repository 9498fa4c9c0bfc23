"""Notifications for local accounts, with Mastodon's rules about who is not notified."""

from __future__ import annotations

from core.events import publish
from core.notification_groups import group_key_for
from core.relations import ignoring
from models.accounts import Account
from models.interactions import Notification
from models.statuses import ConversationMute, Status, conversation_key


async def notify(recipient: Account, from_account: Account, kind: str, status: Status | None = None) -> None:
    if not recipient.local or recipient.id == from_account.id:
        return
    if await ignoring([recipient.id], [from_account.id]):
        return
    if status is not None and await ConversationMute.exists(
        account_id=recipient.id, conversation_uri=conversation_key(status)
    ):
        return  # "mute conversation": no notifications from that thread (as Mastodon's NotifyService)
    if kind in ("favourite", "reblog", "follow", "follow_request") and await Notification.exists(
        account_id=recipient.id, from_account_id=from_account.id, type=kind, status_id=status.id if status else None
    ):
        return  # the same like or boost undone and done again notifies once
    notification = Notification(account=recipient, from_account=from_account, type=kind, status=status)
    notification.group_key = await group_key_for(
        recipient.id, kind, status.id if status else None, notification.created_at
    )
    await notification.save()
    await publish("notification", notification.id, [recipient.id])
