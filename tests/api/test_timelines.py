"""Home, public and hashtag timelines, favourites and bookmarks: who sees what, and Mastodon's paging."""

from __future__ import annotations

from mastodon_shapes import check

from models.accounts import Account
from models.interactions import Bookmark, Favourite
from models.relationships import Mute
from models.statuses import MediaAttachment, Status, StatusTag, Tag
from oauth.tokens import cli_application, issue_token
from outbox.follows import follow
from outbox.interactions import favourite
from outbox.statuses import create_status


async def get_page(client, url: str, **params) -> tuple[list[dict], object]:
    # httpx would drop a query already in `url` (as in a Link header) if handed empty params.
    response = await client.get(url, params=params) if params else await client.get(url)
    assert response.status_code == 200, response.text
    for status in response.json():
        check("Status", status)
    return response.json(), response


def texts(statuses: list[dict]) -> list[str]:
    """The plain words of each status, newest first as returned."""
    return [s["content"].removeprefix("<p>").removesuffix("</p>") for s in statuses]


async def remote_account(name: str = "rita", domain: str = "remote.example") -> Account:
    account = Account(username=name, domain=domain, uri=f"https://{domain}/users/{name}", inbox_url="x")
    await account.save()
    return account


async def remote_post(author: Account, text: str, visibility: str = "public") -> Status:
    status = Status(
        uri=f"{author.uri}/statuses/{text}", account=author, content=f"<p>{text}</p>", visibility=visibility
    )
    await status.save()
    return status


async def scoped_token(account: Account, scopes: str) -> str:
    return (await issue_token(account, await cli_application(), scopes)).token


async def test_home_shows_own_and_followed_posts_but_not_strangers_or_their_private_posts(local_node):
    node = local_node.node
    alice, token = await local_node.user("alice")
    bob, _ = await local_node.user("bob")
    carol, _ = await local_node.user("carol")
    await follow(node, alice, bob)
    await create_status(node, bob, "bob public")
    await create_status(node, bob, "bob private", visibility="private")
    await create_status(node, carol, "carol public")
    await create_status(node, carol, "carol private", visibility="private")
    await create_status(node, alice, "alice own")

    async with local_node.client(token) as client:
        statuses, response = await get_page(client, "/api/v1/timelines/home")

    assert texts(statuses) == ["alice own", "bob private", "bob public"]
    assert statuses[0]["account"]["acct"] == "alice"
    assert set(response.links) == {"next", "prev"}
    assert response.links["next"]["url"].startswith("https://flurfunk.test/api/v1/timelines/home?")


async def test_home_leaves_out_the_boosts_of_those_followed_without_reblogs(local_node):
    node = local_node.node
    alice, alice_token = await local_node.user("alice")
    dora, dora_token = await local_node.user("dora")
    bob, bob_token = await local_node.user("bob")
    carol, _ = await local_node.user("carol")
    await follow(node, alice, bob, False, False)  # as POST /follow with reblogs=false
    await follow(node, dora, bob)
    carols = await create_status(node, carol, "carol public")
    async with local_node.client(bob_token) as client:
        assert (await client.post(f"/api/v1/statuses/{carols.id}/reblog")).status_code == 200
    await create_status(node, bob, "bob own")

    async with local_node.client(alice_token) as client:
        alice_sees, _ = await get_page(client, "/api/v1/timelines/home")
    async with local_node.client(dora_token) as client:
        dora_sees, _ = await get_page(client, "/api/v1/timelines/home")

    assert texts(alice_sees) == ["bob own"]
    assert [s["reblog"]["content"] if s["reblog"] else s["content"] for s in dora_sees] == [
        "<p>bob own</p>",
        "<p>carol public</p>",
    ]


async def test_home_needs_a_token_with_read_statuses(local_node):
    alice, _ = await local_node.user("alice")
    narrow = await scoped_token(alice, "read:notifications")
    async with local_node.client() as anonymous:
        unauthenticated = await anonymous.get("/api/v1/timelines/home")
    async with local_node.client(narrow) as client:
        forbidden = await client.get("/api/v1/timelines/home")
        favourites = await client.get("/api/v1/favourites")

    assert unauthenticated.status_code == 401
    check("Error", unauthenticated.json())
    assert forbidden.status_code == 403 and favourites.status_code == 403
    check("Error", forbidden.json())


