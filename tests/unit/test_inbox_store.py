"""Activities accepted at once are stored as one group: each once, with its own values, on both databases."""

from __future__ import annotations

import asyncio

from inbox.store import store_activity
from models.queues import PENDING, InboxItem


async def test_activities_accepted_together_are_each_stored_once(local_node):
    arriving = [(f"https://remote.test/activities/{n}", f"https://remote.test/users/u{n % 3}") for n in range(40)]
    # The same activity twice in one group (a retry racing its first delivery) is stored once.
    arriving.append(arriving[7])
    await asyncio.gather(
        *(store_activity(activity, actor, None, f'{{"id": "{activity}"}}') for activity, actor in arriving)
    )
    await store_activity(arriving[0][0], arriving[0][1], None, "{}")  # a redelivery on its own
    rows = {row.activity_id: row for row in await InboxItem.all()}
    assert len(rows) == 40
    for activity, actor in arriving:
        row = rows[activity]
        assert row.actor_uri == actor and row.body == f'{{"id": "{activity}"}}' and row.recipient_id is None
        assert row.state == PENDING and row.attempts == 0 and row.last_error == ""
        assert row.received_at is not None and row.next_attempt_at <= row.received_at
