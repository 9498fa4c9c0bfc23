"""Claiming queue jobs (SKIP LOCKED on PostgreSQL, conditional UPDATEs on SQLite) and the
payloads that carry stream events between processes."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

from core.event_bus_postgres import MAX_PAYLOAD, Reassembler, encode, listener_dsn
from federation.queue import LEASE, claim
from models.base import utcnow
from models.queues import DONE, Delivery, OutgoingActivity


async def _queue(local_node, count: int) -> list[int]:
    account, _ = await local_node.user("alice")
    outgoing = await OutgoingActivity.create(activity_id="https://flurfunk.test/a/1", actor=account, body="{}")
    await Delivery.bulk_create(
        [Delivery(activity=outgoing, inbox_url=f"https://remote.test/users/{n}/inbox") for n in range(count)]
    )
    return list(await Delivery.all().values_list("id", flat=True))


async def test_workers_claiming_at_the_same_time_never_share_a_job(local_node):
    ids = await _queue(local_node, 60)
    claimed: list[int] = []
    # Rounds of twelve claims at once (on SQLite the losers of a race come back empty-handed).
    for _ in range(20):
        batches = await asyncio.gather(*(claim(Delivery, 7) for _ in range(12)))
        claimed += [job.id for batch in batches for job in batch]
        if len(claimed) >= len(ids):
            break
    assert len(claimed) == len(set(claimed))
    assert sorted(claimed) == sorted(ids)
    assert await claim(Delivery, 10) == []  # all leased


async def test_a_crashed_workers_jobs_come_back_when_the_lease_runs_out(local_node):
    await _queue(local_node, 3)
    [first, *_] = await claim(Delivery, 1)
    assert first.claimed_until is not None
    # Nobody finished it: once the lease is over, the job is due again.
    await Delivery.filter(id=first.id).update(claimed_until=utcnow() - timedelta(seconds=1))
    again = await claim(Delivery, 3)
    assert first.id in [job.id for job in again]
    assert all(job.claimed_until > utcnow() + LEASE - timedelta(minutes=1) for job in again)


async def test_finished_and_future_jobs_are_not_claimed(local_node):
    ids = await _queue(local_node, 3)
    await Delivery.filter(id=ids[0]).update(state=DONE)
    await Delivery.filter(id=ids[1]).update(next_attempt_at=utcnow() + timedelta(minutes=1))
    assert [job.id for job in await claim(Delivery, 10)] == [ids[2]]


def test_an_event_for_many_home_feeds_is_split_under_the_notify_limit_and_put_together_again():
    account_ids = list(range(10**15, 10**15 + 5000))
    payloads = encode("update", 42, account_ids, origin="elsewhere")
    assert len(payloads) > 1
    assert all(len(p.encode()) < MAX_PAYLOAD for p in payloads)
    receiver = Reassembler(origin="here")
    results = [receiver.feed(p) for p in reversed(payloads)]  # order is not guaranteed across connections
    assert results[:-1] == [None] * (len(payloads) - 1)
    assert results[-1] == ("update", 42, account_ids)
    assert receiver.pending == {}


def test_a_process_skips_its_own_events_and_malformed_ones():
    receiver = Reassembler(origin="here")
    [own] = encode("delete", 7, [], origin="here")
    [other] = encode("delete", 7, [], origin="there")
    assert receiver.feed(own) is None
    assert receiver.feed(other) == ("delete", 7, [])
    assert receiver.feed("not json") is None
    assert receiver.feed(json.dumps({"o": "there"})) is None


def test_the_listener_connects_with_asyncpgs_url():
    assert listener_dsn("postgres://u:p@db:5432/node?maxsize=20") == "postgresql://u:p@db:5432/node"
    assert listener_dsn("asyncpg://u@db/node") == "postgresql://u@db/node"
