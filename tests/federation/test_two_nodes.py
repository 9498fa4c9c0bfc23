"""Two real nodes on loopback: people follow, post, reply, mention, like, boost, edit and delete,
and every effect shows on the other node — through signed HTTP between separate processes."""

from __future__ import annotations

import httpx
import pytest

from tests.federation.people import Person
from tests.nodes import wait_for


@pytest.fixture
def eng_and_sales(start_node):
    eng, sales = start_node(), start_node()
    return Person.on(eng, "alice"), Person.on(sales, "bob")


def test_people_on_two_nodes_follow_each_other(eng_and_sales):
    alice, bob = eng_and_sales
    relationship = alice.follow(bob)
    assert relationship["following"] or relationship["requested"]
    alice.wait_following(bob)
    bob.follow(alice)
    bob.wait_following(alice)
    assert wait_for(lambda: alice.relationship(bob)["followed_by"], what="alice sees bob following her")
    bob_on_eng = alice.get(f"/api/v1/accounts/{alice.account_id(bob)}")
    assert bob_on_eng["acct"] == bob.handle
    assert bob_on_eng["url"].startswith(bob.node.url)


def test_a_post_reply_like_boost_edit_and_delete_all_reach_the_other_node(eng_and_sales):
    alice, bob = eng_and_sales
    alice.follow(bob)
    alice.wait_following(bob)
    bob.follow(alice)
    bob.wait_following(alice)

    # bob posts; alice sees it in her home timeline
    post = bob.toot("Quarterly numbers are in #sales")
    seen = alice.wait_in_home(post["uri"])
    assert "Quarterly numbers are in" in seen["content"]
    assert seen["account"]["acct"] == bob.handle
    assert [t["name"] for t in seen["tags"]] == ["sales"]

    # alice replies with a mention; bob is notified and sees the reply in the thread
    reply = alice.toot(f"@{bob.handle} congratulations!", in_reply_to_id=seen["id"])
    mention = bob.wait_notification("mention", lambda n: n["status"]["uri"] == reply["uri"])
    assert mention["account"]["acct"] == alice.handle
    assert mention["status"]["in_reply_to_id"] == post["id"]
    context = bob.get(f"/api/v1/statuses/{post['id']}/context")
    assert [s["uri"] for s in context["descendants"]] == [reply["uri"]]

    # alice likes and boosts it; bob is notified of both and the counts move on his node
    alice.post(f"/api/v1/statuses/{seen['id']}/favourite")
    alice.post(f"/api/v1/statuses/{seen['id']}/reblog")
    bob.wait_notification("favourite", lambda n: n["status"]["id"] == post["id"])
    bob.wait_notification("reblog", lambda n: n["status"]["id"] == post["id"])
    counts = bob.get(f"/api/v1/statuses/{post['id']}")
    assert counts["favourites_count"] == 1 and counts["reblogs_count"] == 1

    # bob edits; alice sees the new text and the edit time
    bob.request("PUT", f"/api/v1/statuses/{post['id']}", status="Quarterly numbers are in, and up! #sales")
    edited = wait_for(
        lambda: (s := alice.get(f"/api/v1/statuses/{seen['id']}"))["edited_at"] and s, what="the edit on eng"
    )
    assert "and up!" in edited["content"]

    # bob deletes; it is gone on alice's node too
    assert bob.request("DELETE", f"/api/v1/statuses/{post['id']}").status_code == 200
    wait_for(
        lambda: alice.request("GET", f"/api/v1/statuses/{seen['id']}").status_code == 404,
        what="the deleted post gone on eng",
    )
    assert all(s["uri"] != post["uri"] for s in alice.home())


def test_unfollow_and_block_reach_the_other_node(eng_and_sales):
    alice, bob = eng_and_sales
    alice.follow(bob)
    alice.wait_following(bob)
    bob_id_on_eng = alice.account_id(bob)
    alice_id_on_sales = bob.account_id(alice)
    wait_for(lambda: bob.relationship(alice)["followed_by"], what="bob sees alice as follower")

    alice.post(f"/api/v1/accounts/{bob_id_on_eng}/unfollow")
    wait_for(lambda: not bob.relationship(alice)["followed_by"], what="the unfollow on sales")

    bob.follow(alice)
    bob.wait_following(alice)
    alice.post(f"/api/v1/accounts/{bob_id_on_eng}/block")
    # A block ends the follow on the blocker's side, and the blocked node learns of it.
    wait_for(lambda: not bob.relationship(alice)["following"], what="the block ending bob's follow on sales")
    assert alice_id_on_sales


def test_a_forged_activity_is_refused_between_real_nodes(eng_and_sales):
    alice, bob = eng_and_sales
    # An unsigned Create claiming to be from alice, posted straight at bob's node.
    forged = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{alice.node.url}/users/alice/statuses/1/activity",
        "type": "Create",
        "actor": f"{alice.node.url}/users/alice",
        "object": {
            "id": f"{alice.node.url}/users/alice/statuses/1",
            "type": "Note",
            "attributedTo": f"{alice.node.url}/users/alice",
            "content": "I quit!",
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
        },
    }
    response = httpx.post(f"{bob.node.url}/inbox", json=forged, headers={"Content-Type": "application/activity+json"})
    assert response.status_code == 401
    assert bob.local_status(forged["object"]["id"]) is None


def test_pins_reach_followers_on_the_other_node_even_of_posts_it_never_saw(eng_and_sales):
    alice, bob = eng_and_sales
    older = bob.toot("Our team charter, from before anyone followed me")
    alice.follow(bob)
    alice.wait_following(bob)
    newer = bob.toot("This quarter's priorities")
    alice.wait_in_home(newer["uri"])
    bob_on_eng = alice.account_id(bob)

    def pinned_on_eng() -> set[str]:
        return {s["uri"] for s in alice.get(f"/api/v1/accounts/{bob_on_eng}/statuses", pinned="true")}

    bob.post(f"/api/v1/statuses/{older['id']}/pin")
    bob.post(f"/api/v1/statuses/{newer['id']}/pin")
    wait_for(lambda: pinned_on_eng() == {older["uri"], newer["uri"]}, what="both pins on alice's node")
    bob.post(f"/api/v1/statuses/{newer['id']}/unpin")
    wait_for(lambda: pinned_on_eng() == {older["uri"]}, what="the unpin on alice's node")
    # The older post was fetched for the pin; it takes its own time's place, not the top of alice's home.
    assert alice.get("/api/v1/timelines/home")[0]["uri"] == newer["uri"]


def test_posts_pinned_before_anyone_followed_show_once_the_follow_is_accepted(eng_and_sales):
    alice, bob = eng_and_sales
    charter = bob.toot("Our team charter")
    bob.toot("Lunch is at noon")
    bob.post(f"/api/v1/statuses/{charter['id']}/pin")
    alice.follow(bob)
    alice.wait_following(bob)
    bob_on_eng = alice.account_id(bob)

    pinned = wait_for(
        lambda: alice.get(f"/api/v1/accounts/{bob_on_eng}/statuses", pinned="true"),
        what="bob's pinned post read from his featured collection on alice's node",
    )
    assert [s["uri"] for s in pinned] == [charter["uri"]]
    assert pinned[0]["content"] == "<p>Our team charter</p>"
