"""Events and work wake-ups between the processes of one node on PostgreSQL (LISTEN/NOTIFY).

Every process (web or worker) of a node on PostgreSQL runs one bus. It relays what
core.events publishes as `NOTIFY flurfunk_events` and LISTENs for the other processes'
events, which it hands to this process's streaming hubs; so a post applied by a worker
reaches a stream open on any web process. It also carries wake-ups (`flurfunk_work`):
work queued by a web process wakes the worker processes at once instead of at their
next poll. Like Mastodon's streaming server on Redis pub/sub, an event published while a
listener is reconnecting is lost to it; queued work is not, the workers still poll.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
import uuid
from collections.abc import Callable
from urllib.parse import urlsplit, urlunsplit

from core import events
from models.db import database

log = logging.getLogger("flurfunk.events")
EVENTS_CHANNEL = "flurfunk_events"
WORK_CHANNEL = "flurfunk_work"
# PostgreSQL refuses payloads of 8000 bytes or more; a post reaching thousands of home feeds
# names more account ids than that, so an event is split into parts and put together again.
MAX_PAYLOAD = 7500
# Parts of an event still missing after this many newer messages are given up.
MAX_PENDING = 64
# This process: its own notifications come back to it and are skipped (it delivered them itself).
ORIGIN = uuid.uuid4().hex
# At most one wake-up of each kind per this many seconds from a process: under load every
# accepted activity asked for one, a NOTIFY each (about a tenth of a web process's time at
# 1,500 activities/s) that woke every worker for a claim. A busy worker does not need them (it
# claims again until the queue is empty); an idle one learns of new work this much later at most.
WAKE_EVERY = 0.01


def is_postgres(database_url: str) -> bool:
    return database_url.startswith(("postgres", "asyncpg", "psycopg"))


def listener_dsn(database_url: str) -> str:
    """The URL asyncpg connects to: Tortoise's scheme names and pool parameters dropped."""
    parts = urlsplit(database_url)
    return urlunsplit(("postgresql", parts.netloc, parts.path, "", ""))


def encode(event: str, object_id: int, account_ids: list[int], origin: str = ORIGIN) -> list[str]:
    """The NOTIFY payloads for one event: one, or several parts each under MAX_PAYLOAD."""
    whole = json.dumps({"o": origin, "e": event, "i": object_id, "a": account_ids}, separators=(",", ":"))
    if len(whole) < MAX_PAYLOAD:
        return [whole]
    # Each id takes at most 20 digits and a comma; the envelope well under 200 bytes.
    per_part = (MAX_PAYLOAD - 200) // 21
    chunks = [account_ids[i : i + per_part] for i in range(0, len(account_ids), per_part)]
    message = uuid.uuid4().hex
    return [
        json.dumps(
            {"o": origin, "e": event, "i": object_id, "a": chunk, "m": message, "p": index, "n": len(chunks)},
            separators=(",", ":"),
        )
        for index, chunk in enumerate(chunks)
    ]


class Reassembler:
    """Turns payloads back into events, joining the parts of split ones (in any order)."""

    def __init__(self, origin: str = ORIGIN) -> None:
        self.origin = origin
        self.pending: dict[str, dict[int, list[int]]] = {}

    def feed(self, payload: str) -> tuple[str, int, list[int]] | None:
        try:
            data = json.loads(payload)
            if data["o"] == self.origin:
                return None
            event, object_id, account_ids = str(data["e"]), int(data["i"]), [int(a) for a in data["a"]]
        except (ValueError, KeyError, TypeError):
            log.warning("ignoring a malformed event notification")
            return None
        if "m" not in data:
            return event, object_id, account_ids
        parts = self.pending.setdefault(data["m"], {})
        parts[int(data["p"])] = account_ids
        if len(parts) < int(data["n"]):
            while len(self.pending) > MAX_PENDING:
                self.pending.pop(next(iter(self.pending)))
            return None
        del self.pending[data["m"]]
        return event, object_id, [a for index in sorted(parts) for a in parts[index]]


_NOTIFY_ALL = "SELECT pg_notify($1, payload) FROM unnest($2::text[]) AS payload"


