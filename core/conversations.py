"""Direct-message conversations: each local participant's view of a thread of direct statuses.

Mastodon (AccountConversation.add_status) keeps one row per local participant, bumps it with
every new direct status in the thread and marks it unread for everyone but the status's author.
"""

from __future__ import annotations

from core.events import publish
from models.accounts import Account
from models.conversations import Conversation
from models.statuses import Mention, Status, conversation_key


async def thread_key(status: Status) -> str:
    """The thread a direct status belongs to; a remote reply without a `conversation` joins its parent's."""
    if status.conversation_uri:
        return status.conversation_uri
    if status.in_reply_to_id:
        parent = await Status.get_or_none(id=status.in_reply_to_id)
        if parent is not None:
            return conversation_key(parent)
    return status.uri


async def record_direct(status: Status) -> list[Conversation]:
    """Create or bump the conversation of every local participant of a direct status."""
    if status.visibility != "direct" or status.reblog_id:
        return []
    mentioned = list(await Mention.filter(status_id=status.id).values_list("account_id", flat=True))
    everyone = list(dict.fromkeys([status.account_id, *mentioned]))
    local_ids = list(await Account.filter(id__in=everyone, domain="").values_list("id", flat=True))
    key = await thread_key(status)
    rows = []
    for account_id in local_ids:
        others = [a for a in everyone if a != account_id]
        row, created = await Conversation.get_or_create(
            account_id=account_id,
            conversation_uri=key,
            defaults={
                "participant_ids": others,
                "last_status_id": status.id,
                "unread": status.account_id != account_id,
            },
        )
        if not created:
            row.participant_ids = list(dict.fromkeys([*row.participant_ids, *others]))
            if row.last_status_id is None or status.id >= row.last_status_id:
                row.last_status_id = status.id
            row.unread = row.unread or status.account_id != account_id
            await row.save()
        rows.append(row)
        await publish("conversation", row.id, [account_id])
    return rows


async def latest_direct_status_id(row: Conversation) -> int | None:
    """The newest direct status left in a conversation the account is part of (after its last one was deleted)."""
    candidates = Status.filter(conversation_uri=row.conversation_uri, visibility="direct").order_by("-id")
    for status in await candidates.limit(20):
        if status.account_id == row.account_id or await Mention.exists(status_id=status.id, account_id=row.account_id):
            return status.id
    return None
