"""Favourites, boosts, bookmarks, pins and conversation mutes, and the lists of who favourited or boosted."""

from __future__ import annotations

from mastodon_shapes import check

from models.interactions import Bookmark, Favourite, Notification, Pin
from models.relationships import Follow
from models.statuses import ConversationMute, Status
from oauth.tokens import cli_application, issue_token


async def post(client, **data) -> dict:
    response = await client.post("/api/v1/statuses", data=data)
    assert response.status_code == 200, response.text
    return response.json()


async def act(client, status_id: str, action: str, **data) -> dict:
    response = await client.post(f"/api/v1/statuses/{status_id}/{action}", data=data)
    assert response.status_code == 200, f"{action}: {response.text}"
    check("Status", response.json())
    return response.json()


async def test_a_favourite_round_trips_with_its_count_notification_and_list(local_node):
    alice, alice_token = await local_node.user("alice")
    bob, bob_token = await local_node.user("bob")
    async with local_node.client(alice_token) as alice_client, local_node.client(bob_token) as bob_client:
        status = await post(alice_client, status="like me")
        liked = await act(bob_client, status["id"], "favourite")
        liked_row_id = (await Favourite.get(account_id=bob.id)).id
        again = await act(bob_client, status["id"], "favourite")
        by = await alice_client.get(f"/api/v1/statuses/{status['id']}/favourited_by")
        async with local_node.client() as anonymous:
            by_anonymous = await anonymous.get(f"/api/v1/statuses/{status['id']}/favourited_by")
        unliked = await act(bob_client, status["id"], "unfavourite")
        after = (await alice_client.get(f"/api/v1/statuses/{status['id']}/favourited_by")).json()

    assert (liked["favourited"], liked["favourites_count"]) == (True, 1)
    assert again["favourites_count"] == 1
    assert (unliked["favourited"], unliked["favourites_count"]) == (False, 0)
    assert await Notification.filter(account_id=alice.id, type="favourite").count() == 1
    assert by.status_code == 200
    for account in by.json():
        check("Account", account)
    assert [a["id"] for a in by.json()] == [str(bob.id)]
    # Paged by the favourite, not the account (Mastodon's favourited_by Link header).
    assert f"max_id={liked_row_id}" in by.headers["Link"]
    assert by_anonymous.status_code == 200 and len(by_anonymous.json()) == 1
    assert after == []
    assert not await Favourite.exists(account_id=bob.id)


async def test_favourited_by_pages_by_favourite(local_node):
    _, alice_token = await local_node.user("alice")
    fans = [await local_node.user(f"fan{i}") for i in range(3)]
    async with local_node.client(alice_token) as alice_client:
        status = await post(alice_client, status="popular")
        for _, token in fans:
            async with local_node.client(token) as fan:
                await act(fan, status["id"], "favourite")
        first = await alice_client.get(f"/api/v1/statuses/{status['id']}/favourited_by", params={"limit": "2"})
        next_url = first.headers["Link"].split(";")[0].strip("<>")
        second = await alice_client.get(next_url)
    # Newest favourite first, as Mastodon pages them.
    assert [a["username"] for a in first.json()] == ["fan2", "fan1"]
    assert [a["username"] for a in second.json()] == ["fan0"]


async def test_a_boost_is_returned_with_the_boosted_status_and_can_be_undone(local_node):
    alice, alice_token = await local_node.user("alice")
    bob, bob_token = await local_node.user("bob")
    async with local_node.client(alice_token) as alice_client, local_node.client(bob_token) as bob_client:
        status = await post(alice_client, status="boost me")
        boost = await act(bob_client, status["id"], "reblog", visibility="unlisted")
        # Boosting the boost boosts the original, once.
        again = await act(bob_client, boost["id"], "reblog")
        seen = (await bob_client.get(f"/api/v1/statuses/{status['id']}")).json()
        by = await alice_client.get(f"/api/v1/statuses/{status['id']}/reblogged_by")
        undone = await act(bob_client, status["id"], "unreblog")

    assert boost["reblog"]["id"] == status["id"]
    assert boost["account"]["id"] == str(bob.id)
    assert boost["visibility"] == "unlisted"
    assert boost["reblog"]["reblogged"] is True
    assert again["id"] == boost["id"]
    assert (seen["reblogged"], seen["reblogs_count"]) == (True, 1)
    for account in by.json():
        check("Account", account)
    assert [a["id"] for a in by.json()] == [str(bob.id)]
    assert f"max_id={boost['id']}" in by.headers["Link"]
    assert (undone["reblogged"], undone["reblogs_count"]) == (False, 0)
    assert not await Status.exists(id=int(boost["id"]))
    assert await Notification.exists(account_id=alice.id, type="reblog")


