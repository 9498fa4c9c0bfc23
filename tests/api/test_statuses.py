"""Posting, reading, editing and deleting statuses through the client API, and who gets to see them."""

from __future__ import annotations

import pytest
from mastodon import Mastodon
from mastodon_shapes import check

from models.accounts import User
from models.interactions import Notification
from models.relationships import Follow
from models.statuses import IdempotencyKey, MediaAttachment, Status, StatusEdit


async def post(client, **data) -> dict:
    response = await client.post("/api/v1/statuses", data=data)
    assert response.status_code == 200, response.text
    check("Status", response.json())
    return response.json()


async def test_a_post_with_mentions_hashtags_and_links_becomes_a_mastodon_status(local_node):
    alice, alice_token = await local_node.user("alice")
    bob, _ = await local_node.user("bob")
    async with local_node.client(alice_token) as client:
        status = await post(client, status="Hi @bob, see https://example.com/a #Flurfunk", language="en")

    assert status["account"]["id"] == str(alice.id)
    assert status["visibility"] == "public"
    assert status["language"] == "en"
    assert status["mentions"] == [
        {"id": str(bob.id), "username": "bob", "url": "https://flurfunk.test/@bob", "acct": "bob"}
    ]
    assert [t["name"] for t in status["tags"]] == ["Flurfunk"]  # as first written, like Mastodon
    assert 'class="u-url mention"' in status["content"]
    assert 'href="https://example.com/a"' in status["content"]
    assert status["favourited"] is False and status["pinned"] is False
    assert status["application"]["name"]
    notified = await Notification.filter(account_id=bob.id, type="mention").values_list("status_id", flat=True)
    assert notified == [int(status["id"])]

    async with local_node.client() as anonymous:
        shown = await anonymous.get(f"/api/v1/statuses/{status['id']}")
    assert shown.status_code == 200
    check("Status", shown.json())
    assert shown.json()["content"] == status["content"]
    assert "favourited" not in shown.json()


async def test_a_post_takes_json_and_the_users_default_visibility(local_node):
    alice, token = await local_node.user("alice")
    await User.filter(account_id=alice.id).update(default_visibility="unlisted", default_sensitive=True)
    async with local_node.client(token) as client:
        response = await client.post("/api/v1/statuses", json={"status": "json body", "spoiler_text": ""})
        explicit = await post(client, status="explicit", visibility="private", sensitive="false")
    assert response.status_code == 200
    check("Status", response.json())
    assert response.json()["visibility"] == "unlisted"
    assert response.json()["sensitive"] is True
    assert explicit["visibility"] == "private" and explicit["sensitive"] is False


async def test_a_content_warning_makes_the_post_sensitive(local_node):
    _, token = await local_node.user("alice")
    async with local_node.client(token) as client:
        status = await post(client, status="spoilers", spoiler_text="film ending")
    assert status["spoiler_text"] == "film ending"
    assert status["sensitive"] is True


@pytest.mark.parametrize(
    ("data", "code", "message"),
    [
        ({"status": ""}, 422, "Validation failed: Text can't be blank"),
        ({"status": "   "}, 422, "Validation failed: Text can't be blank"),
        ({"status": "x" * 501}, 422, "Validation failed: Text character limit of 500 exceeded"),
        (
            {"status": "x" * 490, "spoiler_text": "y" * 11},
            422,
            "Validation failed: Text character limit of 500 exceeded",
        ),
        ({"status": "hi", "visibility": "everyone"}, 422, "Validation failed: Visibility is not included in the list"),
        (
            {"status": "hi", "in_reply_to_id": "12345"},
            404,
            "The post you are trying to reply to does not appear to exist.",
        ),
        (
            {"status": "hi", "in_reply_to_id": "nope"},
            404,
            "The post you are trying to reply to does not appear to exist.",
        ),
        (
            {"status": "hi", "media_ids[]": "999"},
            422,
            "Validation failed: Media 999 not found or already attached to another post",
        ),
    ],
)
async def test_an_invalid_post_is_refused_and_nothing_is_written(local_node, data, code, message):
    _, token = await local_node.user("alice")
    async with local_node.client(token) as client:
        response = await client.post("/api/v1/statuses", data=data)
    assert response.status_code == code
    check("Error", response.json())
    assert response.json()["error"] == message
    assert await Status.all().count() == 0


