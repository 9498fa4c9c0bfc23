"""Filters v2 (keywords, statuses) and v1, and what they do to timelines, notifications and streams."""

from __future__ import annotations

import json
from datetime import timedelta

from mastodon_shapes import check

from core.filtering import compile_rule, matches
from models.base import utcnow
from models.filters import Filter, FilterKeyword, FilterStatus
from outbox.follows import follow
from outbox.statuses import create_status


def check_filter(entity: dict) -> None:
    check("Filter", entity)
    for keyword in entity["keywords"]:
        check("FilterKeyword", keyword)
    for status in entity["statuses"]:
        check("FilterStatus", status)


async def make_filter(client, title: str, keywords: list[tuple[str, bool]], **options) -> dict:
    body = {
        "title": title,
        "context": options.pop("context", ["home", "notifications", "public"]),
        "keywords_attributes": [{"keyword": k, "whole_word": w} for k, w in keywords],
        **options,
    }
    response = await client.post("/api/v2/filters", json=body)
    assert response.status_code == 200, response.text
    check_filter(response.json())
    return response.json()


def test_whole_word_keywords_match_words_and_not_parts_of_them():
    rule = compile_rule(Filter(id=1, title="t", context=["home"], action="hide"), [("cat", True)], [])
    assert matches([rule], "A CAT sat", [1])[0].keyword_matches == ["CAT"]
    assert not matches([rule], "the catalog", [1])
    loose = compile_rule(Filter(id=2, title="t", context=["home"], action="warn"), [("cat", False)], [])
    assert matches([loose], "the catalog", [1])
    # No boundary is asked for on a side that is not a word character, so a hashtag still matches.
    tagged = compile_rule(Filter(id=3, title="t", context=["home"], action="warn"), [("#cat", True)], [])
    assert matches([tagged], "look #cat", [1])
    by_status = compile_rule(Filter(id=4, title="t", context=["home"], action="warn"), [], [9])
    assert matches([by_status], "anything", [5, 9])[0].status_matches == [9]


async def test_filters_are_created_shown_updated_and_deleted(local_node):
    _, token = await local_node.user("alice")
    async with local_node.client(token) as client:
        made = await make_filter(client, "Pets", [("cat", True), ("dog", False)], filter_action="hide")
        assert made["filter_action"] == "hide"
        assert [(k["keyword"], k["whole_word"]) for k in made["keywords"]] == [("cat", True), ("dog", False)]
        filter_id = made["id"]

        listed = (await client.get("/api/v2/filters")).json()
        assert [f["id"] for f in listed] == [filter_id]
        check_filter(listed[0])
        check_filter((await client.get(f"/api/v2/filters/{filter_id}")).json())

        cat, dog = made["keywords"]
        updated = await client.put(
            f"/api/v2/filters/{filter_id}",
            json={
                "title": "Animals",
                "context": ["public"],
                "expires_in": 3600,
                "keywords_attributes": [
                    {"id": cat["id"], "keyword": "cats"},
                    {"id": dog["id"], "_destroy": True},
                    {"keyword": "bird"},
                ],
            },
        )
        assert updated.status_code == 200, updated.text
        check_filter(updated.json())
        assert updated.json()["title"] == "Animals" and updated.json()["context"] == ["public"]
        assert updated.json()["expires_at"] is not None
        assert [k["keyword"] for k in updated.json()["keywords"]] == ["cats", "bird"]

        assert (await client.delete(f"/api/v2/filters/{filter_id}")).json() == {}
        assert (await client.get(f"/api/v2/filters/{filter_id}")).status_code == 404
    assert not await FilterKeyword.exists()


async def test_bad_filters_are_refused_and_nothing_is_written(local_node):
    _, token = await local_node.user("alice")
    async with local_node.client(token) as client:
        untitled = await client.post(
            "/api/v2/filters", json={"context": ["home"], "keywords_attributes": [{"keyword": "x"}]}
        )
        assert untitled.status_code == 422
        assert untitled.json()["error"].startswith("Validation failed: Title can't be blank")
        no_context = await client.post("/api/v2/filters", json={"title": "T", "context": []})
        assert no_context.status_code == 422 and "Context" in no_context.json()["error"]
        bad_context = await client.post("/api/v2/filters", json={"title": "T", "context": ["everywhere"]})
        assert bad_context.status_code == 422
        blank_keyword = await client.post(
            "/api/v2/filters", json={"title": "T", "context": ["home"], "keywords_attributes": [{"keyword": " "}]}
        )
        assert blank_keyword.status_code == 422
        assert "can't be blank" in blank_keyword.json()["error"]
        assert not await Filter.exists() and not await FilterKeyword.exists()

        made = await make_filter(client, "T", [("x", True)])
        blank_title = await client.put(f"/api/v2/filters/{made['id']}", json={"title": ""})
        assert blank_title.status_code == 422
        assert (await Filter.get(id=int(made["id"]))).title == "T"


