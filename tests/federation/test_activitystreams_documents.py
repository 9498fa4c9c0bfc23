"""Actors, notes and collections as other servers read them, with content negotiation."""

from __future__ import annotations

from federation.parse import PUBLIC, parse_datetime
from outbox.statuses import create_status

AS = {"Accept": "application/activity+json"}
LD = {"Accept": 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'}


async def test_actor_document_has_what_mastodon_reads(local_node):
    alice, _ = await local_node.user("alice", display_name="Alice A.")
    async with local_node.client() as client:
        response = await client.get("/users/alice", headers=AS)
    assert response.headers["content-type"].startswith("application/activity+json")
    actor = response.json()
    assert actor["@context"][0] == "https://www.w3.org/ns/activitystreams"
    assert "https://w3id.org/security/v1" in actor["@context"]
    assert actor["type"] == "Person"
    assert actor["id"] == "https://flurfunk.test/users/alice"
    assert actor["preferredUsername"] == "alice"
    assert actor["name"] == "Alice A."
    assert actor["inbox"] == "https://flurfunk.test/users/alice/inbox"
    assert actor["outbox"] == "https://flurfunk.test/users/alice/outbox"
    assert actor["followers"] == "https://flurfunk.test/users/alice/followers"
    assert actor["following"] == "https://flurfunk.test/users/alice/following"
    assert actor["endpoints"] == {"sharedInbox": "https://flurfunk.test/inbox"}
    assert actor["manuallyApprovesFollowers"] is False
    assert actor["discoverable"] is True
    assert actor["url"] == "https://flurfunk.test/@alice"
    assert actor["icon"]["url"].startswith("https://flurfunk.test/")
    assert actor["published"].endswith("Z")
    key = actor["publicKey"]
    assert key["id"] == "https://flurfunk.test/users/alice#main-key"
    assert key["owner"] == actor["id"]
    assert key["publicKeyPem"].startswith("-----BEGIN PUBLIC KEY-----")


async def test_the_same_url_serves_json_ld_to_servers_and_html_to_browsers(local_node):
    await local_node.user("alice")
    async with local_node.client() as client:
        as_ld = await client.get("/users/alice", headers=LD)
        as_html = await client.get("/users/alice", headers={"Accept": "text/html,application/xhtml+xml"})
        handle_page = await client.get("/@alice", headers={"Accept": "text/html"})
    assert as_ld.json()["type"] == "Person"
    assert as_html.headers["content-type"].startswith("text/html")
    assert "@alice@flurfunk.test" in as_html.text
    assert handle_page.status_code == 200 and "alice" in handle_page.text


async def test_notes_are_addressed_as_mastodon_addresses_each_visibility(local_node):
    alice, _ = await local_node.user("alice")
    bob, _ = await local_node.user("bob")
    node = local_node.node
    followers = "https://flurfunk.test/users/alice/followers"
    public = await create_status(node, alice, "Hello @bob #Lunch", visibility="public")
    unlisted = await create_status(node, alice, "quietly", visibility="unlisted")
    async with local_node.client() as client:
        note = (await client.get(public.uri, headers=AS)).json()
        quiet = (await client.get(unlisted.uri, headers=AS)).json()
        activity = (await client.get(public.uri + "/activity", headers=AS)).json()
    assert note["type"] == "Note"
    assert note["attributedTo"] == alice.uri
    assert note["to"] == [PUBLIC]
    assert set(note["cc"]) == {followers, bob.uri}
    assert {"type": "Mention", "href": bob.uri, "name": "@bob@flurfunk.test"} in note["tag"]
    assert any(
        t["type"] == "Hashtag" and t["name"] == "#Lunch" and t["href"].endswith("/tags/lunch") for t in note["tag"]
    )
    assert 'class="u-url mention"' in note["content"]
    assert quiet["to"] == [followers] and PUBLIC in quiet["cc"]
    assert activity["type"] == "Create" and activity["object"]["id"] == public.uri


async def test_private_and_direct_posts_are_not_served_to_unsigned_requests(local_node):
    alice, _ = await local_node.user("alice")
    await local_node.user("bob")
    node = local_node.node
    private = await create_status(node, alice, "followers only", visibility="private")
    direct = await create_status(node, alice, "@bob just you", visibility="direct")
    async with local_node.client() as client:
        for status in (private, direct):
            assert (await client.get(status.uri, headers=AS)).status_code == 404
            assert (await client.get(status.uri + "/activity", headers=AS)).status_code == 404
        page = (await client.get("/users/alice/outbox?page=true", headers=AS)).json()
    assert page["orderedItems"] == []


async def test_outbox_and_follower_collections_are_paged(local_node):
    alice, _ = await local_node.user("alice")
    for n in range(25):
        await create_status(local_node.node, alice, f"post {n}")
    async with local_node.client() as client:
        outbox = (await client.get("/users/alice/outbox", headers=AS)).json()
        assert outbox["type"] == "OrderedCollection" and outbox["totalItems"] == 25
        first = (await client.get(outbox["first"], headers=AS)).json()
        assert first["type"] == "OrderedCollectionPage"
        assert len(first["orderedItems"]) == 20
        assert first["orderedItems"][0]["object"]["content"] == "<p>post 24</p>"
        second = (await client.get(first["next"], headers=AS)).json()
        assert len(second["orderedItems"]) == 5
        assert "next" not in second
        followers = (await client.get("/users/alice/followers", headers=AS)).json()
        assert followers == {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": "https://flurfunk.test/users/alice/followers",
            "type": "OrderedCollection",
            "totalItems": 0,
            "first": "https://flurfunk.test/users/alice/followers?page=1",
        }
        following_page = (await client.get("/users/alice/following?page=1", headers=AS)).json()
        assert following_page["orderedItems"] == []


async def test_a_notes_published_time_keeps_its_milliseconds(local_node):
    """Two posts of one second keep their order on a node that fetches the older one later."""
    alice, _ = await local_node.user("alice")
    post = await create_status(local_node.node, alice, "on time")
    async with local_node.client() as client:
        note = (await client.get(post.uri, headers=AS)).json()
    published = parse_datetime(note["published"])
    assert note["published"].endswith("Z") and len(note["published"]) == len("2026-12-02T20:43:22.123Z")
    assert int(published.timestamp() * 1000) == int(post.created_at.timestamp() * 1000)
