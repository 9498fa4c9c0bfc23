"""The HTTP client that POSTs signed deliveries to remote inboxes.

Deliveries are the node's busiest outgoing traffic, and per request httpx costs far more CPU
than signing does: 0.5 to 1.3 ms per POST on loopback (more at 32 in flight), against about
0.07 ms for aiohttp on the same machine. So deliveries go out through aiohttp, while every
other request the node sends (fetches, WebFinger, OpenID Connect) keeps the httpx client.
When a test hands the node an httpx transport instead of the network, deliveries use it too
(HttpxPoster), so in-process tests see them as before.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import httpx

if TYPE_CHECKING:
    import aiohttp

# Enough of an error response to say why in the delivery's last_error.
ERROR_TEXT = 200
# A success body is not needed; reading a little lets a connection with a short body be reused.
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


class AiohttpPoster:
    """Keep-alive connections to every inbox host (up to `max_connections` in all)."""

    def __init__(self, user_agent: str, max_connections: int = 100, connect: float = 5.0, read: float = 10.0) -> None:
        self.user_agent = user_agent
        self.max_connections = max_connections
        self.connect_timeout = connect
        self.read_timeout = read
        self._session: aiohttp.ClientSession | None = None
        self._failures: tuple[type[BaseException], ...] = (TimeoutError,)

    def _open(self) -> aiohttp.ClientSession:
        # Made on first use: a session belongs to the running event loop, and a node that has
        # not delivered anything yet (every web process of `serve --workers N`) is spared
        # aiohttp's 6 MB of resident memory.
        import aiohttp

        if self._session is None or self._session.closed:
            timeout = aiohttp.ClientTimeout(total=None, sock_connect=self.connect_timeout, sock_read=self.read_timeout)
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self.max_connections),
                timeout=timeout,
                headers={"User-Agent": self.user_agent},
                # Cookies from inboxes mean nothing to a delivery, and a jar would grow with every host.
                cookie_jar=aiohttp.DummyCookieJar(),
            )
            self._failures = (aiohttp.ClientError, TimeoutError)
        return self._session

    async def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> Posted:
        session = self._open()
        # The signed Host header is sent as it was signed (aiohttp would otherwise write its own).
        try:
            async with session.post(url, data=body, headers=dict(headers), allow_redirects=False) as response:
                if 200 <= response.status < 300:
                    await response.content.read(MAX_SUCCESS_READ)
                    text = ""
                else:
                    text = (await response.content.read(4 * ERROR_TEXT)).decode(errors="replace")[:ERROR_TEXT]
                return Posted(response.status, response.headers.get("Retry-After"), text)
        except self._failures as exc:
            raise PostError(f"{type(exc).__name__}: {exc}") from exc

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


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
