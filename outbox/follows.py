"""Following, unfollowing and answering follow requests, locally and across nodes."""

from __future__ import annotations

from typing import Any

from core.follows import create_follow, remove_follow
from core.notifications import notify
from federation import documents, urls
from federation.delivery import enqueue
from models.accounts import Account
from models.relationships import Follow, FollowRequest
from node import Node


def follow_document(follower: Account, target: Account, uri: str | None) -> dict[str, Any]:
    return {"id": uri, "type": "Follow", "actor": follower.uri, "object": target.uri}


async def follow(
    node: Node, follower: Account, target: Account, reblogs: bool = True, notify_posts: bool = False
) -> None:
    """Follow `target`: at once for an open local account, as a request for a locked or remote one."""
    existing = await Follow.get_or_none(account_id=follower.id, target_account_id=target.id)
    if existing is not None:
        await Follow.filter(id=existing.id).update(show_reblogs=reblogs, notify=notify_posts)
        return
    pending = await FollowRequest.get_or_none(account_id=follower.id, target_account_id=target.id)
    if pending is not None:
        await FollowRequest.filter(id=pending.id).update(show_reblogs=reblogs, notify=notify_posts)
        return
    uri = urls.new_activity(node.settings.base_url, follower.username, "follows")
    if target.local and not target.locked:
        await create_follow(follower, target, uri, reblogs, notify_posts)
        await notify(target, follower, "follow")
        return
    await FollowRequest.create(
        account=follower, target_account=target, uri=uri, show_reblogs=reblogs, notify=notify_posts
    )
    if target.local:
        await notify(target, follower, "follow_request")
        return
    activity = documents.activity("Follow", uri, follower, target.uri)
    await enqueue(node, follower, activity, [target.inbox_url])


async def unfollow(node: Node, follower: Account, target: Account) -> None:
    follow_row = await Follow.get_or_none(account_id=follower.id, target_account_id=target.id)
    request = await FollowRequest.get_or_none(account_id=follower.id, target_account_id=target.id)
    uri = (follow_row.uri if follow_row else None) or (request.uri if request else None)
    if follow_row is None and request is None:
        return
    await remove_follow(follower, target)
    if not target.local:
        undo = documents.activity(
            "Undo",
            urls.new_activity(node.settings.base_url, follower.username, "undo"),
            follower,
            follow_document(follower, target, uri),
        )
        await enqueue(node, follower, undo, [target.inbox_url])


async def authorize(node: Node, target: Account, follower: Account) -> bool:
    request = await FollowRequest.get_or_none(account_id=follower.id, target_account_id=target.id)
    if request is None:
        return False
    await create_follow(follower, target, request.uri, request.show_reblogs, request.notify)
    if not follower.local:
        await send_accept(node, target, follower, follow_document(follower, target, request.uri))
    return True


async def reject(node: Node, target: Account, follower: Account) -> bool:
    request = await FollowRequest.get_or_none(account_id=follower.id, target_account_id=target.id)
    if request is None:
        return False
    await request.delete()
    if not follower.local:
        await send_reject(node, target, follower, follow_document(follower, target, request.uri))
    return True


async def remove_from_followers(node: Node, account: Account, follower: Account) -> None:
    follow_row = await Follow.get_or_none(account_id=follower.id, target_account_id=account.id)
    if follow_row is None:
        return
    await remove_follow(follower, account)
    if not follower.local:
        await send_reject(node, account, follower, follow_document(follower, account, follow_row.uri))


async def send_accept(node: Node, target: Account, follower: Account, follow_doc: dict[str, Any]) -> None:
    await _answer(node, "Accept", target, follower, follow_doc)


async def send_reject(node: Node, target: Account, follower: Account, follow_doc: dict[str, Any]) -> None:
    await _answer(node, "Reject", target, follower, follow_doc)


async def _answer(node: Node, kind: str, target: Account, follower: Account, follow_doc: dict[str, Any]) -> None:
    obj = {k: v for k, v in follow_doc.items() if k != "@context" and v is not None}
    activity = documents.activity(
        kind, urls.new_activity(node.settings.base_url, target.username, kind.lower() + "s"), target, obj
    )
    await enqueue(node, target, activity, [follower.inbox_url])
