"""Three real nodes: who may see what. A private post never reaches anyone it was not addressed to."""

from __future__ import annotations

import time

from tests.federation.people import Person
from tests.nodes import wait_for


def test_followers_only_and_direct_posts_reach_only_their_addressees(start_node):
    eng, sales, hr = start_node(), start_node(), start_node()
    alice, bob, carol = Person.on(eng, "alice"), Person.on(sales, "bob"), Person.on(hr, "carol")
    bob.follow(alice)
    bob.wait_following(alice)
    carol.account_id(alice)  # carol's node knows alice, but carol does not follow her

    private = alice.toot("Team offsite is on Friday", visibility="private")
    direct = alice.toot(f"@{carol.handle} your badge is ready", visibility="direct")
    public = alice.toot("Canteen is open", visibility="public")

    bob.wait_in_home(private["uri"])
    carol.wait_notification("mention", lambda n: n["status"]["uri"] == direct["uri"])
    assert wait_for(lambda: bob.local_status(public["uri"]), what="the public post on sales")

    # Give any stray delivery time to land before asserting it never did.
    time.sleep(1.5)
    assert carol.local_status(private["uri"]) is None
    assert bob.local_status(direct["uri"]) is None
    assert all(s["uri"] != private["uri"] for s in carol.home())
    bob_view = bob.local_status(private["uri"])
    assert bob_view["visibility"] == "private"


def test_replies_across_three_nodes_build_one_thread(start_node):
    eng, sales, hr = start_node(), start_node(), start_node()
    alice, bob, carol = Person.on(eng, "alice"), Person.on(sales, "bob"), Person.on(hr, "carol")
    for follower in (bob, carol):
        follower.follow(alice)
        follower.wait_following(alice)
    carol.follow(bob)
    carol.wait_following(bob)

    question = alice.toot("Who knows the new expense tool?")
    on_sales = bob.wait_in_home(question["uri"])
    answer = bob.toot(f"@{alice.handle} I do!", in_reply_to_id=on_sales["id"])
    alice.wait_notification("mention", lambda n: n["status"]["uri"] == answer["uri"])
    wait_for(
        lambda: (
            [s["uri"] for s in alice.get(f"/api/v1/statuses/{question['id']}/context")["descendants"]]
            == [answer["uri"]]
        ),
        what="the answer in alice's thread",
    )
    on_hr = carol.wait_in_home(answer["uri"])
    ancestors = carol.get(f"/api/v1/statuses/{on_hr['id']}/context")["ancestors"]
    assert [s["uri"] for s in ancestors] == [question["uri"]]


def test_allowlist_keeps_strangers_out(start_node):
    allowed = start_node()
    stranger_node = start_node()
    guarded = start_node(FEDI_FEDERATION="allowlist", FEDI_ALLOWED_DOMAINS=allowed.domain)
    alice = Person.on(guarded, "alice")
    friend, stranger = Person.on(allowed, "friend"), Person.on(stranger_node, "stranger")

    friend.follow(alice)
    friend.wait_following(alice)

    # The guarded node refuses to look the stranger up, and refuses the stranger's follow.
    lookup = alice.request("GET", f"/api/v1/accounts/lookup?acct={stranger.handle}")
    assert lookup.status_code == 404
    stranger.follow(alice)
    time.sleep(2)
    assert not stranger.relationship(alice)["following"]
    assert (
        alice.get(f"/api/v1/accounts/{alice.get('/api/v1/accounts/verify_credentials')['id']}")["followers_count"] == 1
    )
