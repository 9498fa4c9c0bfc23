"""Create, Update, Delete and Announce."""

from __future__ import annotations

from core.counters import bump
from core.feeds import fan_out
from core.notifications import notify
from core.statuses import delete_status_everywhere
from federation.actors import store_actor
from federation.errors import FetchError
from federation.notes import NOTE_TYPES, fetch_note, store_note, update_note
from federation.parse import id_of, ids_of, parse_datetime, types_of, visibility_of
from federation.policy import host_of
from inbox.context import Ignored, Received
from inbox.votes import take_vote
from models.accounts import Account
from models.base import utcnow
from models.ids import new_id
from models.interactions import Favourite
from models.relationships import Follow
from models.statuses import Status


async def on_create(r: Received) -> None:
    obj = r.object
    if not isinstance(obj, dict) or not types_of(obj) & NOTE_TYPES:
        raise Ignored("Create of something other than a post")
    _check_authored_by_actor(r, obj)
    if await take_vote(r, obj):
        return
    await store_note(r.node, obj, r.actor)


def _check_authored_by_actor(r: Received, obj: dict) -> None:
    # An object may only be created or changed by its own author, from the author's host.
    if id_of(obj.get("attributedTo")) != r.actor.uri:
        raise Ignored("post attributed to someone other than the activity's actor")
    if not isinstance(obj.get("id"), str) or host_of(obj["id"]) != host_of(r.actor.uri):
        raise Ignored("post id not on its author's host")


async def on_update(r: Received) -> None:
    obj = r.object
    if not isinstance(obj, dict):
        raise Ignored("Update without an embedded object")
    kinds = types_of(obj)
    if kinds & {"Person", "Service", "Group", "Application", "Organization"}:
        if obj.get("id") != r.actor.uri:
            raise Ignored("Update of another actor")
        await store_actor(obj, r.actor.uri)
        return
    if kinds & NOTE_TYPES:
        _check_authored_by_actor(r, obj)
        status = await Status.get_or_none(uri=obj["id"])
        if status is None:
            await store_note(r.node, obj, r.actor)
            return
        if not await update_note(status, obj):
            return  # only a poll's counts changed: not an edit anyone is told about
        for booster_id in await Status.filter(reblog_id=status.id).values_list("account_id", flat=True):
            booster = await Account.get(id=booster_id)
            await notify(booster, r.actor, "update", status)
        return
    raise Ignored("Update of an unsupported object")


async def on_delete(r: Received) -> None:
    target = id_of(r.object)
    if not target:
        raise Ignored("Delete without an object")
    if target == r.actor.uri:
        await _delete_actor(r.actor)
        return
    status = await Status.get_or_none(uri=target)
    if status is None:
        raise Ignored("Delete of something we do not have")
    if status.account_id != r.actor.id:
        raise Ignored("Delete of someone else's post")
    await delete_status_everywhere(status)


async def _delete_actor(actor: Account) -> None:
    # Mastodon removes the account's content and relations; we keep the row (suspended), so
    # that ids that pointed at it still resolve to "gone" rather than to a stranger.
    for status in await Status.filter(account_id=actor.id):
        await delete_status_everywhere(status)
    for follow in await Follow.filter(account_id=actor.id).prefetch_related("target_account"):
        await bump(Account, follow.target_account_id, "followers_count", -1)
    for follow in await Follow.filter(target_account_id=actor.id):
        await bump(Account, follow.account_id, "following_count", -1)
    await Follow.filter(account_id=actor.id).delete()
    await Follow.filter(target_account_id=actor.id).delete()
    await Favourite.filter(account_id=actor.id).delete()
    await Account.filter(id=actor.id).update(suspended=True, followers_count=0, following_count=0)


async def on_announce(r: Received) -> None:
    object_uri = id_of(r.object)
    activity_id = r.activity.get("id")
    if not object_uri or not isinstance(activity_id, str):
        raise Ignored("Announce without an object or id")
    if await Status.exists(uri=activity_id):
        return
    try:
        original = await fetch_note(r.node, object_uri)
    except FetchError as exc:
        raise Ignored(f"boosted post could not be fetched: {exc}") from exc
    if original.visibility not in ("public", "unlisted"):
        raise Ignored("boost of a post that is not public")
    to, cc = ids_of(r.activity.get("to")), ids_of(r.activity.get("cc"))
    published = parse_datetime(r.activity.get("published")) or utcnow()
    boost = Status(
        id=new_id(min(published, utcnow())),
        uri=activity_id,
        url=activity_id,
        account=r.actor,
        reblog=original,
        visibility=visibility_of(to, cc, r.actor.followers_url),
        created_at=published,
        to_json=to,
        cc_json=cc,
    )
    await boost.save()
    await bump(Status, original.id, "reblogs_count")
    await fan_out(boost, r.actor, boosted_author_id=original.account_id)
    author = await original.account
    await notify(author, r.actor, "reblog", original)
