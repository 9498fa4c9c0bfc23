"""The HTTP client that POSTs signed deliveries to remote inboxes.

Deliveries are the node's busiest outgoing traffic, and per request httpx costs far more CPU
than signing does: 0.5 to 1.3 ms per POST on loopback (more at 32 in flight), aiohttp about
0.1 ms, the small keep-alive client of federation/http1.py about 0.03 ms. So deliveries go out
through that, while every other request the node sends (fetches, WebFinger, OpenID Connect)
keeps the httpx client. When a test hands the node an httpx transport instead of the network,
deliveries use it too (HttpxPoster), so in-process tests see them as before.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

import httpx

from federation.http1 import Http1Client, HttpError

# Enough of an error response to say why in the delivery's last_error.
ERROR_TEXT = 200
# Of an answer's body, enough is kept for its error text (the rest is read and dropped).
MAX_SUCCESS_READ = 4096


class PostError(Exception):
    """The request failed before an HTTP status came back (connect, timeout, reset)."""


@dataclass(frozen=True)
class Posted:
    status: int
    retry_after: str | None
    text: str


class Poster(Protocol):
    async def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> Posted: ...

    async def close(self) -> None: ...


class Http1Poster:
    """Keep-alive connections to every inbox host (federation/http1.py), up to `max_connections` idle."""

    def __init__(self, user_agent: str, max_connections: int = 100, connect: float = 5.0, read: float = 10.0) -> None:
        # A success body is not needed; up to MAX_SUCCESS_READ of any answer is kept for its error text.
        self.client = Http1Client(user_agent, max_connections, connect, read, body_limit=MAX_SUCCESS_READ)

    async def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> Posted:
        try:
            answer = await self.client.post(url, body, headers)
        except HttpError as exc:
            raise PostError(str(exc)) from exc
        text = "" if 200 <= answer.status < 300 else answer.body.decode(errors="replace")[:ERROR_TEXT]
        return Posted(answer.status, answer.retry_after, text)

    async def close(self) -> None:
        await self.client.close()


class HttpxPoster:
    """Deliveries through the node's httpx client: for a test's transport in place of the network."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> Posted:
        try:
            response = await self.client.post(url, content=body, headers=dict(headers))
        except httpx.HTTPError as exc:
            raise PostError(f"{type(exc).__name__}: {exc}") from exc
        return Posted(response.status_code, response.headers.get("retry-after"), response.text[:ERROR_TEXT])

    async def close(self) -> None:
        """The httpx client is the node's own and closed with it."""
