"""Lists: managing them and their members, the list timeline, exclusive lists, and the list stream."""

from __future__ import annotations

import asyncio
import json
import threading

import httpx
import websockets
from mastodon_shapes import check

from models.lists import List, ListAccount
from outbox.follows import follow
from outbox.statuses import create_status
from tests.federation.people import Person


async def test_lists_are_created_renamed_listed_and_deleted(local_node):
    _, token = await local_node.user("alice")
    async with local_node.client(token) as client:
        made = await client.post("/api/v1/lists", json={"title": "Friends", "replies_policy": "followed"})
        assert made.status_code == 200, made.text
        check("List", made.json())
        assert made.json()["replies_policy"] == "followed"
        assert made.json()["exclusive"] is False
        list_id = made.json()["id"]

        renamed = await client.put(f"/api/v1/lists/{list_id}", data={"title": "Pals", "exclusive": "true"})
        check("List", renamed.json())
        assert renamed.json() == {"id": list_id, "title": "Pals", "replies_policy": "followed", "exclusive": True}

        listed = (await client.get("/api/v1/lists")).json()
        for entity in listed:
            check("List", entity)
        assert [entity["title"] for entity in listed] == ["Pals"]
        check("List", (await client.get(f"/api/v1/lists/{list_id}")).json())

        assert (await client.delete(f"/api/v1/lists/{list_id}")).json() == {}
        assert (await client.get(f"/api/v1/lists/{list_id}")).status_code == 404


async def test_a_list_needs_a_title_and_a_known_replies_policy(local_node):
    _, token = await local_node.user("alice")
    async with local_node.client(token) as client:
        blank = await client.post("/api/v1/lists", json={"title": "  "})
        assert blank.status_code == 422
        assert blank.json() == {"error": "Validation failed: Title can't be blank"}
        bad = await client.post("/api/v1/lists", json={"title": "Team", "replies_policy": "everyone"})
        assert bad.status_code == 422
        assert "Replies policy" in bad.json()["error"]
        made = (await client.post("/api/v1/lists", json={"title": "Team"})).json()
        emptied = await client.put(f"/api/v1/lists/{made['id']}", json={"title": ""})
        assert emptied.status_code == 422
    assert await List.all().values_list("title", flat=True) == ["Team"]


async def test_someone_elses_list_is_not_found(local_node):
    _, alice_token = await local_node.user("alice")
    _, bob_token = await local_node.user("bob")
    async with local_node.client(alice_token) as alice:
        list_id = (await alice.post("/api/v1/lists", json={"title": "Mine"})).json()["id"]
    async with local_node.client(bob_token) as bob:
        assert (await bob.get(f"/api/v1/lists/{list_id}")).status_code == 404
        assert (await bob.delete(f"/api/v1/lists/{list_id}")).status_code == 404
        assert (await bob.get(f"/api/v1/timelines/list/{list_id}")).status_code == 404
    assert await List.exists(id=int(list_id))


async def test_only_followed_accounts_can_be_members(local_node):
    node = local_node.node
    alice, token = await local_node.user("alice")
    bob, _ = await local_node.user("bob")
    carol, _ = await local_node.user("carol")
    await follow(node, alice, bob)
    async with local_node.client(token) as client:
        list_id = (await client.post("/api/v1/lists", json={"title": "Team"})).json()["id"]
        refused = await client.post(
            f"/api/v1/lists/{list_id}/accounts", json={"account_ids": [str(bob.id), str(carol.id)]}
        )
        assert refused.status_code == 422
        assert refused.json() == {"error": "Validation failed: Account has not been followed"}
        assert not await ListAccount.exists(list_id=int(list_id))

        added = await client.post(f"/api/v1/lists/{list_id}/accounts", data={"account_ids[]": str(bob.id)})
        assert added.status_code == 200 and added.json() == {}
        again = await client.post(f"/api/v1/lists/{list_id}/accounts", json={"account_ids": [str(bob.id)]})
        assert again.status_code == 422

        members = await client.get(f"/api/v1/lists/{list_id}/accounts")
        assert [a["id"] for a in members.json()] == [str(bob.id)]
        for account in members.json():
            check("Account", account)
        in_lists = (await client.get(f"/api/v1/accounts/{bob.id}/lists")).json()
        assert [entity["id"] for entity in in_lists] == [list_id]
        check("List", in_lists[0])
        assert (await client.get(f"/api/v1/accounts/{carol.id}/lists")).json() == []

        removed = await client.request(
            "DELETE", f"/api/v1/lists/{list_id}/accounts", params={"account_ids[]": str(bob.id)}
        )
        assert removed.json() == {}
        assert (await client.get(f"/api/v1/lists/{list_id}/accounts")).json() == []