async def test_links_count_as_23_characters_and_remote_mentions_by_username(local_node):
    _, token = await local_node.user("alice")
    long_link = "https://example.com/" + "a" * 600
    async with local_node.client(token) as client:
        status = await post(client, status="x" * 470 + " " + long_link)
    assert f'href="{long_link}"' in status["content"]


async def test_a_reply_to_a_hidden_post_is_refused(local_node):
    alice, alice_token = await local_node.user("alice")
    _, carol_token = await local_node.user("carol")
    async with local_node.client(alice_token) as client:
        private = await post(client, status="followers only", visibility="private")
    async with local_node.client(carol_token) as client:
        response = await client.post("/api/v1/statuses", data={"status": "hi", "in_reply_to_id": private["id"]})
    assert response.status_code == 404
    assert await Status.filter(account__username="carol").count() == 0


async def test_the_same_idempotency_key_posts_once(local_node):
    _, token = await local_node.user("alice")
    _, other_token = await local_node.user("bob")
    async with local_node.client(token) as client:
        first = await client.post("/api/v1/statuses", data={"status": "once"}, headers={"Idempotency-Key": "k1"})
        again = await client.post("/api/v1/statuses", data={"status": "once"}, headers={"Idempotency-Key": "k1"})
        other_key = await client.post("/api/v1/statuses", data={"status": "once"}, headers={"Idempotency-Key": "k2"})
    async with local_node.client(other_token) as client:
        other_account = await client.post(
            "/api/v1/statuses", data={"status": "once"}, headers={"Idempotency-Key": "k1"}
        )
    assert first.json()["id"] == again.json()["id"]
    check("Status", again.json())
    assert other_key.json()["id"] != first.json()["id"]
    assert other_account.json()["id"] != first.json()["id"]
    assert await Status.all().count() == 3


async def test_an_idempotency_key_older_than_an_hour_no_longer_matches(local_node):
    from datetime import timedelta

    from models.base import utcnow

    _, token = await local_node.user("alice")
    async with local_node.client(token) as client:
        first = await client.post("/api/v1/statuses", data={"status": "one"}, headers={"Idempotency-Key": "old"})
        await IdempotencyKey.filter(key="old").update(created_at=utcnow() - timedelta(hours=2))
        second = await client.post("/api/v1/statuses", data={"status": "two"}, headers={"Idempotency-Key": "old"})
    assert second.json()["id"] != first.json()["id"]
    assert await IdempotencyKey.get(key="old").values_list("status_id", flat=True) == int(second.json()["id"])


async def test_media_ids_attach_the_callers_free_media(local_node):
    alice, token = await local_node.user("alice")
    bob, _ = await local_node.user("bob")
    mine = await MediaAttachment.create(account=alice, file="a.png", content_type="image/png", description="cat")
    theirs = await MediaAttachment.create(account=bob, file="b.png", content_type="image/png")
    async with local_node.client(token) as client:
        status = await post(client, status="", **{"media_ids[]": str(mine.id)})
        reused = await client.post("/api/v1/statuses", data={"status": "again", "media_ids[]": str(mine.id)})
        stolen = await client.post("/api/v1/statuses", data={"status": "mine?", "media_ids[]": str(theirs.id)})
    assert [m["id"] for m in status["media_attachments"]] == [str(mine.id)]
    check("MediaAttachment", status["media_attachments"][0])
    assert status["media_attachments"][0]["description"] == "cat"
    assert reused.status_code == 422 and stolen.status_code == 422
    assert await Status.all().count() == 1


