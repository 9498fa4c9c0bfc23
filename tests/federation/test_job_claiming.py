"""Claiming queue jobs (SKIP LOCKED on PostgreSQL, conditional UPDATEs on SQLite) and the
payloads that carry stream events between processes."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

from core.event_bus_postgres import MAX_PAYLOAD, Reassembler, encode, listener_dsn
from federation.queue import LEASE, Finisher, claim
from models.base import utcnow
from models.queues import DONE, FAILED, PENDING, Delivery, OutgoingActivity


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


async def test_claimed_jobs_come_back_whole(local_node):
    ids = await _queue(local_node, 2)
    jobs = await claim(Delivery, 5)
    assert [job.id for job in jobs] == sorted(ids)
    for job in jobs:
        assert job.inbox_url.startswith("https://remote.test/users/")
        assert job.state == PENDING and job.attempts == 0
        assert job.created_at <= utcnow() < job.claimed_until


async def test_finished_jobs_stay_leased_until_their_batch_is_written_with_one_update_per_outcome(local_node):
    ids = await _queue(local_node, 5)
    jobs = await claim(Delivery, 5)
    finisher = Finisher(Delivery, always={"attempts": "attempts + 1"}, delay=60)
    for job in jobs[:3]:
        finisher.add(job.id, state=DONE, last_status=202)
    finisher.add(jobs[3].id, state=DONE, last_status=200)
    # Not written yet: still leased, so no worker can take them again meanwhile.
    assert await Delivery.filter(state=DONE).count() == 0
    await Delivery.filter(id=jobs[4].id).update(claimed_until=utcnow() - timedelta(seconds=1))
    assert [job.id for job in await claim(Delivery, 5)] == [jobs[4].id]

    await finisher.close()
    rows = {row.id: row for row in await Delivery.filter(id__in=ids)}
    for job in jobs[:4]:
        row = rows[job.id]
        assert row.state == DONE and row.attempts == 1 and row.claimed_until is None and row.finished_at
    assert [rows[job.id].last_status for job in jobs[:4]] == [202, 202, 202, 200]
    assert rows[jobs[4].id].state == PENDING


async def test_a_full_batch_is_written_without_waiting_for_the_delay(local_node):
    ids = await _queue(local_node, 4)
    await claim(Delivery, 4)
    finisher = Finisher(Delivery, delay=60, size=4)
    for job_id in ids:
        finisher.add(job_id, state=FAILED)
    for _ in range(100):
        if await Delivery.filter(state=FAILED).count() == 4:
            break
        await asyncio.sleep(0.01)
    assert await Delivery.filter(state=FAILED).count() == 4
    await finisher.close()


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
