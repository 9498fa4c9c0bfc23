"""Pinned posts: the pin, then an Add to (or Remove from) the author's featured collection for their followers.

As Mastodon does, followers' servers learn of a pin as it happens, and show it on the author's
profile (GET /api/v1/accounts/:id/statuses?pinned=true) without fetching the collection.
"""

from __future__ import annotations

from federation import documents, urls
from federation.delivery import enqueue
from federation.parse import PUBLIC
from models.accounts import Account
from models.interactions import Pin
from models.statuses import Status
from node import Node
from outbox.addressing import follower_inboxes


async def pin_status(node: Node, account: Account, status: Status) -> None:
    await Pin.create(account=account, status=status)
    await _tell_followers(node, account, status, "Add")


async def unpin_status(node: Node, account: Account, status: Status) -> None:
    if await Pin.filter(account_id=account.id, status_id=status.id).delete():
        await _tell_followers(node, account, status, "Remove")


async def _tell_followers(node: Node, account: Account, status: Status, kind: str) -> None:
    inboxes = await follower_inboxes(account)
    if not inboxes:
        return
    # Addressed as the post itself is: a followers-only post's pin is news for its followers only.
    to = [PUBLIC] if status.visibility in ("public", "unlisted") else [account.followers_url]
    activity_id = urls.new_activity(node.settings.base_url, account.username, "pins" if kind == "Add" else "unpins")
    activity = documents.activity(kind, activity_id, account, status.uri, to)
    activity["target"] = account.featured_url
    await enqueue(node, account, activity, inboxes)
