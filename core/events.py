"""A hook for live updates: what happened, and which local accounts it concerns.

`publish` is the one entry point. It hands the event to this process's listeners (the
streaming hubs) at once, and to every relay: with several processes on PostgreSQL the
event bus (core/event_bus_postgres.py) relays it to the other processes, which hand it to
their own listeners through `deliver`. With one process nothing is relayed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

Listener = Callable[[str, int, list[int]], Awaitable[None]]
Event = tuple[str, int, list[int]]
# A relay takes events in the order published, as many as were published together.
Relay = Callable[[list[Event]], Awaitable[None]]
_listeners: list[Listener] = []
_relays: list[Relay] = []
# Set while work runs inside a database transaction: events wait for its commit (see `held`).
_held: ContextVar[list[Event] | None] = ContextVar("flurfunk_held_events", default=None)


def subscribe(listener: Listener) -> None:
    _listeners.append(listener)


def unsubscribe(listener: Listener) -> None:
    if listener in _listeners:
        _listeners.remove(listener)


def add_relay(relay: Relay) -> None:
    _relays.append(relay)


def remove_relay(relay: Relay) -> None:
    if relay in _relays:
        _relays.remove(relay)


@contextmanager
def held(into: list[Event]) -> Iterator[None]:
    """Collect the events published meanwhile in `into` instead of publishing them.

    For work inside a transaction: listeners read what an event names, which other
    connections (and processes) see only after the commit, and nothing at all if the work is
    rolled back. The caller publishes `into` (publish_all) once the transaction committed.
    """
    token = _held.set(into)
    try:
        yield
    finally:
        _held.reset(token)


async def publish_all(events: list[Event]) -> None:
    """`publish` each of `events`, in order; relays get them together (on PostgreSQL one NOTIFY statement)."""
    if (waiting := _held.get()) is not None:
        waiting.extend(events)
        return
    for event in events:
        await deliver(*event)
    if events:
        for relay in list(_relays):
            await relay(events)


async def publish(event: str, object_id: int, account_ids: list[int]) -> None:
    await publish_all([(event, object_id, account_ids)])


async def deliver(event: str, object_id: int, account_ids: list[int]) -> None:
    """Hand an event to this process's listeners only (the bus calls this for other processes' events)."""
    for listener in list(_listeners):
        await listener(event, object_id, account_ids)
