"""Work wake-ups between the processes of one node on SQLite.

On PostgreSQL a web process wakes the worker processes with NOTIFY (core/event_bus_postgres.py).
SQLite has no such channel, so a `server.py worker` on SQLite found work queued by the web
process only at its next poll, a second later: in the inbox benchmark the worker applied 3,000
activities in 0.9 s, but started a second after the first had arrived.

The watch looks instead. Every INTERVAL (50 ms) it asks its own read connection for `PRAGMA
data_version`, which changes when any other connection has committed (a few microseconds,
nothing read from the tables); only then does it read the newest id of each queue, and it wakes
this process's delivery or inbox loop when that id grew. Jobs that come due later (retries) or
whose lease ran out are still found by the loops' own poll.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3

from models.sqlite_reader import open_reader
from node import Node

log = logging.getLogger("flurfunk.worker")
# Each wake-up of an idle process costs about 0.2 ms of CPU on a small VM (a timer and a
# syscall): 20 a second are about 0.5% of a core, for at most 50 ms until queued work is seen.
INTERVAL = 0.05
QUEUES = {"inbox": "inbox_items", "delivery": "deliveries"}


class SqliteWorkWatch:
    def __init__(self, node: Node, filename: str, interval: float = INTERVAL) -> None:
        self.node = node
        self.filename = filename
        self.interval = interval
        self._connection: sqlite3.Connection | None = None
        self._version: int | None = None
        self._newest: dict[str, int] = {}

    async def run(self, stop: asyncio.Event) -> None:
        try:
            self._connection = open_reader(self.filename)
            self._newest = self._newest_ids()
            while not stop.is_set():
                await asyncio.sleep(self.interval)
                self.look()
        except sqlite3.Error:
            log.exception("watching %s for queued work failed; the workers poll instead", self.filename)
        finally:
            if self._connection is not None:
                self._connection.close()

    def look(self) -> None:
        """Wake the loops whose queue has a newer job than at the last look."""
        assert self._connection is not None
        try:
            version = self._connection.execute("PRAGMA data_version").fetchone()[0]
            if version == self._version:
                return
            self._version = version
            newest = self._newest_ids()
        except sqlite3.OperationalError:  # busy: looked at again next time
            self._version = None
            return
        for kind, job_id in newest.items():
            if job_id > self._newest.get(kind, 0):
                self.node.wake_here(kind)
        self._newest = newest

    def _newest_ids(self) -> dict[str, int]:
        assert self._connection is not None
        found = {}
        for kind, table in QUEUES.items():
            found[kind] = self._connection.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()[0]
        return found