class PostgresEventBus:
    def __init__(self, database_url: str, on_work: Callable[[str], None] | None = None) -> None:
        self.dsn = listener_dsn(database_url)
        self.on_work = on_work
        self.reassembler = Reassembler()
        self.received: asyncio.Queue[tuple[str, int, list[int]]] = asyncio.Queue()
        self.listening = asyncio.Event()
        self.waking: set[str] = set()
        self.last_wake: dict[str, float] = {}  # loop time each kind's last wake-up was sent
        self.tasks: list[asyncio.Task] = []

    async def start(self, timeout: float = 10.0) -> None:
        """Start listening (waits until LISTEN is in place) and relaying this process's events."""
        self.tasks = [asyncio.create_task(self._listen()), asyncio.create_task(self._hand_over())]
        await asyncio.wait_for(self.listening.wait(), timeout)
        events.add_relay(self.relay)

    async def close(self) -> None:
        events.remove_relay(self.relay)
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)

    async def relay(self, published: list[events.Event]) -> None:
        """Send events to the other processes. Inside a transaction, PostgreSQL sends them on commit."""
        payloads = [payload for event in published for payload in encode(*event)]
        try:
            if len(payloads) > 1 and len(set(payloads)) == len(payloads):
                # One round trip for a batch (an inbox transaction's posts): a set-returning scan
                # calls pg_notify row by row in array order. Not with two equal payloads, which
                # PostgreSQL would deliver once, as it does within one transaction.
                await database().execute_query(_NOTIFY_ALL, [EVENTS_CHANNEL, payloads])
                return
            for payload in payloads:
                await database().execute_query("SELECT pg_notify($1, $2)", [EVENTS_CHANNEL, payload])
        except Exception:  # the events are lost to other processes' streams; the work that published them is not
            log.exception("could not relay %d stream events, the first %s", len(published), published[0][:2])

    def wake(self, kind: str) -> None:
        """Wake the workers of other processes for `kind` ("delivery" or "inbox") work; cheap to call often.

        A wake-up asked for while one is waiting to be sent is that one; one asked for within
        WAKE_EVERY of the last sent waits for the rest of that time. Either way it is sent after
        the work that asked for it was committed, so the workers it wakes find that work."""
        if kind in self.waking:
            return
        self.waking.add(kind)
        delay = self.last_wake.get(kind, float("-inf")) + WAKE_EVERY - asyncio.get_running_loop().time()
        # A fresh context: the caller may be inside a transaction that is over before this runs.
        self.tasks.append(asyncio.create_task(self._send_wake(kind, delay), context=contextvars.Context()))
        self.tasks = [task for task in self.tasks if not task.done()]

    async def _send_wake(self, kind: str, delay: float) -> None:
        if delay > 0:
            await asyncio.sleep(delay)
        self.waking.discard(kind)
        self.last_wake[kind] = asyncio.get_running_loop().time()
        try:
            await database().execute_query("SELECT pg_notify($1, $2)", [WORK_CHANNEL, f"{kind} {ORIGIN}"])
        except Exception:  # the workers poll anyway
            log.warning("could not wake the workers for %s", kind, exc_info=True)

    def _on_event(self, connection, pid: int, channel: str, payload: str) -> None:
        received = self.reassembler.feed(payload)
        if received is not None:
            self.received.put_nowait(received)

    def _on_work(self, connection, pid: int, channel: str, payload: str) -> None:
        kind, _, origin = payload.partition(" ")
        if origin != ORIGIN and self.on_work is not None:
            self.on_work(kind)

    async def _hand_over(self) -> None:
        # One at a time, in the order they were published (an update before its delete).
        while True:
            event, object_id, account_ids = await self.received.get()
            try:
                await events.deliver(event, object_id, account_ids)
            except Exception:
                log.exception("stream event %s %s failed", event, object_id)

    async def _listen(self) -> None:
        # Imported here: a node on SQLite never gets this far, and is spared asyncpg's 2 MB.
        import asyncpg

        while True:
            try:
                connection = await asyncpg.connect(self.dsn)
            except (OSError, asyncpg.PostgresError) as exc:
                log.warning("event bus cannot connect (%s); retrying", exc)
                await asyncio.sleep(1.0)
                continue
            lost = asyncio.Event()
            connection.add_termination_listener(lambda _, lost=lost: lost.set())
            try:
                await connection.add_listener(EVENTS_CHANNEL, self._on_event)
                await connection.add_listener(WORK_CHANNEL, self._on_work)
                self.listening.set()
                await lost.wait()
                log.warning("event bus lost its connection; reconnecting")
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                log.warning("event bus failed (%s); reconnecting", exc)
            finally:
                if not connection.is_closed():
                    await connection.close(timeout=2)
            await asyncio.sleep(0.2)
