"""Hashtags: a tag's week of real use, following tags (which brings strangers' public posts home), featuring them."""

from __future__ import annotations

from datetime import UTC, datetime

from mastodon_shapes import check

from oauth.tokens import cli_application, issue_token
from outbox.statuses import create_status


async def get_ok(client, path: str, **params):
    response = await client.get(path, params=params or None)
    assert response.status_code == 200, response.text
    return response


async def home_ids(client) -> list[str]:
    statuses = (await get_ok(client, "/api/v1/timelines/home")).json()
    return [s["id"] for s in statuses]


async def test_a_tag_shows_todays_uses_and_authors_and_whether_i_follow_it(local_node):
    node = local_node.node
    alice, token = await local_node.user("alice")
    bob, _ = await local_node.user("bob")
    await create_status(node, alice, "Morning #Cats")
    await create_status(node, alice, "Evening #cats")
    await create_status(node, bob, "Also #cats")

    async with local_node.client(token) as client:
        before = (await get_ok(client, "/api/v1/tags/cats")).json()
        followed = (await client.post("/api/v1/tags/cats/follow")).json()
        listed = await get_ok(client, "/api/v1/followed_tags")
        unfollowed = (await client.post("/api/v1/tags/%23Cats/unfollow")).json()
        after = (await get_ok(client, "/api/v1/followed_tags")).json()
    async with local_node.client() as anonymous:
        seen_anonymously = (await get_ok(anonymous, "/api/v1/tags/cats")).json()

    for entity in (before, followed, unfollowed, seen_anonymously, *listed.json()):
        check("Tag", entity)
    today = before["history"][0]
    midnight = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    assert today == {"day": str(int(midnight.timestamp())), "uses": "3", "accounts": "2"}
    assert len(before["history"]) == 7 and before["history"][1]["uses"] == "0"
    assert before["following"] is False and before["featuring"] is False
    assert followed["following"] is True and followed["id"] == before["id"]
    assert [t["name"] for t in listed.json()] == [before["name"]] and listed.json()[0]["following"] is True
    assert unfollowed["following"] is False and after == []
    assert "following" not in seen_anonymously


async def test_following_an_unused_tag_creates_it(local_node):
    _, token = await local_node.user("alice")
    async with local_node.client(token) as client:
        unknown = (await get_ok(client, "/api/v1/tags/NewProject")).json()
        followed = (await client.post("/api/v1/tags/NewProject/follow")).json()
    check("Tag", unknown)
    check("Tag", followed)
    assert unknown["id"] == "" and unknown["name"] == "NewProject"
    assert followed["id"] != "" and followed["following"] is True


async def test_a_followed_tag_brings_a_strangers_public_post_into_home(local_node):
    node = local_node.node
    alice, token = await local_node.user("alice")
    stranger, _ = await local_node.user("stranger")
    async with local_node.client(token) as client:
        assert (await client.post("/api/v1/tags/release/follow")).status_code == 200
        tagged = await create_status(node, stranger, "Version 2 is out #Release")
        untagged = await create_status(node, stranger, "Version 2 is out")
        unlisted = await create_status(node, stranger, "Quietly #release", visibility="unlisted")
        home = await home_ids(client)
        assert (await client.post("/api/v1/tags/release/unfollow")).status_code == 200
        later = await create_status(node, stranger, "Version 3 #release")
        home_after = await home_ids(client)

    assert str(tagged.id) in home
    assert str(untagged.id) not in home and str(unlisted.id) not in home
    assert str(later.id) not in home_after


async def test_followed_tags_page_with_a_link_header(local_node):
    _, token = await local_node.user("alice")
    async with local_node.client(token) as client:
        for name in ("one", "two", "three"):
            assert (await client.post(f"/api/v1/tags/{name}/follow")).status_code == 200
        first = await get_ok(client, "/api/v1/followed_tags", limit="2")
        next_url = first.headers["link"].split(">")[0].lstrip("<")
        second = await get_ok(client, next_url.replace(local_node.settings.base_url, ""))

    assert [t["name"] for t in first.json()] == ["three", "two"]
    assert 'rel="next"' in first.headers["link"] and "max_id=" in next_url
    assert [t["name"] for t in second.json()] == ["one"]
    assert 'rel="next"' not in second.headers.get("link", "")