async def test_paging_by_next_links_sees_every_status_once_newest_first(local_node):
    alice, token = await local_node.user("alice")
    posted = [(await create_status(local_node.node, alice, f"post {n}")).id for n in range(5)]

    seen: list[int] = []
    url = "/api/v1/timelines/home?limit=2"
    async with local_node.client(token) as client:
        for _ in range(10):
            statuses, response = await get_page(client, url)
            if not statuses:
                assert "link" not in response.headers
                break
            assert len(statuses) <= 2
            seen += [int(s["id"]) for s in statuses]
            assert "limit=2" in response.links["next"]["url"]
            url = response.links["next"]["url"]
        else:
            raise AssertionError("paging never ended")

    assert seen == sorted(posted, reverse=True)


async def test_min_id_gives_the_next_newer_statuses_and_since_id_the_newest(local_node):
    alice, token = await local_node.user("alice")
    ids = [(await create_status(local_node.node, alice, f"post {n}")).id for n in range(5)]

    async with local_node.client(token) as client:
        newer, response = await get_page(client, "/api/v1/timelines/public", min_id=str(ids[0]), limit="2")
        newest, _ = await get_page(client, "/api/v1/timelines/public", since_id=str(ids[0]), limit="2")
        between, _ = await get_page(client, "/api/v1/timelines/public", min_id=str(ids[0]), max_id=str(ids[3]))
        back, _ = await get_page(client, response.links["prev"]["url"])

    assert [int(s["id"]) for s in newer] == [ids[2], ids[1]]
    assert f"max_id={ids[1]}" in response.links["next"]["url"]
    assert f"min_id={ids[2]}" in response.links["prev"]["url"]
    assert [int(s["id"]) for s in newest] == [ids[4], ids[3]]
    assert [int(s["id"]) for s in between] == [ids[2], ids[1]]
    assert [int(s["id"]) for s in back] == [ids[4], ids[3]]


async def test_limit_is_read_like_mastodon_does_not_fail_on_junk(local_node):
    alice, token = await local_node.user("alice")
    for n in range(3):
        await create_status(local_node.node, alice, f"post {n}")
    async with local_node.client(token) as client:
        junk, junk_response = await get_page(client, "/api/v1/timelines/home", limit="abc")
        negative, _ = await get_page(client, "/api/v1/timelines/home", limit="-2")
        bad_ids, _ = await get_page(client, "/api/v1/timelines/home", max_id="xyz")
        empty_limit, _ = await get_page(client, "/api/v1/timelines/home", limit="")
        default, _ = await get_page(client, "/api/v1/timelines/home")

    # Rails: "abc".to_i == 0, so Mastodon answers an empty page; "-2" reads as 2.
    assert junk == [] and "link" not in junk_response.headers
    assert len(negative) == 2
    assert len(bad_ids) == 3  # an id that is no number bounds nothing
    assert empty_limit == []
    assert len(default) == 3


async def test_public_timeline_shows_public_posts_local_or_remote_to_anyone(local_node):
    node = local_node.node
    alice, token = await local_node.user("alice")
    rita = await remote_account()
    await create_status(node, alice, "alice public")
    await create_status(node, alice, "alice unlisted", visibility="unlisted")
    await create_status(node, alice, "alice private", visibility="private")
    await remote_post(rita, "rita public")
    await remote_post(rita, "rita followers", visibility="private")

    async with local_node.client() as anonymous:
        everything, _ = await get_page(anonymous, "/api/v1/timelines/public")
        local, _ = await get_page(anonymous, "/api/v1/timelines/public", local="true")
        remote, _ = await get_page(anonymous, "/api/v1/timelines/public", remote="1")
        not_local, _ = await get_page(anonymous, "/api/v1/timelines/public", local="false")

    assert texts(everything) == ["rita public", "alice public"]
    assert texts(local) == ["alice public"]
    assert texts(remote) == ["rita public"]
    assert texts(not_local) == texts(everything)
    assert "favourited" not in everything[0]


async def test_public_timeline_leaves_out_replies_to_others_boosts_muted_and_media_less_posts_on_request(local_node):
    node = local_node.node
    alice, token = await local_node.user("alice")
    bob, _ = await local_node.user("bob")
    muted, _ = await local_node.user("mallory")
    first = await create_status(node, bob, "thread start")
    await create_status(node, bob, "thread continued", in_reply_to=first)
    await create_status(node, alice, "a reply to bob", in_reply_to=first)
    await create_status(node, muted, "noise")
    with_media = await create_status(node, alice, "a picture")
    await MediaAttachment.create(account=alice, status=with_media, file="a.png")
    await Mute.create(account=alice, target_account=muted)

    async with local_node.client(token) as client:
        statuses, _ = await get_page(client, "/api/v1/timelines/public")
        media, _ = await get_page(client, "/api/v1/timelines/public", only_media="true")

    assert texts(statuses) == ["a picture", "thread continued", "thread start"]
    assert texts(media) == ["a picture"]
    assert media[0]["media_attachments"][0]["url"].endswith("/media/a.png")


