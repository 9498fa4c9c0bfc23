"""Follow, Accept and Reject."""

from __future__ import annotations

from core.domain_blocks import blocks_domain
from core.follows import create_follow, remove_follow
from core.notifications import notify
from core.relations import blocks_either_way
from federation.featured import sync_featured
from federation.parse import id_of, types_of
from inbox.context import Ignored, Received
from models.accounts import Account
from models.relationships import Follow, FollowRequest
from outbox.follows import send_accept, send_reject


async def on_follow(r: Received) -> None:
    target_uri = id_of(r.object)
    target = await Account.get_or_none(uri=target_uri or "", domain="")
    if target is None or target.actor_type != "Person":
        raise Ignored("Follow of someone not on this node")
    if (
        target.suspended
        or await blocks_either_way(r.actor.id, target.id)
        or await blocks_domain(target.id, r.actor.domain)
    ):
        await send_reject(r.node, target, r.actor, r.activity)
        return
    if await Follow.exists(account_id=r.actor.id, target_account_id=target.id):
        await Follow.filter(account_id=r.actor.id, target_account_id=target.id).update(uri=r.activity.get("id"))
        await send_accept(r.node, target, r.actor, r.activity)
        return
    if target.locked:
        _, created = await FollowRequest.get_or_create(
            account=r.actor, target_account=target, defaults={"uri": r.activity.get("id")}
        )
        if created:
            await notify(target, r.actor, "follow_request")
        return
    await create_follow(r.actor, target, r.activity.get("id"))
    await notify(target, r.actor, "follow")
    await send_accept(r.node, target, r.actor, r.activity)


async def _our_pending_follow(r: Received) -> tuple[Account, FollowRequest | Follow | None]:
    """The local follower and their request or follow of the activity's actor."""
    obj = r.object
    follower_uri = id_of(obj.get("actor")) if isinstance(obj, dict) else None
    follow_id = id_of(obj)
    request = None
    if follow_id:
        request = await FollowRequest.get_or_none(uri=follow_id, target_account_id=r.actor.id)
    if request is None and follower_uri:
        request = await FollowRequest.get_or_none(account__uri=follower_uri, target_account_id=r.actor.id)
    if request is not None:
        return await request.account, request
    follow = None
    if follow_id:
        follow = await Follow.get_or_none(uri=follow_id, target_account_id=r.actor.id)
    if follow is None and follower_uri:
        follow = await Follow.get_or_none(account__uri=follower_uri, target_account_id=r.actor.id)
    if follow is None:
        raise Ignored("Accept or Reject of no follow we know")
    return await follow.account, follow


async def on_accept(r: Received) -> None:
    if isinstance(r.object, dict) and r.object.get("type") and "Follow" not in types_of(r.object):
        raise Ignored("Accept of something other than a Follow")
    follower, pending = await _our_pending_follow(r)
    if isinstance(pending, FollowRequest):
        await create_follow(follower, r.actor, pending.uri, pending.show_reblogs, pending.notify)
        # Posts pinned before we followed came as no Add: read them (a may-fetch item, inbox/processing.py).
        await sync_featured(r.node, r.actor)


async def on_reject(r: Received) -> None:
    follower, pending = await _our_pending_follow(r)
    if isinstance(pending, FollowRequest):
        await pending.delete()
    elif pending is not None:
        await remove_follow(follower, r.actor)