async def test_replies_form_a_thread_seen_through_context(local_node):
    _, alice_token = await local_node.user("alice")
    _, bob_token = await local_node.user("bob")
    async with local_node.client(alice_token) as alice, local_node.client(bob_token) as bob:
        root = await post(alice, status="root")
        first = await post(bob, status="@alice first", in_reply_to_id=root["id"])
        second = await post(alice, status="second", in_reply_to_id=root["id"])
        nested = await post(alice, status="nested", in_reply_to_id=first["id"])
        assert first["in_reply_to_id"] == root["id"]
        assert first["in_reply_to_account_id"] == root["account"]["id"]

        context = (await bob.get(f"/api/v1/statuses/{first['id']}/context")).json()
        whole = (await bob.get(f"/api/v1/statuses/{root['id']}/context")).json()
        refreshed = (await bob.get(f"/api/v1/statuses/{root['id']}")).json()
    check("Context", context)
    check("Context", whole)
    assert [s["id"] for s in context["ancestors"]] == [root["id"]]
    assert [s["id"] for s in context["descendants"]] == [nested["id"]]
    # Depth first, like Mastodon's thread view: a reply's own replies follow it.
    assert [s["id"] for s in whole["descendants"]] == [first["id"], nested["id"], second["id"]]
    assert refreshed["replies_count"] == 2


async def test_editing_keeps_the_history_and_the_source(local_node):
    _, token = await local_node.user("alice")
    await local_node.user("bob")
    async with local_node.client(token) as client:
        status = await post(client, status="first draft", spoiler_text="cw")
        edited = await client.put(
            f"/api/v1/statuses/{status['id']}", data={"status": "second draft @bob #edited", "spoiler_text": ""}
        )
        history = await client.get(f"/api/v1/statuses/{status['id']}/history")
        source = await client.get(f"/api/v1/statuses/{status['id']}/source")
    assert edited.status_code == 200
    check("Status", edited.json())
    assert "second draft" in edited.json()["content"]
    assert edited.json()["edited_at"] is not None
    assert edited.json()["spoiler_text"] == ""
    assert [m["acct"] for m in edited.json()["mentions"]] == ["bob"]
    assert [t["name"] for t in edited.json()["tags"]] == ["edited"]

    versions = history.json()
    for version in versions:
        check("StatusEdit", version)
    assert [("first draft" in v["content"], v["spoiler_text"]) for v in versions] == [(True, "cw"), (False, "")]
    check("StatusSource", source.json())
    assert source.json() == {"id": status["id"], "text": "second draft @bob #edited", "spoiler_text": ""}


async def test_a_status_never_edited_has_one_version(local_node):
    _, token = await local_node.user("alice")
    async with local_node.client(token) as client:
        status = await post(client, status="as posted")
        history = (await client.get(f"/api/v1/statuses/{status['id']}/history")).json()
    assert len(history) == 1
    check("StatusEdit", history[0])
    assert history[0]["content"] == status["content"]


async def test_an_edit_is_validated_like_a_post(local_node):
    _, token = await local_node.user("alice")
    async with local_node.client(token) as client:
        status = await post(client, status="keep me")
        too_long = await client.put(f"/api/v1/statuses/{status['id']}", data={"status": "x" * 501})
        empty = await client.put(f"/api/v1/statuses/{status['id']}", json={"status": ""})
    assert too_long.status_code == 422 and empty.status_code == 422
    check("Error", too_long.json())
    stored = await Status.get(id=int(status["id"]))
    assert stored.text == "keep me" and stored.edited_at is None
    assert await StatusEdit.filter(status_id=stored.id).count() == 0


async def test_someone_elses_status_cannot_be_edited_deleted_or_read_as_source(local_node):
    _, alice_token = await local_node.user("alice")
    _, bob_token = await local_node.user("bob")
    async with local_node.client(alice_token) as client:
        status = await post(client, status="mine")
    async with local_node.client(bob_token) as bob:
        edit = await bob.put(f"/api/v1/statuses/{status['id']}", data={"status": "yours now"})
        delete = await bob.delete(f"/api/v1/statuses/{status['id']}")
        source = await bob.get(f"/api/v1/statuses/{status['id']}/source")
        unknown = await bob.get("/api/v1/statuses/424242")
    assert [edit.status_code, delete.status_code, source.status_code, unknown.status_code] == [404, 404, 404, 404]
    check("Error", edit.json())
    assert (await Status.get(id=int(status["id"]))).text == "mine"


