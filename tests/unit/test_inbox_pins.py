"""Remote pins: an Add to the actor's own featured collection pins the actor's own post, a Remove
unpins it; an Add of someone else's post or to another collection changes nothing."""

from __future__ import annotations

from core.follows import create_follow
from core.registration import create_local_account
from federation.actors import fetch_actor
from federation.featured import sync_featured
from federation.notes import fetch_note
from inbox.processing import process_due
from models.interactions import Pin
from models.queues import DONE, InboxItem
from tests.fake_remote import AS_CONTEXT, InProcessNode, RemoteActor, note_create


def featured(kind: str, actor: RemoteActor, post: str, n: int, target: str | None = None) -> dict:
    return {
        "@context": AS_CONTEXT,
        "id": f"{actor.uri}#{kind.lower()}s/{n}",
        "type": kind,
        "actor": actor.uri,
        "object": post,
        "target": target or actor.uri + "/collections/featured",
    }


async def _deliver_and_apply(local: InProcessNode, actor: RemoteActor, *activities: dict) -> None:
    for activity in activities:
        assert (await local.deliver(actor, activity)).status_code == 202
    while await process_due(local.node):
        pass


async def _pins() -> list[tuple[str, str]]:
    return [(pin.account.uri, pin.status.uri) for pin in await Pin.all().prefetch_related("account", "status")]


async def test_an_actor_pins_and_unpins_only_its_own_posts_in_its_own_featured_collection(local, fediverse):
    bob = fediverse.actor("https://mastodon.example/users/bob")
    carol = fediverse.actor("https://social.example/users/carol")
    alice = await create_local_account(local.settings.base_url, "alice", "correct horse battery")
    for remote in (bob, carol):
        await create_follow(alice, await fetch_actor(local.node, remote.uri), uri=None)
    await _deliver_and_apply(local, bob, note_create(bob, 1), note_create(bob, 2))
    await _deliver_and_apply(local, carol, note_create(carol, 1))
    bobs, bobs_other, carols = f"{bob.uri}/statuses/1", f"{bob.uri}/statuses/2", f"{carol.uri}/statuses/1"

    await _deliver_and_apply(
        local,
        bob,
        featured("Add", bob, carols, 1),  # someone else's post
        featured("Add", bob, bobs_other, 2, target=bob.uri + "/collections/other"),
        featured("Add", bob, bobs, 3),
    )
    assert await _pins() == [(bob.uri, bobs)]
    await _deliver_and_apply(local, carol, featured("Remove", carol, bobs, 4))  # not carol's to unpin
    assert await _pins() == [(bob.uri, bobs)]
    await _deliver_and_apply(local, bob, featured("Remove", bob, bobs, 5))
    assert await _pins() == []
    assert {item.state for item in await InboxItem.all()} == {DONE}


def _note(actor: RemoteActor, n: int, to: str = "https://www.w3.org/ns/activitystreams#Public") -> dict:
    uri = f"{actor.uri}/statuses/{n}"
    return {
        "@context": AS_CONTEXT,
        "id": uri,
        "type": "Note",
        "attributedTo": actor.uri,
        "content": f"<p>{n}</p>",
        "to": [to],
        "published": "2026-11-01T10:00:00Z",
    }


async def test_following_reads_the_featured_collection_and_keeps_only_the_actors_own_posts(local, fediverse):
    bob = fediverse.actor("https://mastodon.example/users/bob")
    carol = fediverse.actor("https://social.example/users/carol")
    featured_url = bob.uri + "/collections/featured"
    for n in (1, 2):
        fediverse.documents[f"{bob.uri}/statuses/{n}"] = _note(bob, n)
    fediverse.documents[f"{bob.uri}/statuses/3"] = _note(bob, 3, to=bob.uri + "/followers")
    fediverse.documents[f"{bob.uri}/statuses/4"] = _note(bob, 4, to="https://social.example/users/carol")
    fediverse.documents[f"{carol.uri}/statuses/1"] = _note(carol, 1)
    # A paged collection, its first page embedded, as Mastodon serves it.
    fediverse.documents[featured_url] = {
        "@context": AS_CONTEXT,
        "id": featured_url,
        "type": "OrderedCollection",
        "totalItems": 5,
        "first": {
            "type": "OrderedCollectionPage",
            "orderedItems": [
                f"{bob.uri}/statuses/2",
                f"{carol.uri}/statuses/1",
                f"{bob.uri}/statuses/4",
                {"type": "Hashtag", "href": "https://mastodon.example/tags/sales", "name": "#sales"},
                f"{bob.uri}/statuses/1",
                f"{bob.uri}/statuses/404",
            ],
        },
    }
    remote_bob = await fetch_actor(local.node, bob.uri)
    await Pin.create(account=remote_bob, status=await fetch_note(local.node, f"{bob.uri}/statuses/3"))

    pinned = await sync_featured(local.node, remote_bob)

    assert sorted(await _pins()) == [(bob.uri, f"{bob.uri}/statuses/1"), (bob.uri, f"{bob.uri}/statuses/2")]
    assert len(pinned) == 2  # unpinned: 3, no longer listed; left out: carol's, the direct 4, the hashtag, the 404
    del fediverse.documents[featured_url]
    assert await sync_featured(local.node, remote_bob) == []
    assert len(await _pins()) == 2  # a collection that cannot be read changes nothing
