"""Add and Remove on an actor's featured collection: the posts a remote person pins on their profile.

As Mastodon's ActivityPub::Activity::Add/Remove: only the actor's own `featured` collection
counts, and only their own posts. A pinned post we never saw is fetched (it may be older than
our following them). Featured hashtags (an Add of a Hashtag) are not kept.
"""

from __future__ import annotations

from federation.errors import FetchError
from federation.featured import NotPinnable, fetch_pinnable
from federation.parse import id_of
from inbox.context import Ignored, Received
from models.interactions import Pin
from models.statuses import Status


def _featured_status_uri(r: Received) -> str:
    """The post the activity pins or unpins; Ignored when it is not about the actor's featured posts."""
    target = id_of(r.activity.get("target"))
    if not target or not r.actor.featured_url or target != r.actor.featured_url:
        raise Ignored(f"{r.activity['type']} to a collection other than the actor's featured posts")
    obj = r.object
    if isinstance(obj, dict) and obj.get("type") == "Hashtag":
        raise Ignored("featured hashtags of remote accounts are not kept")
    uri = id_of(obj)
    if not uri:
        raise Ignored(f"{r.activity['type']} without an object")
    return uri


async def on_add(r: Received) -> None:
    try:
        status = await fetch_pinnable(r.node, r.actor, _featured_status_uri(r))
    except FetchError as exc:
        raise Ignored(f"the pinned post could not be fetched: {exc}") from exc
    except NotPinnable as exc:
        raise Ignored(str(exc)) from exc
    await Pin.get_or_create(account_id=r.actor.id, status_id=status.id)


async def on_remove(r: Received) -> None:
    uri = _featured_status_uri(r)
    status = await Status.get_or_none(uri=uri, account_id=r.actor.id)
    if status is not None:
        await Pin.filter(account_id=r.actor.id, status_id=status.id).delete()
