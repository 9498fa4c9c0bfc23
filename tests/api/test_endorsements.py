"""Featuring accounts on one's profile (Mastodon's endorsements): only of someone followed, listed
newest first for oneself and for anyone who looks, shown in the Relationship, gone with the follow."""

from __future__ import annotations

from mastodon import Mastodon
from mastodon_shapes import check

from oauth.tokens import cli_application, issue_token


async def test_featuring_people_one_follows_lists_them_on_the_profile(local_node):
    alice, alice_token = await local_node.user("alice")
    bob, _ = await local_node.user("bob")
    carol, _ = await local_node.user("carol")
    dave, _ = await local_node.user("dave")
    async with local_node.client(alice_token) as client, local_node.client() as anonymous:
        for someone in (bob, carol):
            assert (await client.post(f"/api/v1/accounts/{someone.id}/follow")).status_code == 200
        endorsed = await client.post(f"/api/v1/accounts/{bob.id}/endorse")
        pinned = await client.post(f"/api/v1/accounts/{carol.id}/pin")  # the name before Mastodon 4.4
        again = await client.post(f"/api/v1/accounts/{carol.id}/endorse")
        not_followed = await client.post(f"/api/v1/accounts/{dave.id}/endorse")
        missing = await client.post("/api/v1/accounts/12345/endorse")
        own = await client.get("/api/v1/endorsements")
        first_page = await client.get("/api/v1/endorsements", params={"limit": 1})
        public = await anonymous.get(f"/api/v1/accounts/{alice.id}/endorsements")
        relations = (await client.get("/api/v1/accounts/relationships", params={"id[]": [bob.id, dave.id]})).json()

    assert endorsed.status_code == 200 and pinned.status_code == 200 and again.status_code == 200
    check("Relationship", endorsed.json())
    assert endorsed.json()["endorsed"] is True and pinned.json()["endorsed"] is True
    assert not_followed.status_code == 422
    assert not_followed.json() == {
        "error": "Validation failed: You must be already following the person you want to endorse"
    }
    assert missing.status_code == 404
    for account in own.json():
        check("Account", account)
    assert [a["id"] for a in own.json()] == [str(carol.id), str(bob.id)]  # newest first, once each
    assert [a["id"] for a in public.json()] == [str(carol.id), str(bob.id)]
    assert [a["id"] for a in first_page.json()] == [str(carol.id)]
    assert 'rel="next"' in first_page.headers["link"]
    assert [(r["id"], r["endorsed"]) for r in relations] == [(str(bob.id), True), (str(dave.id), False)]


async def test_unfeaturing_or_unfollowing_takes_the_endorsement_back(local_node):
    alice, alice_token = await local_node.user("alice")
    bob, _ = await local_node.user("bob")
    carol, _ = await local_node.user("carol")
    async with local_node.client(alice_token) as client:
        for someone in (bob, carol):
            await client.post(f"/api/v1/accounts/{someone.id}/follow")
            await client.post(f"/api/v1/accounts/{someone.id}/endorse")
        unendorsed = await client.post(f"/api/v1/accounts/{bob.id}/unendorse")
        unpinned_again = await client.post(f"/api/v1/accounts/{bob.id}/unpin")
        unfollowed = await client.post(f"/api/v1/accounts/{carol.id}/unfollow")
        listed = (await client.get("/api/v1/endorsements")).json()
        refollowed = await client.post(f"/api/v1/accounts/{carol.id}/follow")
        listed_after = (await client.get(f"/api/v1/accounts/{alice.id}/endorsements")).json()
    assert unendorsed.json()["endorsed"] is False and unpinned_again.status_code == 200
    assert unfollowed.json()["endorsed"] is False
    assert listed == []
    # The endorsement went with the follow: following again does not bring it back.
    assert refollowed.json()["following"] is True and refollowed.json()["endorsed"] is False
    assert listed_after == []


async def test_endorsing_needs_the_write_accounts_scope(local_node):
    bob, _ = await local_node.user("bob")
    reader, _ = await local_node.user("reader")
    read_only = (await issue_token(reader, await cli_application(), "read")).token
    async with local_node.client(read_only) as client:
        refused = await client.post(f"/api/v1/accounts/{bob.id}/endorse")
    assert refused.status_code == 403


def test_mastodon_py_endorses_and_lists(start_node):
    node = start_node()
    for name in ("alice", "bob"):
        node.cli("user", "add", name, "--password", "correct horse battery")
    api = Mastodon(access_token=node.cli("token", "alice").strip(), api_base_url=node.url)
    bob = api.account_lookup("bob")
    api.account_follow(bob)
    assert api.account_pin(bob)["endorsed"] is True
    assert [a["acct"] for a in api.endorsements()] == ["bob"]
    newer = Mastodon(access_token=node.cli("token", "alice").strip(), api_base_url=node.url, version_check_mode="none")
    assert newer.account_unendorse(bob)["endorsed"] is False
    assert api.endorsements() == []