async def test_deleting_returns_the_source_text_and_removes_the_status(local_node):
    alice, token = await local_node.user("alice")
    kept = await MediaAttachment.create(account=alice, file="kept.png")
    async with local_node.client(token) as client:
        status = await post(client, status="delete #me", **{"media_ids[]": str(kept.id)})
        deleted = await client.delete(f"/api/v1/statuses/{status['id']}")
        gone = await client.get(f"/api/v1/statuses/{status['id']}")
        other = await post(client, status="delete with media")
    assert deleted.status_code == 200
    check("Status", deleted.json())
    assert deleted.json()["text"] == "delete #me"
    assert gone.status_code == 404
    assert not await Status.exists(id=int(status["id"]))
    # Without delete_media the upload stays, free for a redraft (Mastodon's "delete & redraft").
    assert (await MediaAttachment.get(id=kept.id)).status_id is None

    media = await MediaAttachment.create(account=alice, file="gone.png", status_id=int(other["id"]))
    async with local_node.client(token) as client:
        response = await client.delete(f"/api/v1/statuses/{other['id']}?delete_media=true")
    assert response.status_code == 200
    assert not await MediaAttachment.exists(id=media.id)
    assert (await User.get(account_id=alice.id).prefetch_related("account")).account.statuses_count == 0


async def test_a_private_post_is_seen_by_followers_only(local_node):
    alice, alice_token = await local_node.user("alice")
    follower, follower_token = await local_node.user("dave")
    _, stranger_token = await local_node.user("carol")
    await Follow.create(account=follower, target_account=alice)
    async with local_node.client(alice_token) as client:
        root = await post(client, status="public root")
        private = await post(client, status="for followers", visibility="private", in_reply_to_id=root["id"])
    async with local_node.client(stranger_token) as stranger, local_node.client(follower_token) as fan:
        assert (await stranger.get(f"/api/v1/statuses/{private['id']}")).status_code == 404
        assert (await fan.get(f"/api/v1/statuses/{private['id']}")).status_code == 200
        hidden = (await stranger.get(f"/api/v1/statuses/{root['id']}/context")).json()
        shown = (await fan.get(f"/api/v1/statuses/{root['id']}/context")).json()
        many = (await stranger.get("/api/v1/statuses", params=[("id[]", private["id"]), ("id[]", root["id"])])).json()
    async with local_node.client() as anonymous:
        assert (await anonymous.get(f"/api/v1/statuses/{private['id']}")).status_code == 404
    assert hidden["descendants"] == []
    assert [s["id"] for s in shown["descendants"]] == [private["id"]]
    assert [s["id"] for s in many] == [root["id"]]


async def test_a_direct_post_is_seen_only_by_those_mentioned(local_node):
    alice, alice_token = await local_node.user("alice")
    bob, bob_token = await local_node.user("bob")
    follower, follower_token = await local_node.user("dave")
    await Follow.create(account=follower, target_account=alice)
    async with local_node.client(alice_token) as client:
        direct = await post(client, status="@bob just you", visibility="direct")
    async with local_node.client(bob_token) as mentioned, local_node.client(follower_token) as fan:
        assert (await mentioned.get(f"/api/v1/statuses/{direct['id']}")).status_code == 200
        assert (await fan.get(f"/api/v1/statuses/{direct['id']}")).status_code == 404
    assert await Notification.exists(account_id=bob.id, type="mention", status_id=int(direct["id"]))


async def test_statuses_by_id_keep_the_order_asked_and_skip_unknown_ids(local_node):
    _, token = await local_node.user("alice")
    async with local_node.client(token) as client:
        one = await post(client, status="one")
        two = await post(client, status="two")
        response = await client.get(
            "/api/v1/statuses", params=[("id[]", two["id"]), ("id[]", "1"), ("id[]", one["id"])]
        )
    assert response.status_code == 200
    for status in response.json():
        check("Status", status)
    assert [s["id"] for s in response.json()] == [two["id"], one["id"]]


