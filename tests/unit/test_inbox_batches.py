"""The inbox worker applies a claimed batch together: one failing item neither loses nor doubles
the others, items keep the order they arrived in, and live events follow only committed work.

In process: the node under test is a real app; the other servers are an httpx.MockTransport.
Every delivered item is left to the worker here, plain posts too (which a node that runs its
worker in the accepting process applies as they arrive, inbox/on_arrival.py).
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from core import events
from core.follows import create_follow
from core.registration import create_local_account
from federation import notes
from federation.actors import fetch_actor
from inbox import processing
from inbox.context import Received
from inbox.plain_posts import is_plain, prepare_plain_posts
from inbox.processing import process_due
from models.accounts import Account
from models.interactions import HomeFeedEntry
from models.queues import DONE, PENDING, InboxItem
from models.relationships import Block, Mute
from models.statuses import Status
from tests.fake_remote import Fediverse, InProcessNode, note_create, note_delete


@pytest.fixture
def settings(settings):
    # As in a node whose worker processes apply what its web processes accept.
    return replace(settings, apply_on_arrival=False)


async def _alice_following(local: InProcessNode, *remotes) -> int:
    alice = await create_local_account(local.settings.base_url, "alice", "correct horse battery")
    for remote in remotes:
        await create_follow(alice, await fetch_actor(local.node, remote.uri), uri=None)
    return alice.id


async def _process_all(local: InProcessNode) -> None:
    while await process_due(local.node):
        pass


async def test_a_failing_item_is_rolled_back_alone_and_retried_while_the_others_are_applied_once(
    local, fediverse, monkeypatch
):
    bob = fediverse.actor("https://mastodon.example/users/bob")
    carol = fediverse.actor("https://social.example/users/carol")
    alice_id = await _alice_following(local, bob, carol)
    activities = [note_create(bob, n) for n in range(1, 6)] + [note_create(carol, n) for n in range(1, 6)]
    for activity in activities:
        assert (await local.deliver(bob if "bob" in activity["actor"] else carol, activity)).status_code == 202
    broken = activities[3]["object"]["id"]
    real_create = processing.HANDLERS["Create"]

    async def create_then_fail(received):
        await real_create(received)  # its writes happen, and must be undone
        if received.object["id"] == broken:
            raise RuntimeError("disk on fire")

    monkeypatch.setitem(processing.HANDLERS, "Create", create_then_fail)
    published: list[tuple[str, int]] = []

    async def listener(event: str, object_id: int, account_ids: list[int]) -> None:
        published.append((event, object_id))

    events.subscribe(listener)
    try:
        await _process_all(local)
    finally:
        events.unsubscribe(listener)

    applied = {a["object"]["id"] for a in activities} - {broken}
    assert set(await Status.all().values_list("uri", flat=True)) == applied
    feed = await HomeFeedEntry.filter(account_id=alice_id).values_list("status_id", flat=True)
    assert sorted(feed) == sorted(await Status.all().values_list("id", flat=True))
    assert sorted(object_id for event, object_id in published if event == "update") == sorted(feed)
    failed = await InboxItem.get(activity_id=activities[3]["id"])
    assert (failed.state, failed.attempts, failed.claimed_until) == (PENDING, 1, None)
    assert "disk on fire" in failed.last_error
    others = await InboxItem.exclude(id=failed.id)
    assert {(item.state, item.attempts, item.last_error) for item in others} == {(DONE, 1, "")}
    # The authors' post counters, changed together at the end of the batch, count what was kept.
    counts = dict(await Account.filter(uri__in=[bob.uri, carol.uri]).values_list("uri", "statuses_count"))
    assert counts == {bob.uri: 4, carol.uri: 5}

    # Retried (as once its next attempt is due) with the handler mended: applied exactly once.
    monkeypatch.setitem(processing.HANDLERS, "Create", real_create)
    await InboxItem.filter(id=failed.id).update(next_attempt_at=failed.received_at)
    await _process_all(local)
    assert await Status.filter(uri=broken).count() == 1
    assert await HomeFeedEntry.filter(account_id=alice_id).count() == len(activities)
    assert (await InboxItem.get(id=failed.id)).state == DONE
    assert (await Account.get(uri=bob.uri)).statuses_count == 5


async def test_items_are_applied_in_the_order_they_arrived_around_one_that_fetches(local, fediverse):
    bob = fediverse.actor("https://mastodon.example/users/bob")
    alice_id = await _alice_following(local, bob)
    before = note_create(bob, 1)
    # A reply to a post this node lacks is applied alone (it may fetch the parent, here a 404) ...
    reply = note_create(bob, 2)
    reply["object"]["inReplyTo"] = "https://mastodon.example/users/bob/statuses/999"
    # ... and the Delete that follows it in the same batch still finds it.
    delete = note_delete(bob, reply)
    after = note_create(bob, 3)
    for activity in (before, reply, delete, after):
        assert (await local.deliver(bob, activity)).status_code == 202

    await _process_all(local)

    assert "https://mastodon.example/users/bob/statuses/999" in fediverse.fetched
    assert sorted(await Status.all().values_list("uri", flat=True)) == [before["object"]["id"], after["object"]["id"]]
    assert await HomeFeedEntry.filter(account_id=alice_id).count() == 2
    assert set(await InboxItem.all().values_list("state", "last_error")) == {(DONE, "")}


async def test_a_post_that_meets_an_id_already_taken_is_tried_again_at_once(local, fediverse, monkeypatch):
    bob = fediverse.actor("https://mastodon.example/users/bob")
    alice_id = await _alice_following(local, bob)
    first, second = note_create(bob, 1), note_create(bob, 2)
    assert (await local.deliver(bob, first)).status_code == 202
    await _process_all(local)
    taken = (await Status.get(uri=first["object"]["id"])).id

    # Another process made the same time-ordered id a moment ago: the first try of the second post meets it.
    real_id_published = notes.id_published
    tries = []

    def colliding(published, now):
        tries.append(published)
        return taken if len(tries) == 1 else real_id_published(published, now)

    monkeypatch.setattr(notes, "id_published", colliding)
    assert (await local.deliver(bob, second)).status_code == 202
    await _process_all(local)

    assert len(tries) == 2
    item = await InboxItem.get(activity_id=second["id"])
    assert (item.state, item.attempts) == (DONE, 2)
    assert await Status.filter(uri=second["object"]["id"]).count() == 1
    assert await HomeFeedEntry.filter(account_id=alice_id).count() == 2


def _addressed(activity: dict, to: list[str], cc: list[str]) -> dict:
    activity["to"] = activity["object"]["to"] = to
    activity["cc"] = activity["object"]["cc"] = cc
    return activity


async def _statuses_and_events(local: InProcessNode, activities_by: list[tuple]) -> tuple[list[dict], list[tuple]]:
    """Deliver and apply the activities; the statuses they made (without ids) and the events published."""
    published: list[tuple] = []

    async def listener(event: str, object_id: int, account_ids: list[int]) -> None:
        published.append((event, await Status.get(id=object_id).values_list("content", flat=True), account_ids))

    for actor, activity in activities_by:
        assert (await local.deliver(actor, activity)).status_code == 202
    events.subscribe(listener)
    try:
        await _process_all(local)
    finally:
        events.unsubscribe(listener)
    made = []
    for status in await Status.filter(uri__in=[a["object"]["id"] for _, a in activities_by]).order_by("id"):
        row = dict(await Status.get(id=status.id).values())
        feed = await HomeFeedEntry.filter(status_id=status.id).values_list("account_id", flat=True)
        made.append({k: v for k, v in row.items() if k not in ("id", "uri", "url")} | {"feed": sorted(feed)})
    return made, published


async def test_plain_posts_applied_together_are_stored_exactly_as_one_by_one(local, fediverse, monkeypatch):
    bob = fediverse.actor("https://mastodon.example/users/bob")
    dora = fediverse.actor("https://social.example/users/dora")
    alice_id = await _alice_following(local, bob, dora)
    carol = await create_local_account(local.settings.base_url, "carol", "correct horse battery")
    erin = await create_local_account(local.settings.base_url, "erin", "correct horse battery")
    for reader in (carol, erin):
        for author in (bob, dora):
            await create_follow(reader, await fetch_actor(local.node, author.uri), uri=None)
    # carol blocks bob, erin mutes dora: neither sees those posts at home.
    await Block.create(account_id=carol.id, target_account_id=(await Account.get(uri=bob.uri)).id)
    await Mute.create(account_id=erin.id, target_account_id=(await Account.get(uri=dora.uri)).id)
    public, followers = "https://www.w3.org/ns/activitystreams#Public", lambda a: a.uri + "/followers"

    def posts(first: int) -> list[tuple]:
        made = []
        for n, actor in enumerate((bob, dora, bob, dora)):
            content = f"<p>post {n}</p><script>x</script>"
            activity = note_create(actor, first + n, content)
            addressing = [([public], [followers(actor)]), ([followers(actor)], [public]), ([followers(actor)], [])]
            made.append((actor, _addressed(activity, *addressing[n % 3])))
        made[1][1]["object"] |= {"summary": "cw", "sensitive": True, "contentMap": {"de": "x"}, "url": "https://u"}
        return made

    plain: list[str] = []

    async def counted(run):
        plain.extend(received.object["id"] for received in run)
        return await prepare_plain_posts(run)

    monkeypatch.setattr(processing, "prepare_plain_posts", counted)
    together, together_events = await _statuses_and_events(local, posts(1))
    assert len(plain) == 4

    async def create_alone(received):  # another handler object: every Create takes the full path
        await processing.on_create(received)

    monkeypatch.setitem(processing.HANDLERS, "Create", create_alone)
    alone, alone_events = await _statuses_and_events(local, posts(101))
    assert len(plain) == 4

    assert together == alone
    assert together_events == alone_events
    # bob's posts: alice and erin (carol blocks him); dora's: alice and carol (erin mutes her).
    assert [s["feed"] for s in together] == [sorted(ids) for ids in ([alice_id, erin.id], [alice_id, carol.id])] * 2
    counts = dict(await Account.filter(uri__in=[bob.uri, dora.uri]).values_list("uri", "statuses_count"))
    assert counts == {bob.uri: 4, dora.uri: 4}


async def test_a_plain_post_delivered_twice_in_one_batch_is_stored_once(local, fediverse):
    bob = fediverse.actor("https://mastodon.example/users/bob")
    alice_id = await _alice_following(local, bob)
    first = note_create(bob, 1)
    again = note_create(bob, 1) | {"id": first["id"] + "-again"}  # another activity, the same post
    for activity in (first, again, note_create(bob, 2)):
        assert (await local.deliver(bob, activity)).status_code == 202

    await _process_all(local)

    assert await Status.filter(uri=first["object"]["id"]).count() == 1
    assert await HomeFeedEntry.filter(account_id=alice_id).count() == 2
    assert (await Account.get(uri=bob.uri)).statuses_count == 2
    assert set(await InboxItem.all().values_list("state", "attempts", "last_error")) == {(DONE, 1, "")}


@pytest.mark.parametrize(
    "change",
    [
        {"inReplyTo": "https://mastodon.example/users/bob/statuses/0"},
        {"tag": [{"type": "Mention", "href": "https://flurfunk.test/users/alice"}]},
        {"tag": [{"type": "Hashtag", "name": "#news"}]},
        {"attachment": [{"type": "Image", "url": "https://mastodon.example/a.png"}]},
        {"type": "Question", "oneOf": [{"name": "yes"}]},
        {"to": ["https://flurfunk.test/users/alice"], "cc": []},
        {"attributedTo": "https://mastodon.example/users/mallory"},
        {"id": "https://elsewhere.example/statuses/1"},
    ],
)
def test_only_posts_that_need_nothing_more_are_plain(change):
    bob = Fediverse().actor("https://mastodon.example/users/bob")
    account = Account(uri=bob.uri, followers_url=bob.uri + "/followers")
    assert is_plain(Received(None, account, note_create(bob, 1)))  # type: ignore[arg-type]
    activity = note_create(bob, 1)
    activity["object"] |= change
    assert not is_plain(Received(None, account, activity))  # type: ignore[arg-type]
