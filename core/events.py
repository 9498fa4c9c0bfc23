"""A hook for live updates: what happened, and which local accounts it concerns.

`publish` is the one entry point. It hands the event to this process's listeners (the
streaming hubs) at once, and to every relay: with several processes on PostgreSQL the
event bus (core/event_bus_postgres.py) relays it to the other processes, which hand it to
their own listeners through `deliver`. With one process nothing is relayed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

Listener = Callable[[str, int, list[int]], Awaitable[None]]
_listeners: list[Listener] = []
_relays: list[Listener] = []


def subscribe(listener: Listener) -> None:
    _listeners.append(listener)


def unsubscribe(listener: Listener) -> None:
    if listener in _listeners:
        _listeners.remove(listener)


def add_relay(relay: Listener) -> None:
    _relays.append(relay)


def remove_relay(relay: Listener) -> None:
    if relay in _relays:
        _relays.remove(relay)


async def publish(event: str, object_id: int, account_ids: list[int]) -> None:
    await deliver(event, object_id, account_ids)
    for relay in list(_relays):
        await relay(event, object_id, account_ids)


async def deliver(event: str, object_id: int, account_ids: list[int]) -> None:
    """Hand an event to this process's listeners only (the bus calls this for other processes' events)."""
    for listener in list(_listeners):
        await listener(event, object_id, account_ids)
