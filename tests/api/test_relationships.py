"""Following, follow requests, blocks, mutes and notes through the client API, locally and across two nodes."""

from __future__ import annotations

import re

from mastodon_shapes import check

from models.accounts import Account
from models.relationships import Follow
from tests.nodes import wait_for


async def relationship_with(client, account_id: int) -> dict:
    response = await client.get("/api/v1/accounts/relationships", params={"id[]": str(account_id)})
    assert response.status_code == 200
    [found] = response.json()
    check("Relationship", found)
    return found


async def test_following_a_locked_account_waits_for_approval_then_lists_the_follower(local_node):
    boss, boss_token = await local_node.user("boss")
    fan, fan_token = await local_node.user("fan")
    await Account.filter(id=boss.id).update(locked=True)
    async with local_node.client(fan_token) as fan_client, local_node.client(boss_token) as boss_client:
        followed = await fan_client.post(f"/api/v1/accounts/{boss.id}/follow", data={"reblogs": "false"})
        assert followed.status_code == 200
        check("Relationship", followed.json())
        assert followed.json()["requested"] is True and followed.json()["following"] is False
        assert followed.json()["showing_reblogs"] is False

        requests = await boss_client.get("/api/v1/follow_requests")
        assert [a["id"] for a in requests.json()] == [str(fan.id)]
        check("Account", requests.json()[0])
        assert "link" in requests.headers
        assert (await relationship_with(boss_client, fan.id))["requested_by"] is True

        authorized = await boss_client.post(f"/api/v1/follow_requests/{fan.id}/authorize")
        assert authorized.status_code == 200
        check("Relationship", authorized.json())
        assert authorized.json()["followed_by"] is True
        again = await boss_client.post(f"/api/v1/follow_requests/{fan.id}/authorize")
        assert again.status_code == 404

        followers = await boss_client.get(f"/api/v1/accounts/{boss.id}/followers")
        after = await relationship_with(fan_client, boss.id)
        assert (await boss_client.get("/api/v1/follow_requests")).json() == []
    assert [a["id"] for a in followers.json()] == [str(fan.id)]
    assert after["following"] is True and after["requested"] is False
    assert after["showing_reblogs"] is False  # the request's setting carried over into the follow


async def test_a_rejected_request_leaves_no_follow(local_node):
    boss, boss_token = await local_node.user("boss")
    fan, fan_token = await local_node.user("fan")
    await Account.filter(id=boss.id).update(locked=True)
    async with local_node.client(fan_token) as fan_client, local_node.client(boss_token) as boss_client:
        await fan_client.post(f"/api/v1/accounts/{boss.id}/follow")
        rejected = await boss_client.post(f"/api/v1/follow_requests/{fan.id}/reject")
        assert rejected.status_code == 200
        check("Relationship", rejected.json())
        assert rejected.json()["requested_by"] is False and rejected.json()["followed_by"] is False
        assert (await relationship_with(fan_client, boss.id))["requested"] is False


async def test_follow_options_unfollow_and_following_oneself(local_node):
    alice, token = await local_node.user("alice")
    bob, _ = await local_node.user("bob")
    async with local_node.client(token) as client:
        followed = await client.post(f"/api/v1/accounts/{bob.id}/follow", json={"notify": True})
        assert followed.json()["following"] is True and followed.json()["notifying"] is True
        # Leaving a parameter out keeps what was set before.
        refollowed = await client.post(f"/api/v1/accounts/{bob.id}/follow", data={"reblogs": "0"})
        assert refollowed.json()["notifying"] is True and refollowed.json()["showing_reblogs"] is False
        unfollowed = await client.post(f"/api/v1/accounts/{bob.id}/unfollow")
        myself = await client.post(f"/api/v1/accounts/{alice.id}/follow")
    check("Relationship", unfollowed.json())
    assert unfollowed.json()["following"] is False
    assert myself.status_code == 404  # Mastodon's FollowService: RecordNotFound for oneself
    assert await Account.get(id=bob.id).values_list("followers_count", flat=True) == 0


async def test_blocking_ends_follows_both_ways_and_stops_new_ones(local_node):
    alice, alice_token = await local_node.user("alice")
    bob, bob_token = await local_node.user("bob")
    async with local_node.client(alice_token) as alice_client, local_node.client(bob_token) as bob_client:
        await alice_client.post(f"/api/v1/accounts/{bob.id}/follow")
        await bob_client.post(f"/api/v1/accounts/{alice.id}/follow")
        blocked = await alice_client.post(f"/api/v1/accounts/{bob.id}/block")
        assert blocked.status_code == 200
        check("Relationship", blocked.json())
        assert blocked.json()["blocking"] is True
        assert blocked.json()["following"] is False and blocked.json()["followed_by"] is False
        assert not await Follow.exists(account_id=bob.id, target_account_id=alice.id)

        blocks = await alice_client.get("/api/v1/blocks")
        assert [a["id"] for a in blocks.json()] == [str(bob.id)]
        check("Account", blocks.json()[0])
        assert (await relationship_with(bob_client, alice.id))["blocked_by"] is True
        refused = await bob_client.post(f"/api/v1/accounts/{alice.id}/follow")
        assert refused.status_code == 403
        check("Error", refused.json())
        assert (await alice_client.post(f"/api/v1/accounts/{alice.id}/block")).status_code == 422

        unblocked = await alice_client.post(f"/api/v1/accounts/{bob.id}/unblock")
        assert unblocked.json()["blocking"] is False
        assert (await alice_client.get("/api/v1/blocks")).json() == []


