"""Search: people by name or handle, posts by their words, hashtags by prefix; handles and URLs on other nodes."""

from __future__ import annotations

from mastodon_shapes import check

from models.accounts import Account
from models.relationships import Block
from oauth.tokens import cli_application, issue_token
from outbox.follows import follow
from outbox.statuses import create_status


async def search(client, **params) -> dict:
    response = await client.get("/api/v2/search", params=params)
    assert response.status_code == 200, response.text
    check("Search", response.json())
    return response.json()


def accts(result: dict) -> list[str]:
    return [a["acct"] for a in result["accounts"]]


async def test_accounts_by_username_prefix_display_name_and_handle(local_node):
    alice, token = await local_node.user("alice", display_name="Alice Liddell")
    await local_node.user("alicia")
    await local_node.user("bob", display_name="Bob from Liddell Street")
    remote = Account(username="alice", domain="remote.example", uri="https://remote.example/users/alice")
    await remote.save()

    async with local_node.client(token) as client:
        by_prefix = await search(client, q="ali", type="accounts")
        exact = await search(client, q="alice")
        by_name = await search(client, q="liddell", type="accounts")
        handle = await search(client, q="@alice@remote.example")
        own_domain = await search(client, q="bob@flurfunk.test")
        paged = await search(client, q="ali", type="accounts", limit="1", offset="1")

    assert set(accts(by_prefix)) == {"alice", "alicia", "alice@remote.example"}
    assert accts(exact)[0] == "alice"
    assert set(accts(by_name)) == {"alice", "bob"}
    assert accts(handle) == ["alice@remote.example"]
    assert accts(own_domain) == ["bob"]
    assert len(paged["accounts"]) == 1
    assert handle["hashtags"] == [] and handle["statuses"] == []


async def test_following_and_blocks_narrow_account_results(local_node):
    node = local_node.node
    alice, token = await local_node.user("alice")
    sam, _ = await local_node.user("sam")
    sandra, _ = await local_node.user("sandra")
    await local_node.user("sally")
    await follow(node, alice, sam)
    await Block.create(account=sandra, target_account=alice)

    async with local_node.client(token) as client:
        everyone = await search(client, q="sa", type="accounts")
        followed = await search(client, q="sa", type="accounts", following="true")

    assert set(accts(everyone)) == {"sam", "sally"}  # sandra blocks alice
    assert accts(followed) == ["sam"]


async def test_hashtags_by_prefix_exact_first_with_history(local_node):
    node = local_node.node
    alice, token = await local_node.user("alice")
    await create_status(node, alice, "#catsofflurfunk and #Cats")
    await create_status(node, alice, "more #cats")
    await create_status(node, alice, "#dogs")

    async with local_node.client(token) as client:
        found = await search(client, q="#cat", type="hashtags")
        exact = await search(client, q="cats")
        unreviewed = await search(client, q="cat", exclude_unreviewed="true")
        tag = await client.get("/api/v1/tags/Cats")
        unused = await client.get("/api/v1/tags/nobodysaidthis")
        invalid = await client.get("/api/v1/tags/123")
    async with local_node.client() as anonymous:
        anonymous_tag = await anonymous.get("/api/v1/tags/cats")

    # Shown as first written (#Cats), found whatever the case.
    assert [t["name"] for t in found["hashtags"]] == ["Cats", "catsofflurfunk"]
    assert [t["name"] for t in exact["hashtags"]][0] == "Cats"
    assert unreviewed["hashtags"] == []
    cats = exact["hashtags"][0]
    check("Tag", cats)
    assert cats["url"] == "https://flurfunk.test/tags/cats" and cats["following"] is False
    assert len(cats["history"]) == 7
    assert cats["history"][0]["uses"] == "2" and cats["history"][0]["accounts"] == "1"
    assert tag.status_code == 200 and tag.json()["id"] == cats["id"]
    check("Tag", tag.json())
    assert unused.status_code == 200 and unused.json()["name"] == "nobodysaidthis"
    assert invalid.status_code == 404
    check("Error", invalid.json())
    assert anonymous_tag.status_code == 200 and "following" not in anonymous_tag.json()


