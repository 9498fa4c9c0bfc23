"""Notifications: what a person is told about, how they filter and page it, dismiss and clear it."""

from __future__ import annotations

from mastodon_shapes import check

from models.accounts import Account
from models.interactions import Notification
from models.relationships import Block, Mute
from oauth.tokens import cli_application, issue_token
from outbox.follows import follow
from outbox.interactions import favourite
from outbox.statuses import create_status, reblog


async def notifications(client, *args, **params) -> list[dict]:
    response = await client.get("/api/v1/notifications", params=list(args) + list(params.items()))
    assert response.status_code == 200, response.text
    for entity in response.json():
        check("Notification", entity)
    return response.json()


async def busy_morning(local_node) -> tuple[Account, str, Account]:
    """Bob follows Alice, mentions her, likes and boosts her post: one notification of each kind, in that order."""
    node = local_node.node
    alice, token = await local_node.user("alice")
    bob, _ = await local_node.user("bob")
    post = await create_status(node, alice, "good morning")
    await follow(node, bob, alice)
    await create_status(node, bob, "@alice hello")
    await favourite(node, bob, post)
    await reblog(node, bob, post)
    return alice, token, bob


async def test_each_kind_of_notification_is_listed_newest_first_with_its_status(local_node):
    alice, token, bob = await busy_morning(local_node)
    async with local_node.client(token) as client:
        listed = await notifications(client)

    assert [n["type"] for n in listed] == ["reblog", "favourite", "mention", "follow"]
    assert all(n["account"]["id"] == str(bob.id) for n in listed)
    # Likes, boosts and follows carry their group (tests/api/test_grouped_notifications.py), a mention none.
    reblog, like, mention, followed = listed
    assert reblog["group_key"].startswith(f"reblog-{reblog['status']['id']}-")
    assert like["group_key"].startswith(f"favourite-{like['status']['id']}-")
    assert followed["group_key"].startswith("follow-")
    assert mention["group_key"] == f"ungrouped-{mention['id']}"
    assert listed[0]["status"]["content"] == "<p>good morning</p>"
    assert listed[0]["status"]["reblogged"] is False and listed[1]["status"]["favourited"] is False
    assert "@" in listed[2]["status"]["content"] and "hello" in listed[2]["status"]["content"]
    assert "status" not in listed[3]


async def test_types_exclude_types_and_account_id_filter_the_list(local_node):
    alice, token, bob = await busy_morning(local_node)
    carol, _ = await local_node.user("carol")
    async with local_node.client(token) as client:
        mentions = await notifications(client, ("types[]", "mention"))
        likes_and_boosts = await notifications(client, ("types[]", "favourite"), ("types[]", "reblog"))
        without = await notifications(client, ("exclude_types[]", "follow"), ("exclude_types[]", "favourite"))
        from_bob = await notifications(client, account_id=str(bob.id))
        from_carol = await notifications(client, account_id=str(carol.id))

    assert [n["type"] for n in mentions] == ["mention"]
    assert [n["type"] for n in likes_and_boosts] == ["reblog", "favourite"]
    assert [n["type"] for n in without] == ["reblog", "mention"]
    assert len(from_bob) == 4 and from_carol == []


async def test_notifications_page_with_link_headers(local_node):
    alice, token, bob = await busy_morning(local_node)
    async with local_node.client(token) as client:
        first = await client.get("/api/v1/notifications", params={"limit": "1", "types[]": ["follow", "mention"]})
        second = await client.get(first.links["next"]["url"])
        third = await client.get(second.links["next"]["url"])
        newer = await client.get(second.links["prev"]["url"])

    assert [n["type"] for n in first.json()] == ["mention"]
    assert "types%5B%5D=follow" in first.links["next"]["url"]
    assert [n["type"] for n in second.json()] == ["follow"]
    assert third.json() == [] and "link" not in third.headers
    assert newer.json() == first.json()


