"""Open streams get each status as its viewer sees it, from the entities the app keeps.

The hub renders a status once for all its viewers (api/serializers/status_cache.py) and fills
in each viewer's own marks, so what a stream carries must equal GET /api/v1/statuses/:id for
that viewer.
"""

from __future__ import annotations

import json

from mastodon_shapes import check

from outbox.follows import follow
from outbox.interactions import favourite
from outbox.statuses import create_status, edit_status


async def test_an_edit_reaches_each_follower_with_their_own_marks(local_node):
    node = local_node.node
    bob, _ = await local_node.user("bob")
    alice, alice_token = await local_node.user("alice")
    carol, carol_token = await local_node.user("carol")
    for follower in (alice, carol):
        await follow(node, follower, bob)
    status = await create_status(node, bob, "lunch at noon")
    await favourite(node, alice, status)

    hub = local_node.app.state.stream_hub
    streams = {name: hub.open(account) for name, account in (("alice", alice), ("carol", carol))}
    for connection in streams.values():
        connection.streams.add("user")
    try:
        await edit_status(node, status, "lunch at one", "", False, None)
        received = {}
        for name, connection in streams.items():
            messages = []
            while not connection.queue.empty():
                messages.append(connection.queue.get_nowait())
            received[name] = [json.loads(m["payload"]) for m in messages if m["event"] == "status.update"]
    finally:
        for connection in streams.values():
            hub.close(connection)

    for name, token in (("alice", alice_token), ("carol", carol_token)):
        [entity] = received[name]
        check("Status", entity)
        async with local_node.client(token) as client:
            fresh = (await client.get(f"/api/v1/statuses/{status.id}")).json()
        assert entity == fresh
    assert received["alice"][0]["favourited"] is True
    assert received["carol"][0]["favourited"] is False
    assert "lunch at one" in received["carol"][0]["content"]
