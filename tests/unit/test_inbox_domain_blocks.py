"""A signed Follow from a domain the target blocks is turned away with a Reject (core/domain_blocks.py)."""

from __future__ import annotations

import json

from core.registration import create_local_account
from inbox.processing import process_due
from models.queues import DONE, Delivery, InboxItem
from models.relationships import AccountDomainBlock, Follow, FollowRequest
from tests.fake_remote import AS_CONTEXT


async def test_a_follow_from_a_blocked_domain_is_rejected_and_one_from_elsewhere_accepted(local, fediverse):
    rita = fediverse.actor("https://spam.example/users/rita")
    olga = fediverse.actor("https://friendly.example/users/olga")
    alice = await create_local_account(local.settings.base_url, "alice", "correct horse battery")
    await AccountDomainBlock.create(account=alice, domain="spam.example")
    for n, actor in enumerate((rita, olga)):
        follow = {
            "@context": AS_CONTEXT,
            "id": f"{actor.uri}#follows/{n}",
            "type": "Follow",
            "actor": actor.uri,
            "object": alice.uri,
        }
        assert (await local.deliver(actor, follow)).status_code == 202
    while await process_due(local.node):
        pass

    followers = await Follow.filter(target_account_id=alice.id).prefetch_related("account")
    assert [f.account.uri for f in followers] == [olga.uri]
    assert not await FollowRequest.exists(target_account_id=alice.id)
    sent = {
        (json.loads(d.activity.body)["type"], d.inbox_url) for d in await Delivery.all().prefetch_related("activity")
    }
    assert sent == {("Reject", rita.uri + "/inbox"), ("Accept", olga.uri + "/inbox")}
    assert {item.state for item in await InboxItem.all()} == {DONE}
