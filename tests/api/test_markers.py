"""Markers: read positions saved and read back with a growing version; unread notifications count from them."""

from __future__ import annotations

from mastodon_shapes import check

from models.markers import Marker
from outbox.follows import follow
from tests.api.test_timelines import scoped_token


async def test_markers_round_trip_and_their_version_grows(local_node):
    _, token = await local_node.user("alice")
    async with local_node.client(token) as client:
        assert (await client.get("/api/v1/markers", params={"timeline[]": "home"})).json() == {}

        first = await client.post("/api/v1/markers", json={"home": {"last_read_id": "100"}})
        assert first.status_code == 200, first.text
        check("Marker", first.json()["home"])
        assert first.json()["home"]["last_read_id"] == "100"

        second = await client.post(
            "/api/v1/markers", data={"home[last_read_id]": "200", "notifications[last_read_id]": "7"}
        )
        assert second.json()["home"]["version"] == first.json()["home"]["version"] + 1
        check("Marker", second.json()["notifications"])

        unchanged = await client.post("/api/v1/markers", json={"home": {"last_read_id": "200"}})
        assert unchanged.json()["home"]["version"] == second.json()["home"]["version"]

        both = await client.get("/api/v1/markers?timeline[]=home&timeline[]=notifications")
        assert set(both.json()) == {"home", "notifications"}
        for marker in both.json().values():
            check("Marker", marker)
        assert both.json()["home"]["last_read_id"] == "200"
        only_home = await client.get("/api/v1/markers", params={"timeline[]": "home"})
        assert set(only_home.json()) == {"home"}


async def test_a_marker_needs_a_last_read_id_and_nothing_is_saved_without_one(local_node):
    _, token = await local_node.user("alice")
    async with local_node.client(token) as client:
        response = await client.post(
            "/api/v1/markers", json={"home": {"last_read_id": "5"}, "notifications": {"last_read_id": ""}}
        )
        assert response.status_code == 422
        assert response.json() == {"error": "Validation failed: Last read can't be blank"}
    assert not await Marker.exists()


async def test_markers_need_the_statuses_scopes(local_node):
    alice, _ = await local_node.user("alice")
    token = await scoped_token(alice, "read:statuses")
    async with local_node.client(token) as client:
        assert (await client.get("/api/v1/markers", params={"timeline[]": "home"})).status_code == 200
        refused = await client.post("/api/v1/markers", json={"home": {"last_read_id": "1"}})
        assert refused.status_code == 403


async def test_unread_count_counts_what_came_after_the_notifications_marker(local_node):
    node = local_node.node
    alice, token = await local_node.user("alice")
    for name in ("bob", "carol", "dave"):
        follower, _ = await local_node.user(name)
        await follow(node, follower, alice)
    async with local_node.client(token) as client:
        assert (await client.get("/api/v1/notifications/unread_count")).json() == {"count": 3}
        notifications = (await client.get("/api/v1/notifications")).json()
        await client.post("/api/v1/markers", json={"notifications": {"last_read_id": notifications[1]["id"]}})
        assert (await client.get("/api/v1/notifications/unread_count")).json() == {"count": 1}