async def test_keywords_of_a_filter_are_managed_on_their_own(local_node):
    _, token = await local_node.user("alice")
    async with local_node.client(token) as client:
        made = await make_filter(client, "Words", [])
        base = f"/api/v2/filters/{made['id']}/keywords"
        blank = await client.post(base, json={"keyword": ""})
        assert blank.status_code == 422
        assert blank.json() == {"error": "Validation failed: Keyword can't be blank"}
        assert not await FilterKeyword.exists()

        added = await client.post(base, data={"keyword": "spoiler", "whole_word": "false"})
        assert added.status_code == 200, added.text
        check("FilterKeyword", added.json())
        assert added.json()["whole_word"] is False
        keyword_id = added.json()["id"]
        listed = (await client.get(base)).json()
        assert [k["id"] for k in listed] == [keyword_id]
        check("FilterKeyword", (await client.get(f"/api/v2/filters/keywords/{keyword_id}")).json())
        changed = await client.put(f"/api/v2/filters/keywords/{keyword_id}", json={"keyword": "spoilers"})
        assert changed.json()["keyword"] == "spoilers"
        assert (await client.put(f"/api/v2/filters/keywords/{keyword_id}", json={"keyword": ""})).status_code == 422
        assert (await client.delete(f"/api/v2/filters/keywords/{keyword_id}")).json() == {}
        assert (await client.get(f"/api/v2/filters/keywords/{keyword_id}")).status_code == 404


async def test_statuses_can_be_filtered_one_by_one(local_node):
    node = local_node.node
    alice, token = await local_node.user("alice")
    bob, _ = await local_node.user("bob")
    await follow(node, alice, bob)
    post = await create_status(node, bob, "nothing special")
    async with local_node.client(token) as client:
        made = await make_filter(client, "That one", [], filter_action="warn", context=["home"])
        base = f"/api/v2/filters/{made['id']}/statuses"
        missing = await client.post(base, json={"status_id": "12345"})
        assert missing.status_code == 422
        added = await client.post(base, json={"status_id": str(post.id)})
        assert added.status_code == 200, added.text
        check("FilterStatus", added.json())
        assert (await client.post(base, json={"status_id": str(post.id)})).status_code == 422
        assert await FilterStatus.filter(custom_filter_id=int(made["id"])).count() == 1

        [shown] = (await client.get("/api/v1/timelines/home")).json()
        check("FilterResult", shown["filtered"][0])
        assert shown["filtered"][0]["status_matches"] == [str(post.id)]

        row_id = added.json()["id"]
        assert [r["id"] for r in (await client.get(base)).json()] == [row_id]
        check("FilterStatus", (await client.get(f"/api/v2/filters/statuses/{row_id}")).json())
        assert (await client.delete(f"/api/v2/filters/statuses/{row_id}")).json() == {}
        assert (await client.get("/api/v1/timelines/home")).json()[0]["filtered"] == []


async def home_texts(client) -> list[str]:
    response = await client.get("/api/v1/timelines/home")
    assert response.status_code == 200
    return [s["content"] for s in response.json()]


async def test_a_whole_word_hide_filter_hides_cat_but_not_catalog(local_node):
    node = local_node.node
    alice, token = await local_node.user("alice")
    bob, _ = await local_node.user("bob")
    await follow(node, alice, bob)
    await create_status(node, bob, "my cat is asleep")
    await create_status(node, bob, "the new catalog is out")
    async with local_node.client(token) as client:
        await make_filter(client, "No cats", [("cat", True)], filter_action="hide", context=["home"])
        texts = await home_texts(client)
        assert any("catalog" in t for t in texts)
        assert not any("my cat" in t for t in texts)
        # The filter is for home only: the public timeline still shows the post, marked as filtered.
        public = (await client.get("/api/v1/timelines/public")).json()
        cat = next(s for s in public if "my cat" in s["content"])
        assert cat["filtered"][0]["filter"]["filter_action"] == "hide"


async def test_a_warn_filter_marks_statuses_with_filtered(local_node):
    node = local_node.node
    alice, token = await local_node.user("alice")
    bob, _ = await local_node.user("bob")
    await follow(node, alice, bob)
    await create_status(node, bob, "Election results are in")
    await create_status(node, bob, "lunch")
    async with local_node.client(token) as client:
        made = await make_filter(client, "Politics", [("election", True)], filter_action="warn", context=["home"])
        statuses = (await client.get("/api/v1/timelines/home")).json()
        by_text = {s["content"]: s for s in statuses}
        warned = next(s for text, s in by_text.items() if "Election" in text)
        assert len(warned["filtered"]) == 1
        result = warned["filtered"][0]
        check("FilterResult", result)
        assert result["filter"]["id"] == made["id"]
        assert "keywords" not in result["filter"]
        assert result["keyword_matches"] == ["Election"]
        assert next(s for text, s in by_text.items() if "lunch" in text)["filtered"] == []


