"""Stream events published together reach the other processes of a node in order, each once
(PostgreSQL's LISTEN/NOTIFY, one statement for a batch); on SQLite there is nothing to relay."""

from __future__ import annotations

import asyncio

import pytest

from core.event_bus_postgres import PostgresEventBus, Reassembler, is_postgres
from models.db import close_database, open_database


async def test_events_published_together_arrive_in_order_and_each_once(database_url: str, monkeypatch):
    if not is_postgres(database_url):
        pytest.skip("relaying between processes is PostgreSQL's (run with FEDI_TEST_DB)")
    await open_database(database_url)
    received: list[tuple] = []
    # The other process's bus: another origin, so it does not skip what this one sends.
    other = PostgresEventBus(database_url)
    other.reassembler = Reassembler("another process")

    async def deliver(event: str, object_id: int, account_ids: list[int]) -> None:
        received.append((event, object_id, account_ids))

    monkeypatch.setattr("core.events.deliver", deliver)
    await other.start()
    sender = PostgresEventBus(database_url)
    try:
        batch = [("update", n, [1, n]) for n in range(50)]
        twice = [("delete", 7, []), ("delete", 7, [])]  # equal payloads: both still arrive
        await sender.relay(batch)
        await sender.relay(twice)
        await sender.relay([("update", 99, list(range(2000)))])  # split into parts and joined again
        for _ in range(100):
            if len(received) == len(batch) + len(twice) + 1:
                break
            await asyncio.sleep(0.05)
        assert received == batch + twice + [("update", 99, list(range(2000)))]
    finally:
        await other.close()
        await close_database()