async def test_statuses_by_their_words_only_where_the_searcher_may_see_them(local_node):
    node = local_node.node
    alice, token = await local_node.user("alice")
    bob, _ = await local_node.user("bob")
    carol, _ = await local_node.user("carol")
    await follow(node, alice, bob)
    await create_status(node, alice, "Quarterly report draft", visibility="private")
    await create_status(node, bob, "quarterly REPORT for followers", visibility="private")
    await create_status(node, carol, "quarterly report, secret", visibility="private")
    await create_status(node, carol, "the quarterly report is out")
    await create_status(node, carol, "nothing to see")

    async with local_node.client(token) as client:
        found = await search(client, q="quarterly report", type="statuses")
        by_carol = await search(client, q="quarterly", type="statuses", account_id=str(carol.id))
        everything = await search(client, q="report")
    async with local_node.client() as anonymous:
        anonymous_result = await search(anonymous, q="report")

    assert [s["content"] for s in found["statuses"]] == [
        "<p>the quarterly report is out</p>",
        "<p>quarterly REPORT for followers</p>",
        "<p>Quarterly report draft</p>",
    ]
    assert [s["account"]["acct"] for s in by_carol["statuses"]] == ["carol"]
    assert len(everything["statuses"]) == 3
    # Full-text search is for signed-in people only, as on Mastodon.
    assert anonymous_result["statuses"] == []


async def test_search_errors_and_what_anonymous_callers_may_not_do(local_node):
    alice, token = await local_node.user("alice")
    narrow = (await issue_token(alice, await cli_application(), "read:statuses")).token
    async with local_node.client(token) as client:
        missing = await client.get("/api/v2/search")
        blank = await client.get("/api/v2/search", params={"q": "  "})
        unknown_type = await client.get("/api/v2/search", params={"q": "alice", "type": "people"})
        junk_limit = await client.get("/api/v2/search", params={"q": "alice", "limit": "abc"})
        old_path = await client.get("/api/v1/search", params={"q": "alice"})
    async with local_node.client() as anonymous:
        resolving = await anonymous.get("/api/v2/search", params={"q": "bob@elsewhere.example", "resolve": "true"})
        paging = await anonymous.get("/api/v2/search", params={"q": "alice", "type": "accounts", "offset": "1"})
        plain = await anonymous.get("/api/v2/search", params={"q": "alice"})
    async with local_node.client(narrow) as client:
        out_of_scope = await client.get("/api/v2/search", params={"q": "alice"})

    for response, status in ((missing, 400), (blank, 400), (resolving, 401), (paging, 401), (out_of_scope, 403)):
        assert response.status_code == status, response.text
        check("Error", response.json())
    # Mastodon searches no category for a type it does not know, and answers an empty result.
    assert unknown_type.status_code == 200 and unknown_type.json() == {"accounts": [], "statuses": [], "hashtags": []}
    assert junk_limit.status_code == 200 and junk_limit.json()["accounts"] == []
    assert old_path.status_code == 200 and accts(old_path.json()) == ["alice"]
    assert plain.status_code == 200 and accts(plain.json()) == ["alice"]


async def test_a_known_status_url_is_found_without_fetching(local_node):
    alice, token = await local_node.user("alice")
    bob, _ = await local_node.user("bob")
    public = await create_status(local_node.node, bob, "link me")
    private = await create_status(local_node.node, bob, "not for alice", visibility="private")
    async with local_node.client(token) as client:
        by_url = await search(client, q=public.url)
        by_uri = await search(client, q=public.uri, type="statuses", resolve="true")
        hidden = await search(client, q=private.uri, resolve="true")
        profile = await search(client, q="https://flurfunk.test/@bob")

    assert [s["id"] for s in by_url["statuses"]] == [str(public.id)]
    assert [s["id"] for s in by_uri["statuses"]] == [str(public.id)]
    assert hidden == {"accounts": [], "statuses": [], "hashtags": []}
    assert accts(profile) == ["bob"]


def test_resolve_finds_a_person_and_a_post_on_another_node(start_node):
    eng, sales = start_node(), start_node()
    alice_token = eng.add_user("alice")
    bob_token = sales.add_user("bob")
    with sales.client(bob_token) as bob:
        posted = bob.post("/api/v1/statuses", data={"status": "Numbers are in"})
    assert posted.status_code == 200, posted.text

    with eng.client(alice_token) as alice:
        unresolved = alice.get("/api/v2/search", params={"q": f"bob@{sales.domain}"})
        person = alice.get("/api/v2/search", params={"q": f"@bob@{sales.domain}", "resolve": "true"})
        post = alice.get("/api/v2/search", params={"q": posted.json()["uri"], "resolve": "true"})
        profile = alice.get("/api/v2/search", params={"q": f"{sales.url}/users/bob", "resolve": "true"})

    assert unresolved.json()["accounts"] == []
    assert person.status_code == 200, person.text
    check("Search", person.json())
    assert accts(person.json()) == [f"bob@{sales.domain}"]
    assert person.json()["accounts"][0]["url"].startswith(sales.url)
    check("Search", post.json())
    assert [s["content"] for s in post.json()["statuses"]] == [posted.json()["content"]]
    assert post.json()["statuses"][0]["account"]["acct"] == f"bob@{sales.domain}"
    assert accts(profile.json()) == [f"bob@{sales.domain}"]