async def test_tag_timeline_with_any_all_and_none(local_node):
    node = local_node.node
    alice, token = await local_node.user("alice")
    rita = await remote_account()
    await create_status(node, alice, "only #cats")
    await create_status(node, alice, "#Cats and #dogs")
    await create_status(node, alice, "only #dogs")
    await create_status(node, alice, "#cats #birds")
    await create_status(node, alice, "hidden #cats", visibility="unlisted")
    remote = await remote_post(rita, "remote cats")
    tag, _ = await Tag.get_or_create(name="cats")
    await StatusTag.create(status=remote, tag=tag)

    async def timeline(client, name: str, **params) -> list[str]:
        statuses, _ = await get_page(client, f"/api/v1/timelines/tag/{name}", **params)
        return [s["content"] for s in statuses]

    async with local_node.client(token) as client:
        cats = await timeline(client, "CATS")
        local_cats = await timeline(client, "cats", local="true")
        remote_cats = await timeline(client, "cats", remote="true")
        cats_or_dogs = await timeline(client, "cats", **{"any[]": "dogs"})
        cats_and_dogs = await timeline(client, "cats", **{"all[]": "dogs"})
        cats_not_dogs_or_birds = await timeline(client, "cats", **{"none[]": ["dogs", "birds"]})
        unknown = await timeline(client, "nothinghere")

    assert len(cats) == 4 and not any("hidden" in c for c in cats)
    assert len(local_cats) == 3 and "<p>remote cats</p>" not in local_cats
    assert remote_cats == ["<p>remote cats</p>"]
    assert len(cats_or_dogs) == 5 and any(">dogs<" in c and "cats" not in c.lower() for c in cats_or_dogs)
    assert len(cats_and_dogs) == 1 and "dogs" in cats_and_dogs[0]
    assert len(cats_not_dogs_or_birds) == 2
    assert all("dogs" not in c and "birds" not in c for c in cats_not_dogs_or_birds)
    assert unknown == []


async def test_favourites_are_paged_by_the_favourite_not_the_status(local_node):
    node = local_node.node
    alice, token = await local_node.user("alice")
    bob, _ = await local_node.user("bob")
    posts = [await create_status(node, bob, f"bob {n}") for n in range(3)]
    for index in (1, 0, 2):  # favourited in another order than posted
        await favourite(node, alice, posts[index])
    rows = {row.status_id: row.id for row in await Favourite.filter(account_id=alice.id)}

    async with local_node.client(token) as client:
        first, response = await get_page(client, "/api/v1/favourites", limit="2")
        second, last = await get_page(client, response.links["next"]["url"])
        everything, full = await get_page(client, "/api/v1/favourites")

    assert texts(first) == ["bob 2", "bob 0"]
    assert all(s["favourited"] is True for s in first)
    assert f"max_id={rows[posts[0].id]}" in response.links["next"]["url"]
    assert f"min_id={rows[posts[2].id]}" in response.links["prev"]["url"]
    assert texts(second) == ["bob 1"]
    # As Mastodon: a page shorter than the limit has no `next`, only `prev`.
    assert set(last.links) == {"prev"}
    assert texts(everything) == ["bob 2", "bob 0", "bob 1"] and set(full.links) == {"prev"}


async def test_bookmarks_list_needs_read_bookmarks_and_pages_by_bookmark(local_node):
    node = local_node.node
    alice, token = await local_node.user("alice")
    posts = [await create_status(node, alice, f"note {n}") for n in range(2)]
    await Bookmark.create(account=alice, status=posts[1])
    await Bookmark.create(account=alice, status=posts[0])
    favourites_only = await scoped_token(alice, "read:favourites")

    async with local_node.client(token) as client:
        statuses, response = await get_page(client, "/api/v1/bookmarks")
    async with local_node.client(favourites_only) as client:
        refused = await client.get("/api/v1/bookmarks")

    assert texts(statuses) == ["note 0", "note 1"]
    assert all(s["bookmarked"] is True for s in statuses)
    newest_bookmark = await Bookmark.get(account_id=alice.id, status_id=posts[0].id)
    assert f"min_id={newest_bookmark.id}" in response.links["prev"]["url"]
    assert refused.status_code == 403
