"""Timelines reuse rendered statuses, and never show one staler than a fresh rendering would.

Every entity of a timeline page must equal what GET /api/v1/statuses/:id (which renders afresh)
answers the same viewer, before and after the changes that show in a status: counts, edits,
poll votes, profile changes, the viewer's own marks, and filters.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

import httpx
from mastodon_shapes import check

from models.accounts import Account
from models.db import database
from models.reads import backend


async def home(client) -> list[dict]:
    response = await client.get("/api/v1/timelines/home", params={"limit": 40})
    assert response.status_code == 200, response.text
    for status in response.json():
        check("Status", status)
    return response.json()


async def assert_home_is_fresh(client) -> list[dict]:
    """Each status on the page as GET /statuses/:id renders it for the same viewer (boosts included)."""
    page = await home(client)
    assert page, "the home page is empty"
    for entity in page:
        fresh = await client.get(f"/api/v1/statuses/{entity['id']}")
        assert fresh.status_code == 200
        assert entity == fresh.json()
    return page


def by_text(page: list[dict], text: str) -> dict:
    for entity in page:
        shown = entity["reblog"] or entity
        if text in shown["content"]:
            return shown
    raise AssertionError(f"no status with {text!r} on the page")


async def post(client, **body) -> dict:
    response = await client.post("/api/v1/statuses", json=body)
    assert response.status_code == 200, response.text
    return response.json()


@asynccontextmanager
async def people(local_node, *names: str) -> AsyncIterator[list[tuple[Account, httpx.AsyncClient]]]:
    """Local accounts by these names, each with a client holding its token."""
    async with AsyncExitStack() as stack:
        found = []
        for name in names:
            account, token = await local_node.user(name)
            found.append((account, await stack.enter_async_context(local_node.client(token))))
        yield found


async def test_the_home_page_stays_as_fresh_as_a_new_rendering(local_node):
    async with people(local_node, "alice", "bob", "carol") as ((alice, as_alice), (bob, as_bob), (carol, as_carol)):
        assert (await as_alice.post(f"/api/v1/accounts/{bob.id}/follow")).status_code == 200
        poll_post = await post(
            as_bob, status="Lunch? #food @carol", poll={"options": ["pizza", "salad"], "expires_in": 3600}
        )
        plain = await post(as_bob, status="The release is out")
        carols = await post(as_carol, status="Carol news")
        assert (await as_bob.post(f"/api/v1/statuses/{carols['id']}/reblog")).status_code == 200
        own = await post(as_alice, status="Alice own words")

        first = await assert_home_is_fresh(as_alice)
        assert await assert_home_is_fresh(as_alice) == first  # the second read comes from the cache
        assert by_text(first, "Lunch")["tags"][0]["name"] == "food"
        assert by_text(first, "Lunch")["mentions"][0]["username"] == "carol"
        assert by_text(first, "Carol news")["account"]["username"] == "carol"

        # What the viewer does: marks on statuses, a boosted status included.
        for action in ("favourite", "bookmark", "mute"):
            assert (await as_alice.post(f"/api/v1/statuses/{plain['id']}/{action}")).status_code == 200
        assert (await as_alice.post(f"/api/v1/statuses/{carols['id']}/favourite")).status_code == 200
        assert (await as_alice.post(f"/api/v1/statuses/{own['id']}/pin")).status_code == 200
        assert (await as_alice.post(f"/api/v1/statuses/{carols['id']}/reblog")).status_code == 200
        page = await assert_home_is_fresh(as_alice)
        shown = by_text(page, "release")
        assert shown["favourited"] and shown["bookmarked"] and shown["muted"] and not shown["reblogged"]
        assert by_text(page, "Carol news")["favourited"] and by_text(page, "Carol news")["reblogged"]
        assert by_text(page, "Alice own")["pinned"]

        # What others do: counts, an edit, a vote, a new display name.
        assert (await as_carol.post(f"/api/v1/statuses/{plain['id']}/favourite")).status_code == 200
        edited = await as_bob.put(f"/api/v1/statuses/{plain['id']}", json={"status": "The release is out, v2"})
        assert edited.status_code == 200
        vote = await as_carol.post(f"/api/v1/polls/{poll_post['poll']['id']}/votes", json={"choices": [1]})
        assert vote.status_code == 200
        profile = await as_carol.patch("/api/v1/accounts/update_credentials", json={"display_name": "Carol C."})
        assert profile.status_code == 200
        page = await assert_home_is_fresh(as_alice)
        shown = by_text(page, "release")
        assert shown["favourites_count"] == 2 and "v2" in shown["content"] and shown["edited_at"]
        assert by_text(page, "Lunch")["poll"]["votes_count"] == 1
        assert by_text(page, "Carol news")["account"]["display_name"] == "Carol C."

        # A boosted poll is the viewer's own to vote on: the boost carries their vote.
        offsite = await post(as_carol, status="Offsite where?", poll={"options": ["lake", "hills"], "expires_in": 3600})
        assert (await as_bob.post(f"/api/v1/statuses/{offsite['id']}/reblog")).status_code == 200
        await assert_home_is_fresh(as_alice)  # kept before the vote
        voted = await as_alice.post(f"/api/v1/polls/{offsite['poll']['id']}/votes", json={"choices": [0]})
        assert voted.status_code == 200
        boosted_poll = by_text(await assert_home_is_fresh(as_alice), "Offsite")["poll"]
        assert boosted_poll["voted"] and boosted_poll["own_votes"] == [0] and boosted_poll["votes_count"] == 1

        # Undone marks show too.
        assert (await as_alice.post(f"/api/v1/statuses/{plain['id']}/unfavourite")).status_code == 200
        assert not by_text(await assert_home_is_fresh(as_alice), "release")["favourited"]

        # A viewer with filters gets them applied (the full rendering path).
        made = await as_alice.post(
            "/api/v2/filters",
            json={
                "title": "No lunch",
                "context": ["home"],
                "filter_action": "hide",
                "keywords_attributes": [{"keyword": "lunch"}],
            },
        )
        assert made.status_code == 200, made.text
        page = await home(as_alice)
        assert all("Lunch" not in (e["reblog"] or e)["content"] for e in page)
        assert any("release" in (e["reblog"] or e)["content"] for e in page)

        # A deleted status leaves the page.
        assert (await as_bob.delete(f"/api/v1/statuses/{plain['id']}")).status_code == 200
        assert all("release" not in (e["reblog"] or e)["content"] for e in await home(as_alice))


async def test_public_tag_and_list_timelines_match_a_fresh_rendering_too(local_node):
    alice, alice_token = await local_node.user("alice")
    bob, bob_token = await local_node.user("bob")
    async with local_node.client(alice_token) as as_alice, local_node.client(bob_token) as as_bob:
        assert (await as_alice.post(f"/api/v1/accounts/{bob.id}/follow")).status_code == 200
        made = await as_alice.post("/api/v1/lists", json={"title": "Team"})
        assert (
            await as_alice.post(f"/api/v1/lists/{made.json()['id']}/accounts", json={"account_ids": [str(bob.id)]})
        ).status_code == 200
        tagged = await post(as_bob, status="Shipping today #release")
        await post(as_bob, status="Coffee anyone?")
        assert (await as_alice.post(f"/api/v1/statuses/{tagged['id']}/favourite")).status_code == 200
        timelines = [
            "/api/v1/timelines/public",
            "/api/v1/timelines/tag/release",
            f"/api/v1/timelines/list/{made.json()['id']}",
        ]
        for _ in range(2):  # rendered, then from what was kept
            for url in timelines:
                page = (await as_alice.get(url)).json()
                assert page, url
                for entity in page:
                    assert entity == (await as_alice.get(f"/api/v1/statuses/{entity['id']}")).json()
            anonymous = (await local_node.client().get("/api/v1/timelines/public")).json()
            assert anonymous and "favourited" not in anonymous[0]
        assert [e for e in (await as_alice.get("/api/v1/timelines/tag/release")).json() if e["favourited"]]
        # A count changed by someone else shows at once.
        assert (await as_bob.post(f"/api/v1/statuses/{tagged['id']}/favourite")).status_code == 200
        page = (await as_alice.get("/api/v1/timelines/tag/release")).json()
        assert page[0]["favourites_count"] == 2


async def test_notifications_carry_statuses_as_fresh_as_a_new_rendering(local_node):
    alice, alice_token = await local_node.user("alice")
    bob, bob_token = await local_node.user("bob")
    async with local_node.client(alice_token) as as_alice, local_node.client(bob_token) as as_bob:
        own = await post(as_alice, status="Quarterly numbers are in")
        assert (await as_bob.post(f"/api/v1/statuses/{own['id']}/favourite")).status_code == 200
        await post(as_bob, status="@alice thanks for the numbers")

        async def fresh_notifications() -> list[dict]:
            response = await as_alice.get("/api/v1/notifications")
            assert response.status_code == 200
            for notification in response.json():
                check("Notification", notification)
                status = notification["status"]
                assert status == (await as_alice.get(f"/api/v1/statuses/{status['id']}")).json()
            return response.json()

        assert {n["type"] for n in await fresh_notifications()} == {"favourite", "mention"}
        assert (await as_alice.post(f"/api/v1/statuses/{own['id']}/bookmark")).status_code == 200
        edited = await as_alice.put(f"/api/v1/statuses/{own['id']}", json={"status": "Quarterly numbers, revised"})
        assert edited.status_code == 200
        (favourite,) = [n for n in await fresh_notifications() if n["type"] == "favourite"]
        assert favourite["status"]["bookmarked"] and "revised" in favourite["status"]["content"]


async def test_changes_written_past_the_app_show_on_the_next_page(local_node):
    """Another process of the node, or an operator's SQL, changes rows the page keeps: the next
    page shows it. On SQLite kept entities are judged by the render versions changed since the
    last page (api/serializers/render_changes.py); on PostgreSQL each page reads its keys."""
    async with people(local_node, "alice", "bob", "carol") as ((alice, as_alice), (bob, as_bob), (carol, as_carol)):
        assert (await as_alice.post(f"/api/v1/accounts/{bob.id}/follow")).status_code == 200
        carols = await post(as_carol, status="Carol quarterly figures")
        boost = (await as_bob.post(f"/api/v1/statuses/{carols['id']}/reblog")).json()
        plain = await post(as_bob, status="Bob plain words")
        cache = local_node.app.state.rendered_statuses
        first = await assert_home_is_fresh(as_alice)
        assert {entity["id"] for entity in first} == {boost["id"], plain["id"]}
        assert int(plain["id"]) in cache.fresh([int(plain["id"])])[0] or backend() == "postgres"

        db = database()
        await db.execute_script(f"UPDATE statuses SET favourites_count = 7 WHERE id = {int(plain['id'])}")
        await db.execute_script(f"UPDATE accounts SET display_name = 'Carol C.' WHERE id = {carol.id}")
        page = await assert_home_is_fresh(as_alice)
        assert by_text(page, "Bob plain")["favourites_count"] == 7
        assert by_text(page, "Carol quarterly")["account"]["display_name"] == "Carol C."
        assert cache.changes.catch_up() is (backend() == "sqlite")
        # Unchanged since, the page is what it was, from what was kept.
        assert await home(as_alice) == page