async def test_one_notification_dismiss_and_clear(local_node):
    alice, token, bob = await busy_morning(local_node)
    _, carol_token = await local_node.user("carol")
    async with local_node.client(token) as client:
        listed = await notifications(client)
        first_id = listed[0]["id"]
        shown = await client.get(f"/api/v1/notifications/{first_id}")
        dismissed = await client.post(f"/api/v1/notifications/{first_id}/dismiss")
        gone = await client.get(f"/api/v1/notifications/{first_id}")
        again = await client.post(f"/api/v1/notifications/{first_id}/dismiss")
        remaining = await notifications(client)
        count = await client.get("/api/v1/notifications/unread_count")
        cleared = await client.post("/api/v1/notifications/clear")
        after_clear = await notifications(client)
    async with local_node.client(carol_token) as other:
        not_theirs = await other.get(f"/api/v1/notifications/{listed[1]['id']}")

    assert shown.status_code == 200
    check("Notification", shown.json())
    assert shown.json() == listed[0]
    assert dismissed.status_code == 200 and dismissed.json() == {}
    assert gone.status_code == 404 and again.status_code == 404
    check("Error", gone.json())
    assert [n["id"] for n in remaining] == [n["id"] for n in listed[1:]]
    assert count.status_code == 200 and count.json() == {"count": 3}
    assert cleared.status_code == 200 and cleared.json() == {}
    assert after_clear == []
    assert not_theirs.status_code == 404


async def test_notifications_from_muted_or_blocked_accounts_are_not_shown(local_node):
    alice, token, bob = await busy_morning(local_node)
    carol, _ = await local_node.user("carol")
    await follow(local_node.node, carol, alice)
    await Mute.create(account=alice, target_account=bob, hide_notifications=True)

    async with local_node.client(token) as client:
        muted = await notifications(client)
        await Mute.filter(account_id=alice.id).delete()
        await Block.create(account=alice, target_account=carol)
        blocked = await notifications(client)

    assert [n["account"]["acct"] for n in muted] == ["carol"]
    assert {n["account"]["acct"] for n in blocked} == {"bob"}
    assert await Notification.filter(account_id=alice.id).count() == 5  # hidden, not deleted


async def test_notification_scopes(local_node):
    alice, token, bob = await busy_morning(local_node)
    application = await cli_application()
    reader = (await issue_token(alice, application, "read:notifications")).token
    writer = (await issue_token(alice, application, "write:notifications")).token

    async with local_node.client() as anonymous:
        unauthenticated = await anonymous.get("/api/v1/notifications")
    async with local_node.client(reader) as client:
        readable = await client.get("/api/v1/notifications")
        not_writable = await client.post("/api/v1/notifications/clear")
    async with local_node.client(writer) as client:
        not_readable = await client.get("/api/v1/notifications")
        writable = await client.post("/api/v1/notifications/clear")

    assert unauthenticated.status_code == 401
    check("Error", unauthenticated.json())
    assert readable.status_code == 200 and len(readable.json()) == 4
    assert not_writable.status_code == 403 and not_readable.status_code == 403
    check("Error", not_writable.json())
    assert writable.status_code == 200


async def test_a_muted_conversation_notifies_nobody_until_unmuted(local_node):
    alice, alice_token = await local_node.user("alice")
    bob, bob_token = await local_node.user("bob")
    async with local_node.client(alice_token) as as_alice, local_node.client(bob_token) as as_bob:
        root = (await as_alice.post("/api/v1/statuses", json={"status": "Who takes the minutes?"})).json()
        other = (await as_alice.post("/api/v1/statuses", json={"status": "Lunch at noon"})).json()
        assert (await as_alice.post(f"/api/v1/statuses/{root['id']}/mute")).status_code == 200

        reply = await as_bob.post("/api/v1/statuses", json={"status": "@alice I will", "in_reply_to_id": root["id"]})
        assert reply.status_code == 200
        assert (await as_bob.post(f"/api/v1/statuses/{root['id']}/favourite")).status_code == 200
        assert (await as_bob.post(f"/api/v1/statuses/{other['id']}/favourite")).status_code == 200
        shown = (await as_alice.get("/api/v1/notifications")).json()
        assert [(n["type"], n["status"]["id"]) for n in shown] == [("favourite", other["id"])]

        assert (await as_alice.post(f"/api/v1/statuses/{root['id']}/unmute")).status_code == 200
        assert (await as_bob.post(f"/api/v1/statuses/{root['id']}/reblog")).status_code == 200
        shown = (await as_alice.get("/api/v1/notifications")).json()
        assert [(n["type"], n["status"]["id"]) for n in shown][0] == ("reblog", root["id"])
