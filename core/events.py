"""A hook for live updates: what happened, and which local accounts it concerns.

The streaming API subscribes here; with several processes a PostgreSQL LISTEN/NOTIFY
publisher can take the in-process one's place without callers changing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

Listener = Callable[[str, int, list[int]], Awaitable[None]]
_listeners: list[Listener] = []


def subscribe(listener: Listener) -> None:
    _listeners.append(listener)


def unsubscribe(listener: Listener) -> None:
    if listener in _listeners:
        _listeners.remove(listener)


async def publish(event: str, object_id: int, account_ids: list[int]) -> None:
    for listener in list(_listeners):
        await listener(event, object_id, account_ids)
