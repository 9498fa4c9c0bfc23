"""Polls and direct messages between two real nodes: a vote cast on one node is counted on the poll
author's node, the new counts come back as an Update(Question), and a direct message opens a
conversation on the recipient's node."""

from __future__ import annotations

import pytest
from mastodon_shapes import check

from tests.federation.people import Person
from tests.nodes import wait_for


@pytest.fixture
def eng_and_sales(start_node):
    eng, sales = start_node(), start_node()
    return Person.on(eng, "alice"), Person.on(sales, "bob"), Person.on(eng, "carol")


def counts(poll: dict) -> list[int]:
    return [o["votes_count"] for o in poll["options"]]


def test_a_vote_from_another_node_counts_on_the_authors_node_and_the_counts_come_back(eng_and_sales):
    alice, bob, carol = eng_and_sales
    bob.follow(alice)
    bob.wait_following(alice)

    post = alice.toot("Release on Friday?", poll={"options": ["Yes", "No"], "expires_in": 3600})
    check("Poll", post["poll"])
    seen = bob.wait_in_home(post["uri"])
    check("Status", seen)
    assert seen["poll"] is not None and [o["title"] for o in seen["poll"]["options"]] == ["Yes", "No"]
    assert seen["poll"]["expires_at"][:19] == post["poll"]["expires_at"][:19]  # AS2 dates carry whole seconds

    voted = bob.post(f"/api/v1/polls/{seen['poll']['id']}/votes", choices=[1])
    assert voted["own_votes"] == [1] and counts(voted) == [0, 1]

    # Bob's vote reaches alice's node and is counted there, as a vote and not as a post.
    on_eng = wait_for(
        lambda: (p := alice.get(f"/api/v1/polls/{post['poll']['id']}"))["votes_count"] == 1 and p,
        what="bob's vote counted on eng",
    )
    assert counts(on_eng) == [0, 1] and on_eng["voters_count"] == 1
    assert all(s["account"]["acct"] != bob.handle for s in alice.get("/api/v1/timelines/public", local="false"))

    # A vote on eng changes the counts there; the Update(Question) brings them to sales.
    carol.post(f"/api/v1/polls/{post['poll']['id']}/votes", choices=[0])
    on_sales = wait_for(
        lambda: (p := bob.get(f"/api/v1/polls/{seen['poll']['id']}"))["votes_count"] == 2 and p,
        what="the new counts on sales",
    )
    assert counts(on_sales) == [1, 1] and on_sales["own_votes"] == [1]
    assert bob.get(f"/api/v1/statuses/{seen['id']}")["edited_at"] is None

    again = bob.request("POST", f"/api/v1/polls/{seen['poll']['id']}/votes", choices=[0])
    assert again.status_code == 422


def test_a_direct_message_opens_a_conversation_on_the_other_node(eng_and_sales):
    alice, bob, _ = eng_and_sales
    message = alice.toot(f"@{bob.handle} the numbers, between us", visibility="direct")

    def bobs_conversations() -> list[dict]:
        return bob.get("/api/v1/conversations")

    [conversation] = wait_for(bobs_conversations, what="a conversation for bob on sales")
    check("Conversation", conversation)
    assert conversation["unread"] is True
    assert [a["acct"] for a in conversation["accounts"]] == [alice.handle]
    assert conversation["last_status"]["uri"] == message["uri"]

    bob.toot(f"@{alice.handle} got it", visibility="direct", in_reply_to_id=conversation["last_status"]["id"])
    [alices] = wait_for(
        lambda: [c for c in alice.get("/api/v1/conversations") if c["unread"]],
        what="bob's answer in alice's conversation",
    )
    assert [a["acct"] for a in alices["accounts"]] == [bob.handle]
    assert len(alice.get("/api/v1/conversations")) == 1