async def test_members_are_paged_with_a_link_header_and_limit_0_lists_everyone(local_node):
    node = local_node.node
    alice, token = await local_node.user("alice")
    people = [(await local_node.user(f"member{i}"))[0] for i in range(3)]
    for person in people:
        await follow(node, alice, person)
    async with local_node.client(token) as client:
        list_id = (await client.post("/api/v1/lists", json={"title": "Many"})).json()["id"]
        await client.post(f"/api/v1/lists/{list_id}/accounts", json={"account_ids": [str(p.id) for p in people]})
        first = await client.get(f"/api/v1/lists/{list_id}/accounts", params={"limit": 2})
        assert [a["id"] for a in first.json()] == [str(people[2].id), str(people[1].id)]
        assert 'rel="next"' in first.headers["link"]
        next_url = first.headers["link"].split(">")[0].lstrip("<")
        rest = await client.get(next_url)
        assert [a["id"] for a in rest.json()] == [str(people[0].id)]
        everyone = await client.get(f"/api/v1/lists/{list_id}/accounts", params={"limit": 0})
        assert len(everyone.json()) == 3
        assert "link" not in everyone.headers


async def list_with(client, title: str, members, **options) -> str:
    list_id = (await client.post("/api/v1/lists", json={"title": title, **options})).json()["id"]
    response = await client.post(
        f"/api/v1/lists/{list_id}/accounts", json={"account_ids": [str(m.id) for m in members]}
    )
    assert response.status_code == 200, response.text
    return list_id


async def list_texts(client, list_id: str) -> list[str]:
    response = await client.get(f"/api/v1/timelines/list/{list_id}")
    assert response.status_code == 200, response.text
    for status in response.json():
        check("Status", status)
    return [s["content"].removeprefix("<p>").removesuffix("</p>") for s in response.json()]


async def test_the_list_timeline_shows_only_members_posts(local_node):
    node = local_node.node
    alice, token = await local_node.user("alice")
    bob, _ = await local_node.user("bob")
    carol, _ = await local_node.user("carol")
    await follow(node, alice, bob)
    await follow(node, alice, carol)
    async with local_node.client(token) as client:
        list_id = await list_with(client, "Bob only", [bob])
        await create_status(node, bob, "from bob")
        await create_status(node, carol, "from carol")
        await create_status(node, bob, "bob to himself", visibility="direct")
        assert await list_texts(client, list_id) == ["from bob"]
        page = await client.get(f"/api/v1/timelines/list/{list_id}")
        assert 'rel="next"' in page.headers["link"]


async def test_replies_policy_decides_which_replies_show(local_node):
    node = local_node.node
    alice, token = await local_node.user("alice")
    bob, _ = await local_node.user("bob")
    carol, _ = await local_node.user("carol")
    dave, _ = await local_node.user("dave")
    await follow(node, alice, bob)
    await follow(node, alice, carol)
    to_carol = await create_status(node, carol, "carol asks")
    to_dave = await create_status(node, dave, "dave asks")
    to_alice = await create_status(node, alice, "alice asks")
    await create_status(node, bob, "@carol reply to carol", in_reply_to=to_carol)
    await create_status(node, bob, "@dave reply to dave", in_reply_to=to_dave)
    await create_status(node, bob, "@alice reply to alice", in_reply_to=to_alice)
    async with local_node.client(token) as client:
        followed = await list_with(client, "followed", [bob], replies_policy="followed")
        members = await list_with(client, "list", [bob], replies_policy="list")
        nobody = await list_with(client, "none", [bob], replies_policy="none")
        followed_texts = await list_texts(client, followed)
        list_texts_ = await list_texts(client, members)
        none_texts = await list_texts(client, nobody)
    assert any("reply to carol" in t for t in followed_texts)
    assert not any("reply to dave" in t for t in followed_texts)
    assert not any("reply to carol" in t for t in list_texts_)
    assert not any("reply to carol" in t or "reply to dave" in t for t in none_texts)
    # A reply to the list's owner always shows.
    for texts in (followed_texts, list_texts_, none_texts):
        assert any("reply to alice" in t for t in texts)


