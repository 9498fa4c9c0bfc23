"""Like, Block and Undo."""

from __future__ import annotations

from core.counters import bump
from core.follows import remove_follow
from core.notifications import notify
from core.statuses import delete_status_everywhere
from federation.parse import id_of, types_of
from inbox.context import Ignored, Received
from models.accounts import Account
from models.interactions import Favourite
from models.relationships import Block, Follow, FollowRequest
from models.statuses import Status


async def on_like(r: Received) -> None:
    status = await Status.get_or_none(uri=id_of(r.object) or "", local=True)
    if status is None:
        raise Ignored("Like of a post not on this node")
    _, created = await Favourite.get_or_create(account=r.actor, status=status, defaults={"uri": r.activity.get("id")})
    if created:
        await bump(Status, status.id, "favourites_count")
        await notify(await status.account, r.actor, "favourite", status)


async def on_block(r: Received) -> None:
    target = await Account.get_or_none(uri=id_of(r.object) or "", domain="")
    if target is None:
        raise Ignored("Block of someone not on this node")
    await Block.get_or_create(account=r.actor, target_account=target, defaults={"uri": r.activity.get("id")})
    # A block ends follows both ways (Mastodon's BlockService does the same).
    await remove_follow(r.actor, target)
    await remove_follow(target, r.actor)


async def on_undo(r: Received) -> None:
    obj = r.object
    inner_id = id_of(obj)
    inner = obj if isinstance(obj, dict) else {}
    kinds = types_of(inner)
    if inner and id_of(inner.get("actor")) not in (None, r.actor.uri):
        raise Ignored("Undo of someone else's activity")
    if "Follow" in kinds or (not kinds and await Follow.exists(uri=inner_id or "", account_id=r.actor.id)):
        target = await _undo_target(inner, inner_id)
        if target is not None:
            await remove_follow(r.actor, target)
        return
    if "Like" in kinds or (not kinds and await Favourite.exists(uri=inner_id or "")):
        favourite = await Favourite.get_or_none(uri=inner_id or "", account_id=r.actor.id)
        if favourite is None and inner.get("object"):
            favourite = await Favourite.get_or_none(account_id=r.actor.id, status__uri=id_of(inner["object"]) or "")
        if favourite is not None:
            await favourite.delete()
            await bump(Status, favourite.status_id, "favourites_count", -1)
        return
    if "Announce" in kinds or (not kinds and await Status.exists(uri=inner_id or "", reblog_id__not_isnull=True)):
        boost = await Status.get_or_none(uri=inner_id or "", account_id=r.actor.id, reblog_id__not_isnull=True)
        if boost is not None:
            await delete_status_everywhere(boost)
        return
    if "Block" in kinds or (not kinds and await Block.exists(uri=inner_id or "")):
        query = Block.filter(account_id=r.actor.id)
        target_uri = id_of(inner.get("object"))
        await (query.filter(target_account__uri=target_uri) if target_uri else query.filter(uri=inner_id)).delete()
        return
    raise Ignored("Undo of something we do not know")


async def _undo_target(inner: dict, inner_id: str | None) -> Account | None:
    """Whom an undone Follow followed: named in the embedded Follow, or found by the Follow's id."""
    target_uri = id_of(inner.get("object"))
    if target_uri:
        return await Account.get_or_none(uri=target_uri)
    for model in (Follow, FollowRequest):
        row = await model.get_or_none(uri=inner_id or "")
        if row is not None:
            return await row.target_account
    return None
