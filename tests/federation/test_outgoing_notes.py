"""A new post's Create is built from what its maker has at hand, not looked up again; it must say
exactly what the Note rendered from the stored status says, and go to the same inboxes."""

from __future__ import annotations

import json

from models.accounts import Account
from models.queues import Delivery, OutgoingActivity
from models.relationships import Follow
from models.statuses import Status
from outbox.addressing import status_inboxes
from outbox.statuses import note_document


async def _remote(name: str, domain: str, shared: bool = True) -> Account:
    account = Account(
        username=name,
        domain=domain,
        uri=f"https://{domain}/users/{name}",
        inbox_url=f"https://{domain}/users/{name}/inbox",
        shared_inbox_url=f"https://{domain}/inbox" if shared else "",
        followers_url=f"https://{domain}/users/{name}/followers",
    )
    await account.save()
    return account


async def test_a_new_posts_note_and_inboxes_are_those_of_the_stored_status(local_node):
    alice, token = await local_node.user("alice")
    await local_node.user("bert")
    rita = await _remote("rita", "remote.example")
    sam = await _remote("sam", "other.example", shared=False)
    for follower in (rita, await _remote("tom", "remote.example")):
        await Follow.create(account=follower, target_account=alice)
    parent = await Status.create(
        uri="https://third.example/notes/1", account=await _remote("uma", "third.example"), content="<p>Hi</p>"
    )
    text = "@bert@flurfunk.test @sam@other.example #Lunch at noon? #lunch #Kantine"
    async with local_node.client(token) as client:
        posted = await client.post(
            "/api/v1/statuses",
            json={
                "status": text,
                "in_reply_to_id": str(parent.id),
                "language": "de",
                "spoiler_text": "food",
                "poll": {"options": ["Yes", "No"], "expires_in": 3600},
            },
        )
    assert posted.status_code == 200, posted.text

    status = await Status.get(id=int(posted.json()["id"]))
    sent = json.loads((await OutgoingActivity.get(activity_id=status.uri + "/activity")).body)
    stored = await note_document(local_node.node, status)
    mentions = sorted((t for t in sent["object"]["tag"] if t["type"] == "Mention"), key=lambda t: t["href"])
    assert mentions == sorted((t for t in stored["tag"] if t["type"] == "Mention"), key=lambda t: t["href"])
    hashtags = sorted(t["name"] for t in sent["object"]["tag"] if t["type"] == "Hashtag")
    assert hashtags == sorted(t["name"] for t in stored["tag"] if t["type"] == "Hashtag") == ["#Kantine", "#Lunch"]
    for field in ("to", "cc"):
        assert sorted(sent["object"][field]) == sorted(stored[field]) == sorted(sent[field])
    others = {key: value for key, value in sent["object"].items() if key not in ("tag", "to", "cc")}
    assert others == {key: value for key, value in stored.items() if key not in ("tag", "to", "cc")}
    assert others["inReplyTo"] == parent.uri and others["oneOf"]

    inboxes = set(await Delivery.all().values_list("inbox_url", flat=True))
    assert inboxes == await status_inboxes(status, alice)
    assert inboxes == {"https://remote.example/inbox", sam.inbox_url, "https://third.example/inbox"}
