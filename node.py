"""The running node: its settings and the shared services every layer is handed.

One Node per app, built by server.create_app; nothing here is global.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

import httpx

from federation.policy import DomainPolicy
from federation.posting import AiohttpPoster, HttpxPoster, Poster
from federation.verification import KeyCache
from models.db import close_database, open_database
from settings import Settings

T = TypeVar("T")
USER_AGENT = "Flurfunk/0.1.0 (+https://github.com/flurfunk)"


@dataclass
class Node:
    settings: Settings
    policy: DomainPolicy
    http: httpx.AsyncClient
    # Sends the signed deliveries (federation/posting.py says why not through `http`).
    poster: Poster
    # Set when deliveries or inbox items are queued, so the in-process workers wake at once.
    delivery_ready: asyncio.Event = field(default_factory=asyncio.Event)
    inbox_ready: asyncio.Event = field(default_factory=asyncio.Event)
    # The keys of recently verified signers (federation/authentication.py).
    keys: KeyCache = field(default_factory=KeyCache)
    # With several processes on PostgreSQL, also wakes the other processes' workers (core/event_bus_postgres.py).
    wake_others: Callable[[str], None] | None = None

    @classmethod
    def create(cls, settings: Settings, transport: httpx.AsyncBaseTransport | None = None) -> Node:
        http = httpx.AsyncClient(
            transport=transport,
            timeout=httpx.Timeout(10.0, connect=5.0),
            headers={"User-Agent": USER_AGENT},
            follow_redirects=False,
            limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
        )
        poster = AiohttpPoster(USER_AGENT) if transport is None else HttpxPoster(http)
        return cls(settings=settings, policy=DomainPolicy.from_settings(settings), http=http, poster=poster)

    def url(self, path: str) -> str:
        return self.settings.base_url + path

    def wake_delivery(self) -> None:
        self.wake_here("delivery")
        if self.wake_others is not None:
            self.wake_others("delivery")

    def wake_inbox(self) -> None:
        self.wake_here("inbox")
        if self.wake_others is not None:
            self.wake_others("inbox")

    def wake_here(self, kind: str) -> None:
        """Wake this process's workers for "delivery" or "inbox" work."""
        if kind == "delivery":
            self.delivery_ready.set()
        elif kind == "inbox":
            self.inbox_ready.set()

    async def close(self) -> None:
        await self.poster.close()
        await self.http.aclose()


async def with_node(settings: Settings, work: Callable[[Node], Awaitable[T]]) -> T:
    """For command-line tools: open the node's database, run `work` with a Node, close everything."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    await open_database(settings.database_url)
    node = Node.create(settings)
    try:
        return await work(node)
    finally:
        await node.close()
        await close_database()