async def test_private_and_direct_posts_cannot_be_boosted_by_others(local_node):
    alice, alice_token = await local_node.user("alice")
    follower, follower_token = await local_node.user("dave")
    await Follow.create(account=follower, target_account=alice)
    async with local_node.client(alice_token) as alice_client, local_node.client(follower_token) as fan:
        private = await post(alice_client, status="followers only", visibility="private")
        direct = await post(alice_client, status="@dave secret", visibility="direct")
        refused_private = await fan.post(f"/api/v1/statuses/{private['id']}/reblog")
        refused_direct = await fan.post(f"/api/v1/statuses/{direct['id']}/reblog")
        own_private = await act(alice_client, private["id"], "reblog", visibility="public")
    for refused in (refused_private, refused_direct):
        assert refused.status_code == 403
        check("Error", refused.json())
        assert refused.json()["error"] == "This action is not allowed"
    # Mastodon lets authors boost their own followers-only posts, keeping them followers-only.
    assert own_private["visibility"] == "private"
    assert await Status.filter(reblog_id__isnull=False).count() == 1


async def test_a_bookmark_round_trips(local_node):
    _, alice_token = await local_node.user("alice")
    bob, bob_token = await local_node.user("bob")
    async with local_node.client(alice_token) as alice_client, local_node.client(bob_token) as bob_client:
        status = await post(alice_client, status="save me")
        saved = await act(bob_client, status["id"], "bookmark")
        assert await Bookmark.exists(account_id=bob.id, status_id=int(status["id"]))
        unsaved = await act(bob_client, status["id"], "unbookmark")
        others_view = (await alice_client.get(f"/api/v1/statuses/{status['id']}")).json()
    assert saved["bookmarked"] is True and unsaved["bookmarked"] is False
    assert others_view["bookmarked"] is False
    assert not await Bookmark.exists(account_id=bob.id)


async def test_pins_follow_mastodons_rules(local_node):
    alice, alice_token = await local_node.user("alice")
    _, bob_token = await local_node.user("bob")
    async with local_node.client(alice_token) as alice_client, local_node.client(bob_token) as bob_client:
        public = await post(alice_client, status="pin me")
        direct = await post(alice_client, status="@bob direct", visibility="direct")
        bobs = await post(bob_client, status="bob's")
        pinned = await act(alice_client, public["id"], "pin")
        twice = await alice_client.post(f"/api/v1/statuses/{public['id']}/pin")
        direct_pin = await alice_client.post(f"/api/v1/statuses/{direct['id']}/pin")
        others = await alice_client.post(f"/api/v1/statuses/{bobs['id']}/pin")
        listed = (await bob_client.get(f"/api/v1/accounts/{alice.id}/statuses", params={"pinned": "true"})).json()
        unpinned = await act(alice_client, public["id"], "unpin")

    assert pinned["pinned"] is True and unpinned["pinned"] is False
    assert [s["id"] for s in listed] == [public["id"]]
    assert twice.status_code == 422
    assert direct_pin.status_code == 422
    assert (
        direct_pin.json()["error"]
        == "Validation failed: Posts that are only visible to mentioned users cannot be pinned"
    )
    assert others.status_code == 422
    assert others.json()["error"] == "Validation failed: Someone else's post cannot be pinned"
    check("Error", others.json())
    assert not await Pin.exists(account_id=alice.id)


