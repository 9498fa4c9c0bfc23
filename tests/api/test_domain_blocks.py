"""A person blocks a whole domain for themselves: its posts leave their public timelines, its
notifications go, their followers there are removed (with a Reject); their own follows of people
there stay. Listed, paged and undone as on Mastodon. (New follows from there being rejected:
tests/unit/test_inbox_domain_blocks.py.)"""

from __future__ import annotations

import json

from mastodon import Mastodon
from mastodon_shapes import check

from core.notifications import notify
from models.queues import Delivery
from models.relationships import AccountDomainBlock, Follow
from tests.api.test_timelines import remote_account, remote_post, texts


async def test_blocking_a_domain_hides_it_and_removes_the_followers_there(local_node):
    alice, token = await local_node.user("alice")
    rita = await remote_account("rita", "spam.example")
    sam = await remote_account("sam", "spam.example")
    olga = await remote_account("olga", "friendly.example")
    await Follow.create(account=rita, target_account=alice, uri="https://spam.example/follows/1")
    await Follow.create(account=olga, target_account=alice, uri="https://friendly.example/follows/1")
    await Follow.create(account=alice, target_account=sam, uri=f"{alice.uri}/follows/sam")  # accepted
    await remote_post(rita, "buy now")
    await remote_post(olga, "hello from olga")
    await notify(alice, rita, "follow")
    await notify(alice, olga, "follow")

    async with local_node.client(token) as client:
        blocked = await client.post("/api/v1/domain_blocks", data={"domain": "Spam.Example"})
        public = (await client.get("/api/v1/timelines/public")).json()
        followed = (await client.get("/api/v1/notifications")).json()
        groups = (await client.get("/api/v2/notifications")).json()["notification_groups"]
        listed = (await client.get("/api/v1/domain_blocks")).json()
        relations = (await client.get("/api/v1/accounts/relationships", params={"id[]": [rita.id, olga.id]})).json()

    assert blocked.status_code == 200 and blocked.json() == {}
    assert texts(public) == ["hello from olga"]
    assert [n["account"]["acct"] for n in followed] == ["olga@friendly.example"]
    assert [(g["notifications_count"], g["sample_account_ids"]) for g in groups] == [(1, [str(olga.id)])]
    assert listed == ["spam.example"]
    for entity in relations:
        check("Relationship", entity)
    assert [(r["id"], r["domain_blocking"]) for r in relations] == [(str(rita.id), True), (str(olga.id), False)]
    # rita no longer follows alice and her node is told; alice still follows sam there.
    assert not await Follow.exists(account_id=rita.id, target_account_id=alice.id)
    assert await Follow.exists(account_id=olga.id, target_account_id=alice.id)
    assert await Follow.exists(account_id=alice.id, target_account_id=sam.id)
    rejects = [json.loads(d.activity.body) for d in await Delivery.all().prefetch_related("activity")]
    assert [(a["type"], a["object"]["id"]) for a in rejects if a["type"] == "Reject"] == [
        ("Reject", "https://spam.example/follows/1")
    ]


async def test_domain_blocks_are_listed_paged_and_undone(local_node):
    alice, token = await local_node.user("alice")
    async with local_node.client(token) as client:
        for domain in ("one.example", "two.example", "three.example", "https://four.example/about"):
            assert (await client.post("/api/v1/domain_blocks", data={"domain": domain})).status_code == 200
        again = await client.post("/api/v1/domain_blocks", data={"domain": "one.example"})
        first = await client.get("/api/v1/domain_blocks", params={"limit": "2"})
        second = await client.get(first.links["next"]["url"])
        removed = await client.request("DELETE", "/api/v1/domain_blocks", params={"domain": "two.example"})
        after = (await client.get("/api/v1/domain_blocks")).json()
        blank = await client.post("/api/v1/domain_blocks", data={"domain": " "})
        own = await client.post("/api/v1/domain_blocks", data={"domain": "flurfunk.test"})
    async with local_node.client() as anonymous:
        unauthorised = await anonymous.get("/api/v1/domain_blocks")

    assert again.status_code == 200
    assert first.json() == ["four.example", "three.example"] and second.json() == ["two.example", "one.example"]
    assert removed.status_code == 200 and removed.json() == {}
    assert after == ["four.example", "three.example", "one.example"]
    assert blank.status_code == 422 and blank.json() == {"error": "Validation failed: Domain can't be blank"}
    assert own.status_code == 422
    assert unauthorised.status_code == 401
    assert await AccountDomainBlock.filter(account_id=alice.id).count() == 3


def test_mastodon_py_blocks_and_unblocks_a_domain(start_node):
    node = start_node()
    node.cli("user", "add", "alice", "--password", "correct horse battery")
    api = Mastodon(access_token=node.cli("token", "alice").strip(), api_base_url=node.url)
    api.domain_block("spam.example")
    api.domain_block("junk.example")
    assert api.domain_blocks() == ["junk.example", "spam.example"]
    api.domain_unblock("junk.example")
    assert api.domain_blocks() == ["spam.example"]
