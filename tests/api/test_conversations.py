"""Direct-message conversations: one per person and thread, unread for those who did not write the last
message, readable, removable, paged by their last status, and announced on the direct stream."""

from __future__ import annotations

import json

from mastodon_shapes import check

from federation.notes import store_note
from models.accounts import Account
from models.conversations import Conversation


async def dm(client, text: str, **extra) -> dict:
    response = await client.post("/api/v1/statuses", json={"status": text, "visibility": "direct", **extra})
    assert response.status_code == 200, response.text
    return response.json()


async def conversations(client, **params) -> list[dict]:
    response = await client.get("/api/v1/conversations", params=params)
    assert response.status_code == 200, response.text
    for entity in response.json():
        check("Conversation", entity)
    return response.json()


async def test_a_direct_message_starts_a_conversation_for_sender_and_recipient(local_node):
    alice, alice_token = await local_node.user("alice")
    bob, bob_token = await local_node.user("bob")
    await local_node.user("carol")
    async with local_node.client(alice_token) as alice_client, local_node.client(bob_token) as bob_client:
        first = await dm(alice_client, "@bob lunch?")
        await alice_client.post("/api/v1/statuses", json={"status": "public @bob", "visibility": "public"})
        [bobs] = await conversations(bob_client)
        [alices] = await conversations(alice_client)
        assert bobs["unread"] is True and alices["unread"] is False
        assert [a["id"] for a in bobs["accounts"]] == [str(alice.id)]
        assert [a["id"] for a in alices["accounts"]] == [str(bob.id)]
        assert bobs["last_status"]["id"] == first["id"]

        reply = await dm(bob_client, "@alice yes!", in_reply_to_id=first["id"])
        [bobs_again] = await conversations(bob_client)
        [alices_again] = await conversations(alice_client)
    assert bobs_again["id"] == bobs["id"] and alices_again["id"] == alices["id"]
    assert alices_again["unread"] is True
    assert alices_again["last_status"]["id"] == reply["id"]
    assert await Conversation.all().count() == 2


async def test_reading_and_deleting_a_conversation(local_node):
    _, alice_token = await local_node.user("alice")
    _, bob_token = await local_node.user("bob")
    async with local_node.client(alice_token) as alice_client, local_node.client(bob_token) as bob_client:
        first = await dm(alice_client, "@bob psst")
        [conversation] = await conversations(bob_client)
        read = await bob_client.post(f"/api/v1/conversations/{conversation['id']}/read")
        assert read.status_code == 200
        check("Conversation", read.json())
        assert read.json()["unread"] is False
        assert (await conversations(bob_client))[0]["unread"] is False

        [alices] = await conversations(alice_client)
        foreign = await bob_client.post(f"/api/v1/conversations/{alices['id']}/read")
        foreign_delete = await bob_client.delete(f"/api/v1/conversations/{alices['id']}")
        assert (foreign.status_code, foreign_delete.status_code) == (404, 404)

        deleted = await bob_client.delete(f"/api/v1/conversations/{conversation['id']}")
        assert (deleted.status_code, deleted.json()) == (200, {})
        assert await conversations(bob_client) == []
        assert len(await conversations(alice_client)) == 1
        # A new message in the thread brings it back, unread.
        await dm(alice_client, "@bob still there?", in_reply_to_id=first["id"])
        [back] = await conversations(bob_client)
    assert back["unread"] is True and back["id"] != conversation["id"]


async def test_conversations_are_paged_by_their_last_message(local_node):
    _, alice_token = await local_node.user("alice")
    _, bob_token = await local_node.user("bob")
    async with local_node.client(alice_token) as alice_client, local_node.client(bob_token) as bob_client:
        sent = [await dm(alice_client, f"@bob thread {n}") for n in range(3)]
        # An answer in the oldest thread makes it the newest conversation.
        answer = await dm(bob_client, "@alice about the first", in_reply_to_id=sent[0]["id"])
        response = await alice_client.get("/api/v1/conversations", params={"limit": 2})
        page = response.json()
        assert [c["last_status"]["id"] for c in page] == [answer["id"], sent[2]["id"]]
        assert f"max_id={sent[2]['id']}" in response.headers["link"]
        assert f"min_id={answer['id']}" in response.headers["link"]
        rest = await conversations(alice_client, limit=2, max_id=sent[2]["id"])
    assert [c["last_status"]["id"] for c in rest] == [sent[1]["id"]]


async def test_deleting_the_last_message_falls_back_to_the_one_before(local_node):
    _, alice_token = await local_node.user("alice")
    _, bob_token = await local_node.user("bob")
    async with local_node.client(alice_token) as alice_client, local_node.client(bob_token) as bob_client:
        first = await dm(alice_client, "@bob one")
        second = await dm(alice_client, "@bob two", in_reply_to_id=first["id"])
        assert (await alice_client.delete(f"/api/v1/statuses/{second['id']}")).status_code == 200
        [conversation] = await conversations(bob_client)
        assert conversation["last_status"]["id"] == first["id"]
        assert (await alice_client.delete(f"/api/v1/statuses/{first['id']}")).status_code == 200
        assert await conversations(bob_client) == []


async def test_a_direct_message_from_another_node_starts_a_conversation(local_node):
    bob, bob_token = await local_node.user("bob")
    rita = Account(
        username="rita",
        domain="remote.example",
        uri="https://remote.example/users/rita",
        inbox_url="https://remote.example/users/rita/inbox",
        followers_url="https://remote.example/users/rita/followers",
    )
    await rita.save()
    note = {
        "id": "https://remote.example/users/rita/statuses/9",
        "type": "Note",
        "attributedTo": rita.uri,
        "content": "<p>@bob hello from afar</p>",
        "to": [bob.uri],
        "cc": [],
        "tag": [{"type": "Mention", "href": bob.uri, "name": "@bob@flurfunk.test"}],
        "conversation": "tag:remote.example,2024:objectId=9:objectType=Conversation",
    }
    status = await store_note(local_node.node, note, rita)
    async with local_node.client(bob_token) as client:
        [conversation] = await conversations(client)
    assert status.visibility == "direct"
    assert conversation["unread"] is True
    assert conversation["accounts"][0]["acct"] == "rita@remote.example"
    assert conversation["last_status"]["uri"] == note["id"]
    assert await Conversation.filter(account_id=rita.id).count() == 0  # only local people have conversations


async def test_the_direct_stream_gets_a_conversation_event(local_node):
    alice, alice_token = await local_node.user("alice")
    bob, _ = await local_node.user("bob")
    hub = local_node.app.state.stream_hub
    connection = hub.open(bob)
    connection.streams.add("direct")
    try:
        async with local_node.client(alice_token) as client:
            status = await dm(client, "@bob for your eyes only")
        events = []
        while not connection.queue.empty():
            events.append(connection.queue.get_nowait())
    finally:
        hub.close(connection)
    [event] = [e for e in events if e["event"] == "conversation"]
    assert event["stream"] == ["direct"]
    payload = json.loads(event["payload"])
    check("Conversation", payload)
    assert payload["last_status"]["id"] == status["id"] and payload["unread"] is True
    assert [a["id"] for a in payload["accounts"]] == [str(alice.id)]
