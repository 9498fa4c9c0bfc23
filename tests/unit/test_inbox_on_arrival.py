"""Plain posts by known actors are applied as the inbox stores them (inbox/on_arrival.py): in the
readers' home feeds by the time of the 202, their inbox items done. Everything else, and
everything whose application fails, waits for the worker, and nothing is lost or doubled.

In process: the node under test is a real app; the other servers are an httpx.MockTransport.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from core import events
from core.follows import create_follow
from core.registration import create_local_account
from federation.actors import fetch_actor
from inbox import on_arrival
from inbox.processing import process_due
from models.accounts import Account
from models.base import utcnow
from models.interactions import HomeFeedEntry
from models.queues import DONE, PENDING, InboxItem
from models.statuses import Status
from tests.fake_remote import InProcessNode, note_create, note_delete


async def _alice_following(local: InProcessNode, remote) -> int:
    alice = await create_local_account(local.settings.base_url, "alice", "correct horse battery")
    await create_follow(alice, await fetch_actor(local.node, remote.uri), uri=None)
    return alice.id


async def _process_all(local: InProcessNode) -> None:
    while await process_due(local.node):
        pass


async def _item(activity: dict) -> tuple:
    item = await InboxItem.get(activity_id=activity["id"])
    return item.state, item.attempts, item.last_error, item.finished_at is not None


async def test_a_plain_post_is_in_its_readers_home_feeds_when_the_inbox_answers(local, fediverse):
    bob = fediverse.actor("https://mastodon.example/users/bob")
    alice_id = await _alice_following(local, bob)
    published: list[tuple] = []

    async def listener(event: str, object_id: int, account_ids: list[int]) -> None:
        published.append((event, object_id, account_ids))

    events.subscribe(listener)
    try:
        create = note_create(bob, 1)
        assert (await local.deliver(bob, create)).status_code == 202
    finally:
        events.unsubscribe(listener)

    status = await Status.get(uri=create["object"]["id"])
    assert await HomeFeedEntry.filter(account_id=alice_id).values_list("status_id", flat=True) == [status.id]
    assert published == [("update", status.id, [alice_id])]
    assert await _item(create) == (DONE, 1, "", True)
    assert (await Account.get(uri=bob.uri)).statuses_count == 1
    assert await process_due(local.node) == 0  # nothing left for the worker


async def test_a_post_that_is_not_plain_waits_for_the_worker(local, fediverse):
    bob = fediverse.actor("https://mastodon.example/users/bob")
    alice_id = await _alice_following(local, bob)
    reply = note_create(bob, 2)
    reply["object"]["inReplyTo"] = "https://mastodon.example/users/bob/statuses/999"  # may be fetched

    assert (await local.deliver(bob, reply)).status_code == 202
    assert not await Status.exists(uri=reply["object"]["id"])
    assert (await _item(reply))[:2] == (PENDING, 0)

    await _process_all(local)
    assert await Status.filter(uri=reply["object"]["id"]).count() == 1
    assert await HomeFeedEntry.filter(account_id=alice_id).count() == 1
    assert await _item(reply) == (DONE, 1, "", True)


async def test_a_post_by_an_actor_due_to_be_fetched_again_waits_for_the_worker(local, fediverse):
    bob = fediverse.actor("https://mastodon.example/users/bob")
    alice_id = await _alice_following(local, bob)
    await Account.filter(uri=bob.uri).update(fetched_at=utcnow() - timedelta(days=2))
    create = note_create(bob, 1)

    assert (await local.deliver(bob, create)).status_code == 202
    assert not await Status.exists(uri=create["object"]["id"])
    fetches = fediverse.fetched.count(bob.uri)

    await _process_all(local)
    assert fediverse.fetched.count(bob.uri) == fetches + 1  # the worker fetched the actor again before applying
    assert await HomeFeedEntry.filter(account_id=alice_id).count() == 1
    assert await _item(create) == (DONE, 1, "", True)


async def test_a_create_delivered_again_does_not_bring_back_a_post_deleted_since(local, fediverse):
    bob = fediverse.actor("https://mastodon.example/users/bob")
    await _alice_following(local, bob)
    create = note_create(bob, 1)
    delete = note_delete(bob, create)
    assert (await local.deliver(bob, create)).status_code == 202
    assert (await local.deliver(bob, delete)).status_code == 202
    await _process_all(local)
    assert not await Status.exists(uri=create["object"]["id"])

    assert (await local.deliver(bob, create)).status_code == 202  # a retry by the sender
    await _process_all(local)
    assert not await Status.exists(uri=create["object"]["id"])
    assert await InboxItem.filter(activity_id=create["id"]).count() == 1


async def test_posts_whose_application_fails_are_queued_and_applied_once_by_the_worker(local, fediverse, monkeypatch):
    bob = fediverse.actor("https://mastodon.example/users/bob")
    alice_id = await _alice_following(local, bob)
    real_write = on_arrival.write_plain_posts

    def write_then_fail(prepared):
        yield from real_write(prepared)  # its writes happen, and must be undone
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(on_arrival, "write_plain_posts", write_then_fail)
    creates = [note_create(bob, n) for n in (1, 2)]
    for create in creates:
        assert (await local.deliver(bob, create)).status_code == 202
    assert await Status.filter(account__uri=bob.uri).count() == 0
    assert [(await _item(create))[:2] for create in creates] == [(PENDING, 0)] * 2
    assert (await Account.get(uri=bob.uri)).statuses_count == 0

    monkeypatch.setattr(on_arrival, "write_plain_posts", real_write)
    await _process_all(local)
    assert sorted(await Status.filter(account__uri=bob.uri).values_list("uri", flat=True)) == sorted(
        create["object"]["id"] for create in creates
    )
    assert await HomeFeedEntry.filter(account_id=alice_id).count() == 2
    assert (await Account.get(uri=bob.uri)).statuses_count == 2


async def test_the_actors_of_one_group_serve_the_next_for_a_moment_then_are_read_again(local, fediverse):
    bob = fediverse.actor("https://mastodon.example/users/bob")
    await _alice_following(local, bob)
    recent = on_arrival.RecentActors(seconds=0.2)
    first = (await recent.known([bob.uri]))[bob.uri]
    await Account.filter(id=first.id).update(followers_url="https://mastodon.example/users/bob/fans")
    # Within the moment: the same instance, no read.
    assert (await recent.known([bob.uri, bob.uri]))[bob.uri] is first
    await asyncio.sleep(0.25)
    again = (await recent.known([bob.uri]))[bob.uri]
    assert again is not first and again.followers_url == "https://mastodon.example/users/bob/fans"
    # An actor not known (or gone stale) is not kept: the worker fetches it.
    assert await recent.known(["https://mastodon.example/users/nobody"]) == {}
    # Those read longer ago are dropped as others are read.
    await asyncio.sleep(0.25)
    await recent.known(["https://mastodon.example/users/nobody"])
    assert len(recent) == 0