async def test_a_mute_shows_in_relationships_and_the_mutes_list(local_node):
    alice, token = await local_node.user("alice")
    bob, _ = await local_node.user("bob")
    carol, _ = await local_node.user("carol")
    async with local_node.client(token) as client:
        muted = await client.post(f"/api/v1/accounts/{bob.id}/mute", data={"notifications": "false"})
        timed = await client.post(f"/api/v1/accounts/{carol.id}/mute", json={"duration": 3600})
        mutes = await client.get("/api/v1/mutes")
        both = await client.get(
            "/api/v1/accounts/relationships", params=[("id[]", str(carol.id)), ("id[]", str(bob.id))]
        )
        await client.post(f"/api/v1/accounts/{bob.id}/unmute")
        after = await relationship_with(client, bob.id)
    check("Relationship", muted.json())
    assert muted.json()["muting"] is True and muted.json()["muting_notifications"] is False
    assert timed.json()["muting_notifications"] is True and timed.json()["muting_expires_at"] is not None
    assert [a["id"] for a in mutes.json()] == [str(carol.id), str(bob.id)]
    for account in mutes.json():
        check("Account", account)
    assert mutes.json()[0]["mute_expires_at"] is not None
    assert [r["id"] for r in both.json()] == [str(carol.id), str(bob.id)]
    assert all(r["muting"] for r in both.json())
    assert after["muting"] is False


async def test_private_notes_and_suspended_accounts_in_relationships(local_node):
    _, token = await local_node.user("alice")
    bob, _ = await local_node.user("bob")
    gone, _ = await local_node.user("gone")
    await Account.filter(id=gone.id).update(suspended=True)
    async with local_node.client(token) as client:
        noted = await client.post(f"/api/v1/accounts/{bob.id}/note", data={"comment": "met at the summit"})
        without = await client.get("/api/v1/accounts/relationships", params=[("id[]", str(gone.id))])
        with_suspended = await client.get(
            "/api/v1/accounts/relationships", params=[("id[]", str(gone.id)), ("with_suspended", "true")]
        )
        cleared = await client.post(f"/api/v1/accounts/{bob.id}/note", json={"comment": ""})
    check("Relationship", noted.json())
    assert noted.json()["note"] == "met at the summit"
    assert without.json() == []
    assert [r["id"] for r in with_suspended.json()] == [str(gone.id)]
    assert cleared.json()["note"] == ""


async def test_removing_a_follower_and_familiar_followers(local_node):
    alice, alice_token = await local_node.user("alice")
    bob, bob_token = await local_node.user("bob")
    carol, carol_token = await local_node.user("carol")
    async with (
        local_node.client(alice_token) as alice_client,
        local_node.client(bob_token) as bob_client,
        local_node.client(carol_token) as carol_client,
    ):
        await alice_client.post(f"/api/v1/accounts/{bob.id}/follow")
        await bob_client.post(f"/api/v1/accounts/{carol.id}/follow")
        familiar = await alice_client.get(
            "/api/v1/accounts/familiar_followers", params=[("id[]", str(carol.id)), ("id[]", str(bob.id))]
        )
        removed = await bob_client.post(f"/api/v1/accounts/{alice.id}/remove_from_followers")
        followers = await carol_client.get(f"/api/v1/accounts/{bob.id}/followers")
        endorsements = await alice_client.get("/api/v1/endorsements")
        domain_blocks = await alice_client.get("/api/v1/domain_blocks")
    for entry in familiar.json():
        check("FamiliarFollowers", entry)
    assert [(e["id"], [a["id"] for a in e["accounts"]]) for e in familiar.json()] == [
        (str(carol.id), [str(bob.id)]),
        (str(bob.id), []),
    ]
    check("Relationship", removed.json())
    assert removed.json()["followed_by"] is False
    assert followers.json() == []
    assert endorsements.json() == [] and domain_blocks.json() == []


def test_following_an_account_on_another_node_through_webfinger(start_node):
    here, there = start_node(), start_node()
    alice_token = here.add_user("alice")
    bob_token = there.add_user("bob")
    with here.client(alice_token) as alice, there.client(bob_token) as bob:
        bob_id = bob.get("/api/v1/accounts/verify_credentials").json()["id"]
        found = alice.get("/api/v1/accounts/lookup", params={"acct": f"bob@{there.domain}"})
        assert found.status_code == 200, found.text
        remote = found.json()
        check("Account", remote)
        assert remote["acct"] == f"bob@{there.domain}"
        assert remote["uri"] == f"{there.url}/users/bob"

        followed = alice.post(f"/api/v1/accounts/{remote['id']}/follow")
        assert followed.status_code == 200
        check("Relationship", followed.json())
        assert followed.json()["requested"] or followed.json()["following"]

        def alice_listed() -> bool:
            accounts = bob.get(f"/api/v1/accounts/{bob_id}/followers").json()
            return any(re.fullmatch(rf"alice@{re.escape(here.domain)}", a["acct"]) for a in accounts)

        wait_for(alice_listed, what="alice among bob's followers on the other node")

        def accepted() -> bool:
            found = alice.get("/api/v1/accounts/relationships", params={"id[]": remote["id"]}).json()
            return bool(found) and found[0]["following"]

        wait_for(accepted, what="bob's node accepting the follow")
