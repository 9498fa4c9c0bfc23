"""Trends read from real activity here, follow suggestions, and the (empty) announcements."""

from __future__ import annotations

from mastodon_shapes import check

from models.suggestions import SuggestionDismissal
from outbox.follows import follow
from outbox.interactions import block, favourite
from outbox.statuses import create_status, reblog


async def get_ok(client, path: str, **params):
    response = await client.get(path, params=params or None)
    assert response.status_code == 200, response.text
    return response


async def test_trending_tags_rank_by_how_many_people_used_them(local_node):
    node = local_node.node
    people = [(await local_node.user(name))[0] for name in ("ann", "ben", "cat")]
    _, token = await local_node.user("viewer")
    for person in people:
        await create_status(node, person, f"Team lunch #Lunch from {person.username}")
    for _ in range(5):
        await create_status(node, people[0], "Again and again #solo")
    await create_status(node, people[1], "Also #solo")
    await create_status(node, people[2], "Quietly #hidden", visibility="unlisted")

    async with local_node.client(token) as client:
        response = await get_ok(client, "/api/v1/trends/tags")
        legacy = (await get_ok(client, "/api/v1/trends")).json()
        first = await get_ok(client, "/api/v1/trends/tags", limit="1")
        second = await get_ok(client, "/api/v1/trends/tags", limit="1", offset="1")
    trending = response.json()
    for tag in trending:
        check("Tag", tag)

    assert [t["name"] for t in trending] == ["Lunch", "solo"]
    assert trending[0]["history"][0]["accounts"] == "3" and trending[1]["history"][0]["uses"] == "6"
    assert trending[0]["following"] is False
    assert legacy == trending
    assert [t["name"] for t in first.json()] == ["Lunch"] and [t["name"] for t in second.json()] == ["solo"]
    assert 'rel="next"' in first.headers["link"] and "offset=1" in first.headers["link"]


async def test_trending_statuses_rank_public_posts_by_favourites_and_boosts(local_node):
    node = local_node.node
    author, _ = await local_node.user("author")
    fans = [(await local_node.user(f"fan{i}"))[0] for i in range(3)]
    viewer, token = await local_node.user("viewer")
    popular = await create_status(node, author, "Big news")
    liked = await create_status(node, author, "Small news")
    ignored = await create_status(node, author, "No news")
    private = await create_status(node, author, "Inner circle", visibility="private")
    for fan in fans:
        await favourite(node, fan, popular)
    await reblog(node, fans[0], popular)
    await favourite(node, fans[0], liked)
    await favourite(node, fans[1], private)

    async with local_node.client(token) as client:
        ranked = (await get_ok(client, "/api/v1/trends/statuses")).json()
        await block(node, viewer, author)
        after_block = (await get_ok(client, "/api/v1/trends/statuses")).json()
        links = (await get_ok(client, "/api/v1/trends/links")).json()
    async with local_node.client() as anonymous:
        anonymously = (await get_ok(anonymous, "/api/v1/trends/statuses", limit="1")).json()

    for status in ranked:
        check("Status", status)
    assert [s["id"] for s in ranked] == [str(popular.id), str(liked.id)]
    assert str(ignored.id) not in {s["id"] for s in ranked}
    assert after_block == [] and links == []
    assert [s["id"] for s in anonymously] == [str(popular.id)]


async def test_suggestions_are_people_i_do_not_follow_most_followed_first(local_node):
    node = local_node.node
    me, token = await local_node.user("me")
    star, _ = await local_node.user("star")
    known, _ = await local_node.user("known")
    quiet, _ = await local_node.user("quiet")
    fans = [(await local_node.user(f"fan{i}"))[0] for i in range(2)]
    for fan in fans:
        await follow(node, fan, star)
    await follow(node, fans[0], quiet)
    await follow(node, me, known)

    async with local_node.client(token) as client:
        v2 = (await get_ok(client, "/api/v2/suggestions")).json()
        v1 = (await get_ok(client, "/api/v1/suggestions", limit="2")).json()
        dismissed = await client.delete(f"/api/v1/suggestions/{star.id}")
        after = (await get_ok(client, "/api/v2/suggestions")).json()
        unknown = await client.delete("/api/v1/suggestions/999")

    for suggestion in v2:
        check("Suggestion", suggestion)
    for account in v1:
        check("Account", account)
    names = [s["account"]["username"] for s in v2]
    assert names[:2] == ["star", "quiet"]
    assert "me" not in names and "known" not in names and "instance.actor" not in names
    assert v2[0]["sources"] == ["most_followed"] and v2[0]["source"] == "global"
    assert [a["username"] for a in v1] == ["star", "quiet"]
    assert dismissed.status_code == 200 and dismissed.json() == {}
    assert await SuggestionDismissal.exists(account_id=me.id, target_account_id=star.id)
    assert "star" not in [s["account"]["username"] for s in after]
    assert unknown.status_code == 200


async def test_announcements_are_empty_and_none_can_be_dismissed(local_node):
    _, token = await local_node.user("me")
    async with local_node.client(token) as client:
        listed = await client.get("/api/v1/announcements")
        dismissed = await client.post("/api/v1/announcements/1/dismiss")
    async with local_node.client() as anonymous:
        anonymous_list = await anonymous.get("/api/v1/announcements")

    assert listed.status_code == 200 and listed.json() == []
    assert dismissed.status_code == 404 and dismissed.json() == {"error": "Record not found"}
    assert anonymous_list.status_code == 401