async def test_no_more_than_five_pins(local_node):
    _, token = await local_node.user("alice")
    async with local_node.client(token) as client:
        statuses = [await post(client, status=f"post {i}") for i in range(6)]
        for status in statuses[:5]:
            await act(client, status["id"], "pin")
        sixth = await client.post(f"/api/v1/statuses/{statuses[5]['id']}/pin")
    assert sixth.status_code == 422
    assert sixth.json()["error"] == "Validation failed: You have already pinned the maximum number of posts"


async def test_muting_a_conversation_marks_every_status_in_it(local_node):
    bob, bob_token = await local_node.user("bob")
    _, alice_token = await local_node.user("alice")
    async with local_node.client(alice_token) as alice_client, local_node.client(bob_token) as bob_client:
        root = await post(alice_client, status="a long thread")
        reply = await post(alice_client, status="more", in_reply_to_id=root["id"])
        muted = await act(bob_client, reply["id"], "mute")
        root_seen = (await bob_client.get(f"/api/v1/statuses/{root['id']}")).json()
        alice_sees = (await alice_client.get(f"/api/v1/statuses/{root['id']}")).json()
        unmuted = await act(bob_client, root["id"], "unmute")
    assert muted["muted"] is True and root_seen["muted"] is True
    assert alice_sees["muted"] is False
    assert unmuted["muted"] is False
    assert not await ConversationMute.exists(account_id=bob.id)


async def test_actions_on_hidden_or_unknown_statuses_are_not_found(local_node):
    _, alice_token = await local_node.user("alice")
    _, bob_token = await local_node.user("bob")
    async with local_node.client(alice_token) as alice_client, local_node.client(bob_token) as bob_client:
        private = await post(alice_client, status="followers only", visibility="private")
        for action in ("favourite", "reblog", "bookmark", "pin", "mute", "unfavourite", "unreblog"):
            response = await bob_client.post(f"/api/v1/statuses/{private['id']}/{action}")
            assert response.status_code == 404, action
            check("Error", response.json())
        for path in ("favourited_by", "reblogged_by", "context", "history"):
            assert (await bob_client.get(f"/api/v1/statuses/{private['id']}/{path}")).status_code == 404, path
        assert (await bob_client.post("/api/v1/statuses/12345/favourite")).status_code == 404
    assert await Favourite.all().count() == 0 and await Bookmark.all().count() == 0


async def test_actions_need_their_scopes(local_node):
    alice, alice_token = await local_node.user("alice")
    read_only = (await issue_token(alice, await cli_application(), "read")).token
    favourites_only = (await issue_token(alice, await cli_application(), "write:favourites")).token
    async with local_node.client(alice_token) as client:
        status = await post(client, status="scoped")
    sid = status["id"]
    async with local_node.client(read_only) as reader, local_node.client(favourites_only) as liker:
        assert (await reader.post("/api/v1/statuses", data={"status": "no"})).status_code == 403
        assert (await reader.post(f"/api/v1/statuses/{sid}/favourite")).status_code == 403
        assert (await reader.post(f"/api/v1/statuses/{sid}/pin")).status_code == 403
        assert (await reader.delete(f"/api/v1/statuses/{sid}")).status_code == 403
        assert (await reader.get(f"/api/v1/statuses/{sid}/source")).status_code == 200
        assert (await liker.post(f"/api/v1/statuses/{sid}/favourite")).status_code == 200
        assert (await liker.post(f"/api/v1/statuses/{sid}/bookmark")).status_code == 403
        assert (await liker.post(f"/api/v1/statuses/{sid}/reblog")).status_code == 403
    async with local_node.client() as anonymous:
        refused = await anonymous.post(f"/api/v1/statuses/{sid}/favourite")
        assert refused.status_code == 401
        check("Error", refused.json())
        assert (await anonymous.post("/api/v1/statuses", data={"status": "anon"})).status_code == 401
    assert await Status.all().count() == 1