async def test_featured_tags_count_my_listed_posts_and_show_on_my_profile(local_node):
    node = local_node.node
    alice, token = await local_node.user("alice")
    await create_status(node, alice, "Shipping #Flurfunk")
    await create_status(node, alice, "More #flurfunk")
    await create_status(node, alice, "Private #flurfunk", visibility="private")
    await create_status(node, alice, "Also #python")

    async with local_node.client(token) as client:
        created = await client.post("/api/v1/featured_tags", json={"name": "#Flurfunk"})
        again = await client.post("/api/v1/featured_tags", json={"name": "flurfunk"})
        mine = (await get_ok(client, "/api/v1/featured_tags")).json()
        suggestions = (await get_ok(client, "/api/v1/featured_tags/suggestions")).json()
        tag = (await get_ok(client, "/api/v1/tags/flurfunk")).json()
    async with local_node.client() as anonymous:
        on_profile = (await get_ok(anonymous, f"/api/v1/accounts/{alice.id}/featured_tags")).json()

    assert created.status_code == 200, created.text
    featured = created.json()
    check("FeaturedTag", featured)
    assert featured["name"] == "Flurfunk"
    assert featured["statuses_count"] == "2"  # a string, as Mastodon sends it; the private post is not counted
    assert featured["last_status_at"] == datetime.now(UTC).strftime("%Y-%m-%d")
    assert featured["url"] == "https://flurfunk.test/@alice/tagged/flurfunk"
    assert again.json()["id"] == featured["id"]
    assert mine == [featured] and on_profile == [featured]
    for entity in on_profile:
        check("FeaturedTag", entity)
    for entity in suggestions:
        check("Tag", entity)
    assert [t["name"] for t in suggestions] == ["python"]
    assert tag["featuring"] is True


async def test_unfeaturing_and_bad_featured_tags(local_node):
    alice, token = await local_node.user("alice")
    bob, bob_token = await local_node.user("bob")
    async with local_node.client(token) as client:
        featured = (await client.post("/api/v1/featured_tags", data={"name": "work"})).json()
        async with local_node.client(bob_token) as bob_client:
            not_bobs = await bob_client.delete(f"/api/v1/featured_tags/{featured['id']}")
        removed = await client.delete(f"/api/v1/featured_tags/{featured['id']}")
        removed_again = await client.delete(f"/api/v1/featured_tags/{featured['id']}")
        missing = await client.post("/api/v1/featured_tags", json={})
        invalid = await client.post("/api/v1/featured_tags", json={"name": "not a tag!"})
        for n in range(10):
            assert (await client.post("/api/v1/featured_tags", json={"name": f"tag{n}x"})).status_code == 200
        eleventh = await client.post("/api/v1/featured_tags", json={"name": "onemore"})

    assert not_bobs.status_code == 404
    assert removed.status_code == 200 and removed.json() == {}
    assert removed_again.status_code == 404 and removed_again.json() == {"error": "Record not found"}
    assert missing.status_code == 400 and missing.json() == {"error": "param is missing or the value is empty: name"}
    assert invalid.status_code == 422 and invalid.json() == {"error": "Validation failed: Name is invalid"}
    assert eleventh.status_code == 422
    assert eleventh.json() == {"error": "Validation failed: You have already featured the maximum number of hashtags"}


async def test_featuring_a_tag_by_its_name_as_mastodon_4_4_answers_with_the_tag(local_node):
    alice, token = await local_node.user("alice")
    async with local_node.client(token) as client, local_node.client() as anonymous:
        featured = await client.post("/api/v1/tags/Kaffee/feature")
        twice = await client.post("/api/v1/tags/kaffee/feature")
        listed = (await get_ok(client, "/api/v1/featured_tags")).json()
        on_profile = (await get_ok(anonymous, f"/api/v1/accounts/{alice.id}/featured_tags")).json()
        unfeatured = await client.post("/api/v1/tags/kaffee/unfeature")
        never_used = await client.post("/api/v1/tags/nobodyusesthis/unfeature")
        bad_name = await client.post("/api/v1/tags/not%20a%20tag/feature")
        listed_after = (await get_ok(client, "/api/v1/featured_tags")).json()
    assert featured.status_code == 200 and twice.status_code == 200
    check("Tag", featured.json())
    assert featured.json()["name"] == "Kaffee" and featured.json()["featuring"] is True
    assert [t["name"] for t in listed] == ["Kaffee"] and len(on_profile) == 1
    assert unfeatured.json()["featuring"] is False and never_used.json()["featuring"] is False
    assert bad_name.status_code == 404
    assert listed_after == []


async def test_tag_endpoints_refuse_bad_names_and_missing_scopes(local_node):
    alice, token = await local_node.user("alice")
    read_only = (await issue_token(alice, await cli_application(), "read")).token
    async with local_node.client(token) as client:
        bad_name = await client.get("/api/v1/tags/-")
        bad_follow = await client.post("/api/v1/tags/123/follow")
    async with local_node.client() as anonymous:
        anonymous_follow = await anonymous.post("/api/v1/tags/cats/follow")
        anonymous_list = await anonymous.get("/api/v1/followed_tags")
    async with local_node.client(read_only) as reader:
        reader_follow = await reader.post("/api/v1/tags/cats/follow")
        reader_feature = await reader.post("/api/v1/featured_tags", json={"name": "cats"})
        reader_list = await reader.get("/api/v1/followed_tags")

    assert bad_name.status_code == 404 and bad_follow.status_code == 404
    assert anonymous_follow.status_code == 401 and anonymous_list.status_code == 401
    assert reader_follow.status_code == 403 and reader_feature.status_code == 403
    assert reader_list.status_code == 200