async def test_an_exclusive_list_keeps_its_members_out_of_home(local_node):
    node = local_node.node
    alice, token = await local_node.user("alice")
    bob, _ = await local_node.user("bob")
    carol, _ = await local_node.user("carol")
    await follow(node, alice, bob)
    await follow(node, alice, carol)
    await create_status(node, bob, "bob before")
    async with local_node.client(token) as client:
        list_id = await list_with(client, "Quiet", [bob], exclusive=True)
        await create_status(node, bob, "bob after")
        await create_status(node, carol, "carol after")
        home = [s["content"] for s in (await client.get("/api/v1/timelines/home")).json()]
        assert not any("bob" in text for text in home)
        assert any("carol after" in text for text in home)
        assert await list_texts(client, list_id) == ["bob after", "bob before"]

        await client.put(f"/api/v1/lists/{list_id}", json={"exclusive": False})
        home = [s["content"] for s in (await client.get("/api/v1/timelines/home")).json()]
        assert any("bob after" in text for text in home)


def _first_update(url: str, token: str, found: list[dict], ready: threading.Event) -> None:
    with httpx.Client(timeout=httpx.Timeout(5, read=20)) as client:
        with client.stream("GET", url, headers={"Authorization": f"Bearer {token}"}) as response:
            assert response.status_code == 200
            ready.set()
            event = None
            for line in response.iter_lines():
                if line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: ") and event == "update":
                    found.append(json.loads(line[6:]))
                    return


def test_a_list_stream_receives_a_members_post(start_node):
    eng = start_node()
    alice, bob, carol = Person.on(eng, "alice"), Person.on(eng, "bob"), Person.on(eng, "carol")
    alice.follow(bob)
    alice.follow(carol)
    list_id = alice.post("/api/v1/lists", title="Bob")["id"]
    alice.post(f"/api/v1/lists/{list_id}/accounts", account_ids=[alice.account_id(bob)])

    assert alice.request("GET", "/api/v1/streaming/list").status_code == 400
    assert carol.request("GET", f"/api/v1/streaming/list?list={list_id}").status_code == 401

    found: list[dict] = []
    ready = threading.Event()
    url = f"{eng.url}/api/v1/streaming/list?list={list_id}"
    reader = threading.Thread(target=_first_update, args=(url, alice.token, found, ready), daemon=True)
    reader.start()
    assert ready.wait(10)
    carol.toot("not for the list")
    post = bob.toot("for the list")
    reader.join(15)
    assert found, "no update reached the list stream"
    assert found[0]["uri"] == post["uri"]
    check("Status", found[0])


def test_a_list_is_subscribed_to_over_the_websocket(start_node):
    eng = start_node()
    alice, bob = Person.on(eng, "alice"), Person.on(eng, "bob")
    alice.follow(bob)
    list_id = alice.post("/api/v1/lists", title="Bob")["id"]
    alice.post(f"/api/v1/lists/{list_id}/accounts", account_ids=[alice.account_id(bob)])

    async def scenario() -> dict:
        async with websockets.connect(f"ws://{eng.domain}/api/v1/streaming?access_token={alice.token}") as socket:
            await socket.send(json.dumps({"type": "subscribe", "stream": "list", "list": list_id}))
            await socket.send(json.dumps({"type": "subscribe", "stream": "list", "list": "999"}))
            refusal = json.loads(await asyncio.wait_for(socket.recv(), 10))
            assert "error" in refusal
            await asyncio.to_thread(bob.toot, "over the socket")
            while True:
                message = json.loads(await asyncio.wait_for(socket.recv(), 15))
                if message.get("event") == "update":
                    return message

    message = asyncio.run(scenario())
    assert message["stream"] == ["list", list_id]
    assert "over the socket" in json.loads(message["payload"])["content"]
