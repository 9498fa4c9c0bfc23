"""Remote pins: an Add to the actor's own featured collection pins the actor's own post, a Remove
unpins it; an Add of someone else's post or to another collection changes nothing."""

from __future__ import annotations

from core.follows import create_follow
from core.registration import create_local_account
from federation.actors import fetch_actor
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