async def test_an_expired_filter_no_longer_applies(local_node):
    node = local_node.node
    alice, token = await local_node.user("alice")
    bob, _ = await local_node.user("bob")
    await follow(node, alice, bob)
    await create_status(node, bob, "cat pictures")
    async with local_node.client(token) as client:
        made = await make_filter(client, "Cats", [("cat", True)], filter_action="hide", expires_in=3600)
        assert not await home_texts(client)
        await Filter.filter(id=int(made["id"])).update(expires_at=utcnow() - timedelta(seconds=1))
        [shown] = (await client.get("/api/v1/timelines/home")).json()
        assert "cat pictures" in shown["content"] and shown["filtered"] == []
        # Expired filters are still listed, so their owner can renew them.
        assert [f["id"] for f in (await client.get("/api/v2/filters")).json()] == [made["id"]]


async def test_a_hide_filter_for_notifications_removes_matching_mentions(local_node):
    node = local_node.node
    alice, token = await local_node.user("alice")
    bob, _ = await local_node.user("bob")
    await create_status(node, bob, "@alice buy crypto now")
    await create_status(node, bob, "@alice lunch?")
    async with local_node.client(token) as client:
        assert len((await client.get("/api/v1/notifications")).json()) == 2
        await make_filter(client, "Spam", [("crypto", True)], filter_action="hide", context=["notifications"])
        notifications = (await client.get("/api/v1/notifications")).json()
        assert [("lunch" in n["status"]["content"]) for n in notifications] == [True]
        for notification in notifications:
            check("Notification", notification)


async def test_v1_filters_are_keywords_of_v2_filters(local_node):
    node = local_node.node
    alice, token = await local_node.user("alice")
    bob, _ = await local_node.user("bob")
    await follow(node, alice, bob)
    await create_status(node, bob, "football scores")
    async with local_node.client(token) as client:
        blank = await client.post("/api/v1/filters", json={"phrase": "", "context": ["home"]})
        assert blank.status_code == 422
        assert not await Filter.exists()

        made = await client.post(
            "/api/v1/filters", data={"phrase": "football", "context[]": ["home", "public"], "irreversible": "true"}
        )
        assert made.status_code == 200, made.text
        check("V1Filter", made.json())
        assert made.json()["irreversible"] is True and made.json()["whole_word"] is True
        assert not await home_texts(client)

        v2 = (await client.get("/api/v2/filters")).json()
        assert v2[0]["title"] == "football" and v2[0]["filter_action"] == "hide"
        assert v2[0]["keywords"][0]["id"] == made.json()["id"]

        filter_id = made.json()["id"]
        for entity in (await client.get("/api/v1/filters")).json():
            check("V1Filter", entity)
        changed = await client.put(f"/api/v1/filters/{filter_id}", json={"phrase": "football", "irreversible": False})
        check("V1Filter", changed.json())
        assert changed.json()["irreversible"] is False
        [warned] = (await client.get("/api/v1/timelines/home")).json()
        assert warned["filtered"][0]["filter"]["filter_action"] == "warn"
        check("V1Filter", (await client.get(f"/api/v1/filters/{filter_id}")).json())

        assert (await client.delete(f"/api/v1/filters/{filter_id}")).json() == {}
        assert (await client.get("/api/v1/filters")).json() == []
    assert not await Filter.exists()


async def test_open_streams_hear_filters_changed_and_lose_hidden_statuses(local_node):
    node = local_node.node
    alice, token = await local_node.user("alice")
    bob, _ = await local_node.user("bob")
    await follow(node, alice, bob)
    hub = local_node.app.state.stream_hub
    connection = hub.open(alice)
    connection.streams.add("user")
    try:
        async with local_node.client(token) as client:
            await make_filter(client, "Cats", [("cat", True)], filter_action="hide", context=["home"])
            await make_filter(client, "Dogs", [("dog", True)], filter_action="warn", context=["home"])
        await create_status(node, bob, "cat news")
        await create_status(node, bob, "dog news")
        messages = []
        while not connection.queue.empty():
            messages.append(connection.queue.get_nowait())
    finally:
        hub.close(connection)
    assert [m["event"] for m in messages] == ["filters_changed", "filters_changed", "update"]
    assert "payload" not in messages[0]
    update = json.loads(messages[2]["payload"])
    assert "dog news" in update["content"]
    assert update["filtered"][0]["filter"]["title"] == "Dogs"
    check("Status", update)