async def test_an_accounts_statuses_are_filtered_and_paged(local_node):
    alice, alice_token = await local_node.user("alice")
    bob, bob_token = await local_node.user("bob")
    async with local_node.client(alice_token) as alice_client, local_node.client(bob_token) as bob_client:
        bobs = await post(bob_client, status="bob's post")
        plain = await post(alice_client, status="plain #cats")
        self_reply = await post(alice_client, status="thread", in_reply_to_id=plain["id"])
        reply = await post(alice_client, status="@bob answer", in_reply_to_id=bobs["id"])
        boost = (await alice_client.post(f"/api/v1/statuses/{bobs['id']}/reblog")).json()
        media = await MediaAttachment.create(account=alice, file="m.png")
        with_media = await post(alice_client, status="picture", **{"media_ids[]": str(media.id)})
        private = await post(alice_client, status="followers", visibility="private")

        url = f"/api/v1/accounts/{alice.id}/statuses"
        everything = await alice_client.get(url)
        no_replies = (await alice_client.get(url, params={"exclude_replies": "true"})).json()
        no_boosts = (await alice_client.get(url, params={"exclude_reblogs": "1"})).json()
        only_media = (await alice_client.get(url, params={"only_media": "true"})).json()
        tagged = (await alice_client.get(url, params={"tagged": "Cats"})).json()
        stranger = (await bob_client.get(url)).json()
        page = await alice_client.get(url, params={"limit": "2"})
        older = await alice_client.get(url, params={"limit": "2", "max_id": page.json()[-1]["id"]})
        newer = await alice_client.get(url, params={"limit": "2", "min_id": older.json()[0]["id"]})
        missing = await alice_client.get("/api/v1/accounts/999/statuses")

    ids = lambda statuses: [s["id"] for s in statuses]  # noqa: E731
    for status in everything.json():
        check("Status", status)
    all_ids = [private["id"], with_media["id"], boost["id"], reply["id"], self_reply["id"], plain["id"]]
    assert ids(everything.json()) == all_ids
    assert ids(no_replies) == [private["id"], with_media["id"], boost["id"], self_reply["id"], plain["id"]]
    assert boost["id"] not in ids(no_boosts) and len(no_boosts) == 5
    assert ids(only_media) == [with_media["id"]]
    assert ids(tagged) == [plain["id"]]
    assert private["id"] not in ids(stranger) and len(stranger) == 5
    assert ids(page.json()) == all_ids[:2]
    assert ids(older.json()) == all_ids[2:4]
    assert ids(newer.json()) == all_ids[:2]
    assert f"max_id={all_ids[1]}" in page.headers["Link"] and 'rel="next"' in page.headers["Link"]
    assert missing.status_code == 404


async def test_mastodon_py_posts_replies_edits_and_deletes_against_a_real_node(start_node):
    node = start_node()
    alice = Mastodon(access_token=node.add_user("alice"), api_base_url=node.url, version_check_mode="created")
    bob = Mastodon(access_token=node.add_user("bob"), api_base_url=node.url, version_check_mode="created")

    status = alice.status_post("Hello @bob #fediverse", idempotency_key="hello-1")
    assert alice.status_post("Hello @bob #fediverse", idempotency_key="hello-1")["id"] == status["id"]
    assert [m["acct"] for m in status["mentions"]] == ["bob"]
    assert [t["name"] for t in status["tags"]] == ["fediverse"]

    reply = bob.status_post("@alice hi back", in_reply_to_id=status["id"])
    context = alice.status_context(status["id"])
    assert [s["id"] for s in context["descendants"]] == [reply["id"]]
    assert [s["id"] for s in bob.status_context(reply["id"])["ancestors"]] == [status["id"]]
    assert alice.status(status["id"])["replies_count"] == 1

    edited = alice.status_update(status["id"], "Hello again @bob")
    assert edited["edited_at"] is not None
    assert len(alice.status_history(status["id"])) == 2
    assert alice.status_source(status["id"])["text"] == "Hello again @bob"

    assert bob.status_favourite(status["id"])["favourited"] is True
    assert bob.status_reblog(status["id"])["reblog"]["id"] == status["id"]
    assert bob.status_bookmark(status["id"])["bookmarked"] is True
    assert alice.status_pin(status["id"])["pinned"] is True
    seen = bob.status(status["id"])
    assert (seen["favourited"], seen["reblogged"], seen["bookmarked"]) == (True, True, True)
    assert [a["acct"] for a in alice.status_favourited_by(status["id"])] == ["bob"]
    assert [a["acct"] for a in alice.status_reblogged_by(status["id"])] == ["bob"]
    pinned = alice.account_statuses(status["account"]["id"], pinned=True)
    assert [s["id"] for s in pinned] == [status["id"]]

    deleted = alice.status_delete(status["id"])
    assert deleted["text"] == "Hello again @bob"
    with node.client() as anonymous:
        assert anonymous.get(f"/api/v1/statuses/{status['id']}").status_code == 404
