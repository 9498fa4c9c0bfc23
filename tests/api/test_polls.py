"""Polls through the client API: posting one, voting by Mastodon's rules, the end of a poll, and
polls crossing the federation boundary (a remote Question in, a remote vote in, the Question out)."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from mastodon_shapes import check

from core.polls import notify_ended_polls
from federation.notes import store_note, update_note
from inbox.context import Received
from inbox.posts import on_create
from models.accounts import Account
from models.base import utcnow
from models.interactions import Notification
from models.polls import Poll, PollVote
from models.queues import OutgoingActivity
from models.statuses import MediaAttachment, Status, StatusEdit
from outbox.statuses import note_document


async def post_poll(client, **poll) -> dict:
    body = {"status": "Lunch?", "poll": {"options": ["Pizza", "Sushi", "Salad"], "expires_in": 3600, **poll}}
    response = await client.post("/api/v1/statuses", json=body)
    assert response.status_code == 200, response.text
    check("Status", response.json())
    check("Poll", response.json()["poll"])
    return response.json()


async def remote_account(name: str = "rita", domain: str = "remote.example") -> Account:
    account = Account(
        username=name,
        domain=domain,
        uri=f"https://{domain}/users/{name}",
        inbox_url=f"https://{domain}/users/{name}/inbox",
        followers_url=f"https://{domain}/users/{name}/followers",
    )
    await account.save()
    return account


async def test_a_poll_posted_as_a_form_is_part_of_the_status(local_node):
    alice, token = await local_node.user("alice")
    form = [
        ("status", "Which day for the offsite?"),
        ("poll[options][]", "Tuesday"),
        ("poll[options][]", "Thursday"),
        ("poll[expires_in]", "600"),
        ("poll[multiple]", "false"),
    ]
    async with local_node.client(token) as client:
        response = await client.post(
            "/api/v1/statuses", content=urlencode(form), headers={"Content-Type": "application/x-www-form-urlencoded"}
        )
    assert response.status_code == 200, response.text
    status = response.json()
    check("Status", status)
    poll = status["poll"]
    check("Poll", poll)
    assert [o["title"] for o in poll["options"]] == ["Tuesday", "Thursday"]
    assert [o["votes_count"] for o in poll["options"]] == [0, 0]
    assert poll["multiple"] is False and poll["expired"] is False
    assert poll["votes_count"] == 0 and poll["voters_count"] == 0
    # The author counts as having voted (Mastodon's Poll#voted?), with no choices of their own.
    assert poll["voted"] is True and poll["own_votes"] == []
    row = await Poll.get(id=int(poll["id"]))
    assert row.status_id == int(status["id"]) and row.account_id == alice.id
    assert timedelta(seconds=590) < row.expires_at - row.created_at < timedelta(seconds=610)


async def test_a_local_poll_federates_as_a_question_with_its_counts(local_node):
    _, token = await local_node.user("alice")
    _, bob_token = await local_node.user("bob")
    async with local_node.client(token) as client:
        status = await post_poll(client, multiple=True)
    async with local_node.client(bob_token) as client:
        voted = await client.post(f"/api/v1/polls/{status['poll']['id']}/votes", json={"choices": ["0", "2"]})
    assert voted.status_code == 200, voted.text

    document = await note_document(local_node.node, await Status.get(id=int(status["id"])))
    assert document["type"] == "Question"
    assert "oneOf" not in document
    assert document["anyOf"] == [
        {"type": "Note", "name": "Pizza", "replies": {"type": "Collection", "totalItems": 1}},
        {"type": "Note", "name": "Sushi", "replies": {"type": "Collection", "totalItems": 0}},
        {"type": "Note", "name": "Salad", "replies": {"type": "Collection", "totalItems": 1}},
    ]
    assert document["votersCount"] == 1
    assert document["endTime"].endswith("Z") and "closed" not in document


async def test_votes_count_and_show_as_own_votes(local_node):
    _, alice_token = await local_node.user("alice")
    bob, bob_token = await local_node.user("bob")
    _, carol_token = await local_node.user("carol")
    async with local_node.client(alice_token) as client:
        status = await post_poll(client)
    poll_id = status["poll"]["id"]

    async with local_node.client(bob_token) as client:
        response = await client.post(f"/api/v1/polls/{poll_id}/votes", data={"choices[]": "1"})
    assert response.status_code == 200, response.text
    check("Poll", response.json())
    assert response.json()["own_votes"] == [1] and response.json()["voted"] is True
    assert [o["votes_count"] for o in response.json()["options"]] == [0, 1, 0]
    assert response.json()["votes_count"] == 1 and response.json()["voters_count"] == 1

    async with local_node.client(carol_token) as client:
        seen = (await client.get(f"/api/v1/polls/{poll_id}")).json()
        in_status = (await client.get(f"/api/v1/statuses/{status['id']}")).json()["poll"]
    check("Poll", seen)
    assert seen["voted"] is False and seen["own_votes"] == []
    assert seen["votes_count"] == 1 and in_status == seen
    async with local_node.client() as anonymous:
        public = (await anonymous.get(f"/api/v1/polls/{poll_id}")).json()
    check("Poll", public)
    assert "voted" not in public and "own_votes" not in public
    assert await PollVote.filter(poll_id=int(poll_id), account_id=bob.id).values_list("choice", flat=True) == [1]


async def test_refused_votes_are_422_and_add_no_vote(local_node):
    _, alice_token = await local_node.user("alice")
    _, bob_token = await local_node.user("bob")
    _, carol_token = await local_node.user("carol")
    async with local_node.client(alice_token) as client:
        single = await post_poll(client)
        multiple = await post_poll(client, multiple=True)
    single_id, multiple_id = single["poll"]["id"], multiple["poll"]["id"]

    async with local_node.client(bob_token) as bob:
        assert (await bob.post(f"/api/v1/polls/{single_id}/votes", json={"choices": [0]})).status_code == 200
        assert (await bob.post(f"/api/v1/polls/{multiple_id}/votes", json={"choices": [0]})).status_code == 200
        refusals = {
            "again": await bob.post(f"/api/v1/polls/{single_id}/votes", json={"choices": [1]}),
            "same choice on a multiple poll": await bob.post(
                f"/api/v1/polls/{multiple_id}/votes", json={"choices": [0]}
            ),
        }
    async with local_node.client(carol_token) as carol:
        refusals["out of range"] = await carol.post(f"/api/v1/polls/{single_id}/votes", json={"choices": [3]})
        refusals["negative"] = await carol.post(f"/api/v1/polls/{single_id}/votes", json={"choices": [-1]})
        refusals["two on single"] = await carol.post(f"/api/v1/polls/{single_id}/votes", json={"choices": [0, 1]})
        missing = await carol.post(f"/api/v1/polls/{single_id}/votes", json={})
    async with local_node.client(alice_token) as client:
        refusals["own poll"] = await client.post(f"/api/v1/polls/{single_id}/votes", json={"choices": [0]})

    assert {name: r.status_code for name, r in refusals.items()} == {name: 422 for name in refusals}
    assert refusals["again"].json() == {"error": "Validation failed: You have already voted on this poll"}
    assert refusals["two on single"].json()["error"] == "Validation failed: You have already voted on this poll"
    assert refusals["out of range"].json()["error"] == "Validation failed: The chosen vote option does not exist"
    assert refusals["own poll"].json()["error"] == "Validation failed: You cannot vote in your own polls"
    assert missing.status_code == 400
    assert await PollVote.all().count() == 2

    await Poll.filter(id=int(single_id)).update(expires_at=utcnow() - timedelta(seconds=1))
    async with local_node.client(carol_token) as carol:
        ended = await carol.post(f"/api/v1/polls/{single_id}/votes", json={"choices": [0]})
    assert ended.status_code == 422
    assert ended.json()["error"] == "Validation failed: The poll has already ended"
    assert await PollVote.all().count() == 2


async def test_invalid_polls_are_refused_and_no_status_is_made(local_node):
    alice, token = await local_node.user("alice")
    media = MediaAttachment(account=alice, file="x.png", content_type="image/png")
    await media.save()
    cases = {
        "one option": {"options": ["Only"], "expires_in": 3600},
        "five options": {"options": ["a", "b", "c", "d", "e"], "expires_in": 3600},
        "long option": {"options": ["a", "b" * 51], "expires_in": 3600},
        "duplicates": {"options": ["a", "a"], "expires_in": 3600},
        "too soon": {"options": ["a", "b"], "expires_in": 299},
        "too far": {"options": ["a", "b"], "expires_in": 2_629_747},
        "no expiry": {"options": ["a", "b"]},
    }
    async with local_node.client(token) as client:
        answers = {
            name: await client.post("/api/v1/statuses", json={"status": "Q?", "poll": poll})
            for name, poll in cases.items()
        }
        answers["with media"] = await client.post(
            "/api/v1/statuses",
            json={"status": "Q?", "media_ids": [str(media.id)], "poll": {"options": ["a", "b"], "expires_in": 600}},
        )
        limits = (await client.get("/api/v1/instance")).json()["configuration"]["polls"]
    assert {name: r.status_code for name, r in answers.items()} == {name: 422 for name in answers}
    assert all(r.json()["error"].startswith("Validation failed: ") for r in answers.values())
    assert await Status.all().count() == 0 and await Poll.all().count() == 0
    assert limits["max_options"] == 4 and limits["max_characters_per_option"] == 50
    assert limits["min_expiration"] == 300 and limits["max_expiration"] == 2_629_746


async def test_hidden_totals_show_only_to_the_author_until_the_end(local_node):
    _, alice_token = await local_node.user("alice")
    _, bob_token = await local_node.user("bob")
    async with local_node.client(alice_token) as client:
        status = await post_poll(client, hide_totals=True)
    poll_id = status["poll"]["id"]
    assert [o["votes_count"] for o in status["poll"]["options"]] == [0, 0, 0]
    async with local_node.client(bob_token) as client:
        voted = (await client.post(f"/api/v1/polls/{poll_id}/votes", json={"choices": [2]})).json()
    check("Poll", voted)
    assert [o["votes_count"] for o in voted["options"]] == [None, None, None]
    await Poll.filter(id=int(poll_id)).update(expires_at=utcnow() - timedelta(seconds=1))
    async with local_node.client(bob_token) as client:
        ended = (await client.get(f"/api/v1/polls/{poll_id}")).json()
    assert [o["votes_count"] for o in ended["options"]] == [0, 0, 1]


async def test_a_poll_on_a_private_post_is_hidden_from_those_who_cannot_see_the_post(local_node):
    _, alice_token = await local_node.user("alice")
    _, bob_token = await local_node.user("bob")
    async with local_node.client(alice_token) as client:
        status = await post_poll(client, visibility="private")
        body = {"status": "Team only", "visibility": "private", "poll": {"options": ["y", "n"], "expires_in": 600}}
        private = (await client.post("/api/v1/statuses", json=body)).json()
    poll_id = private["poll"]["id"]
    async with local_node.client(bob_token) as client:
        shown = await client.get(f"/api/v1/polls/{poll_id}")
        vote = await client.post(f"/api/v1/polls/{poll_id}/votes", json={"choices": [0]})
        unknown = await client.get("/api/v1/polls/12345")
    assert status["visibility"] == "public"
    assert (shown.status_code, vote.status_code, unknown.status_code) == (404, 404, 404)
    assert await PollVote.all().count() == 0


async def test_when_a_poll_ends_voters_and_author_are_notified_once(local_node):
    alice, alice_token = await local_node.user("alice")
    bob, bob_token = await local_node.user("bob")
    carol, _ = await local_node.user("carol")
    async with local_node.client(alice_token) as client:
        status = await post_poll(client)
    poll_id = int(status["poll"]["id"])
    async with local_node.client(bob_token) as client:
        await client.post(f"/api/v1/polls/{poll_id}/votes", json={"choices": [0]})

    assert await notify_ended_polls() == 0  # still running
    await Poll.filter(id=poll_id).update(expires_at=utcnow() - timedelta(seconds=1))
    async with local_node.client(bob_token) as client:
        ended = (await client.get(f"/api/v1/polls/{poll_id}")).json()
    check("Poll", ended)
    assert ended["expired"] is True
    assert await notify_ended_polls() == 1
    assert await notify_ended_polls() == 0
    notified = await Notification.filter(type="poll").values_list("account_id", "status_id")
    assert sorted(notified) == sorted([(alice.id, int(status["id"])), (bob.id, int(status["id"]))])
    assert not await Notification.exists(account_id=carol.id)

    async with local_node.client(bob_token) as client:
        listed = (await client.get("/api/v1/notifications", params={"types[]": "poll"})).json()
    assert len(listed) == 1
    check("Notification", listed[0])
    assert listed[0]["status"]["poll"]["expired"] is True


def question(uri: str, author: Account, counts: tuple[int, int], content: str = "<p>Tabs or spaces?</p>") -> dict:
    return {
        "id": uri,
        "type": "Question",
        "attributedTo": author.uri,
        "content": content,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "cc": [author.followers_url],
        "published": "2024-05-01T10:00:00Z",
        "endTime": "2999-05-02T10:00:00Z",
        "votersCount": sum(counts),
        "oneOf": [
            {"type": "Note", "name": "Tabs", "replies": {"type": "Collection", "totalItems": counts[0]}},
            {"type": "Note", "name": "Spaces", "replies": {"type": "Collection", "totalItems": counts[1]}},
        ],
    }


async def test_a_remote_question_is_a_poll_here_and_its_updates_refresh_the_counts(local_node):
    rita = await remote_account()
    _, bob_token = await local_node.user("bob")
    uri = f"{rita.uri}/statuses/1"
    status = await store_note(local_node.node, question(uri, rita, (3, 4)), rita)

    async with local_node.client(bob_token) as client:
        shown = (await client.get(f"/api/v1/statuses/{status.id}")).json()
        check("Status", shown)
        check("Poll", shown["poll"])
        assert [(o["title"], o["votes_count"]) for o in shown["poll"]["options"]] == [("Tabs", 3), ("Spaces", 4)]
        voted = await client.post(f"/api/v1/polls/{shown['poll']['id']}/votes", json={"choices": [1]})
    assert voted.status_code == 200, voted.text
    assert [o["votes_count"] for o in voted.json()["options"]] == [3, 5]

    # The vote goes to rita's node as Mastodon sends it: a Create of a Note named after the option.
    sent = await OutgoingActivity.get(activity_id__contains="#votes/")
    assert '"name":"Spaces"' in sent.body and f'"inReplyTo":"{uri}"' in sent.body
    assert '"to":["https://remote.example/users/rita"]' in sent.body

    assert await update_note(status, question(uri, rita, (10, 6))) is False
    refreshed = await Poll.get(status_id=status.id)
    assert refreshed.tallies == [10, 6] and refreshed.votes_count == 16 and refreshed.voters_count == 16
    assert not await StatusEdit.exists(status_id=status.id)
    assert (await Status.get(id=status.id)).edited_at is None


async def test_a_vote_from_another_node_is_counted_not_stored_as_a_post(local_node):
    _, alice_token = await local_node.user("alice")
    rita = await remote_account()
    async with local_node.client(alice_token) as client:
        status = await post_poll(client)
    vote = {
        "id": f"{rita.uri}#votes/77",
        "type": "Note",
        "name": "Sushi",
        "attributedTo": rita.uri,
        "to": [f"{local_node.settings.base_url}/users/alice"],
        "inReplyTo": status["uri"],
    }
    create = {"id": vote["id"] + "/activity", "type": "Create", "actor": rita.uri, "object": vote}
    received = Received(local_node.node, rita, create)
    await on_create(received)
    await on_create(received)  # delivered twice, counted once

    poll = await Poll.get(id=int(status["poll"]["id"]))
    assert poll.tallies == [0, 1, 0] and poll.voters_count == 1
    assert not await Status.exists(uri=vote["id"])
    assert await PollVote.filter(poll_id=poll.id, account_id=rita.id).values_list("uri", flat=True) == [vote["id"]]
