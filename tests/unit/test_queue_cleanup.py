"""Finished queue rows go after the retention period: received activities and deliveries done or
given up long ago, and sent activities with no delivery left; nothing pending or recent."""

from __future__ import annotations

from datetime import timedelta

from core.registration import create_local_account
from federation import queue_cleanup
from federation.queue_cleanup import RETENTION, remove_finished_queue_rows
from models.base import utcnow
from models.queues import DONE, FAILED, PENDING, Delivery, InboxItem, OutgoingActivity

LONG_AGO = utcnow() - RETENTION - timedelta(days=1)
LATELY = utcnow() - timedelta(days=1)


async def _item(name: str, state: str, finished_at) -> None:
    await InboxItem.create(
        activity_id=f"https://remote.example/{name}",
        actor_uri="https://remote.example/users/a",
        body="{}",
        state=state,
        received_at=LONG_AGO,
        finished_at=finished_at,
    )


async def test_inbox_items_finished_long_ago_go_and_the_others_stay(db, monkeypatch):
    monkeypatch.setattr(queue_cleanup, "BATCH", 2)  # several batches
    for n in range(5):
        await _item(f"old-done-{n}", DONE, LONG_AGO)
    await _item("old-failed", FAILED, LONG_AGO)
    await _item("recent-done", DONE, LATELY)
    await _item("old-pending", PENDING, None)

    assert await remove_finished_queue_rows() == 6

    remaining = await InboxItem.all().order_by("id").values_list("activity_id", flat=True)
    assert remaining == ["https://remote.example/recent-done", "https://remote.example/old-pending"]


async def test_deliveries_finished_long_ago_go_with_activities_that_have_none_left(db):
    alice = await create_local_account(db.base_url, "alice", "correct horse battery")

    async def activity(name: str, created_at, deliveries: list[tuple[str, object]]) -> None:
        sent = await OutgoingActivity.create(activity_id=name, actor_id=alice.id, body="{}", created_at=created_at)
        for state, finished_at in deliveries:
            await Delivery.create(
                activity=sent, inbox_url="https://remote.example/inbox", state=state, finished_at=finished_at
            )

    await activity("all-delivered-long-ago", LONG_AGO, [(DONE, LONG_AGO), (FAILED, LONG_AGO)])
    await activity("one-still-pending", LONG_AGO, [(DONE, LONG_AGO), (PENDING, None)])
    await activity("delivered-lately", LONG_AGO, [(DONE, LATELY)])
    await activity("recent-with-none", LATELY, [])

    assert await remove_finished_queue_rows() == 3 + 1  # three deliveries, one activity

    left = await OutgoingActivity.all().order_by("id").values_list("activity_id", flat=True)
    assert left == ["one-still-pending", "delivered-lately", "recent-with-none"]
    assert sorted(await Delivery.all().values_list("state", flat=True)) == [DONE, PENDING]
