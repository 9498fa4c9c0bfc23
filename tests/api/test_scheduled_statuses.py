"""Scheduled statuses: written now, listed, moved or cancelled, and published by the worker when due."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from mastodon_shapes import check

from models.scheduled import ScheduledStatus
from models.statuses import Status
from outbox.scheduled import publish_due


def later(**delta) -> str:
    return (datetime.now(UTC) + timedelta(**delta)).isoformat().replace("+00:00", "Z")


async def schedule(client, text: str, at: str, **extra) -> dict:
    response = await client.post("/api/v1/statuses", json={"status": text, "scheduled_at": at, **extra})
    assert response.status_code == 200, response.text
    check("ScheduledStatus", response.json())
    return response.json()


async def test_a_scheduled_status_is_listed_moved_and_cancelled_but_not_posted(local_node):
    alice, token = await local_node.user("alice")
    async with local_node.client(token) as client:
        first = await schedule(client, "Happy new year!", later(hours=2), visibility="unlisted", spoiler_text="cw")
        second = await schedule(client, "Second one", later(hours=3))
        page = await client.get("/api/v1/scheduled_statuses", params={"limit": "1"})
        shown = (await client.get(f"/api/v1/scheduled_statuses/{first['id']}")).json()
        new_time = later(days=2)
        moved = await client.put(f"/api/v1/scheduled_statuses/{first['id']}", json={"scheduled_at": new_time})
        too_soon = await client.put(
            f"/api/v1/scheduled_statuses/{first['id']}", json={"scheduled_at": later(minutes=1)}
        )
        cancelled = await client.delete(f"/api/v1/scheduled_statuses/{second['id']}")
        gone = await client.get(f"/api/v1/scheduled_statuses/{second['id']}")
        remaining = (await client.get("/api/v1/scheduled_statuses")).json()

    assert first["params"]["text"] == "Happy new year!" and first["params"]["visibility"] == "unlisted"
    assert first["params"]["spoiler_text"] == "cw" and first["params"]["scheduled_at"] is None
    assert first["media_attachments"] == []
    assert not await Status.exists(account_id=alice.id)
    assert [s["id"] for s in page.json()] == [second["id"]] and 'rel="next"' in page.headers["link"]
    assert shown == first
    assert moved.status_code == 200
    check("ScheduledStatus", moved.json())
    assert datetime.fromisoformat(moved.json()["scheduled_at"].replace("Z", "+00:00")) > datetime.now(UTC) + timedelta(
        days=1
    )
    assert too_soon.status_code == 422
    assert cancelled.status_code == 200 and cancelled.json() == {}
    assert gone.status_code == 404
    assert [s["id"] for s in remaining] == [first["id"]]


async def test_the_worker_publishes_a_due_status_through_the_outbox(local_node):
    alice, token = await local_node.user("alice")
    async with local_node.client(token) as client:
        scheduled = await schedule(client, "Release notes #release", later(hours=1), visibility="private")
        # Time passes: the row is due now.
        await ScheduledStatus.filter(id=int(scheduled["id"])).update(
            scheduled_at=datetime.now(UTC) - timedelta(seconds=1)
        )
        assert await publish_due(local_node.node) == 1
        assert await publish_due(local_node.node) == 0
        posted = (await client.get(f"/api/v1/accounts/{alice.id}/statuses")).json()
        listed = (await client.get("/api/v1/scheduled_statuses")).json()

    assert len(posted) == 1
    check("Status", posted[0])
    assert posted[0]["content"].startswith("<p>Release notes") and posted[0]["visibility"] == "private"
    assert [t["name"] for t in posted[0]["tags"]] == ["release"]
    assert listed == []


async def test_scheduled_at_too_soon_or_unreadable_is_refused_and_a_past_one_posts_now(local_node):
    alice, token = await local_node.user("alice")
    bob, bob_token = await local_node.user("bob")
    async with local_node.client(token) as client:
        too_soon = await client.post("/api/v1/statuses", json={"status": "hi", "scheduled_at": later(minutes=2)})
        unreadable = await client.post("/api/v1/statuses", json={"status": "hi", "scheduled_at": "tomorrow-ish"})
        blank_text = await client.post("/api/v1/statuses", json={"status": "", "scheduled_at": later(hours=1)})
        # Mastodon posts at once when the time is already past (PostStatusService#scheduled_in_the_past?).
        past = await client.post("/api/v1/statuses", json={"status": "right away", "scheduled_at": later(hours=-1)})
        mine = await schedule(client, "mine", later(hours=1))
    async with local_node.client(bob_token) as other:
        not_bobs = await other.get(f"/api/v1/scheduled_statuses/{mine['id']}")
        not_bobs_delete = await other.delete(f"/api/v1/scheduled_statuses/{mine['id']}")

    assert too_soon.status_code == 422
    assert too_soon.json() == {"error": "Validation failed: Scheduled at The scheduled date must be in the future"}
    assert unreadable.status_code == 422
    assert blank_text.status_code == 422 and blank_text.json() == {"error": "Validation failed: Text can't be blank"}
    assert past.status_code == 200
    check("Status", past.json())
    assert not_bobs.status_code == 404 and not_bobs_delete.status_code == 404
    assert await ScheduledStatus.filter(account_id=alice.id).count() == 1


async def test_no_more_than_25_statuses_are_scheduled_for_one_day(local_node):
    _, token = await local_node.user("alice")
    day = (datetime.now(UTC) + timedelta(days=3)).replace(hour=12, minute=0, second=0, microsecond=0)
    async with local_node.client(token) as client:
        for minute in range(25):
            await schedule(client, f"post {minute}", (day + timedelta(minutes=minute)).isoformat())
        over = await client.post(
            "/api/v1/statuses", json={"status": "one more", "scheduled_at": (day + timedelta(hours=1)).isoformat()}
        )
        next_day = await client.post(
            "/api/v1/statuses", json={"status": "tomorrow", "scheduled_at": (day + timedelta(days=1)).isoformat()}
        )

    assert over.status_code == 422
    assert over.json() == {"error": "Validation failed: You have exceeded the limit of 25 scheduled posts for today"}
    assert next_day.status_code == 200
