"""A small HTTP/1.1 client for one job: POSTing signed deliveries over keep-alive connections.

A delivery is a few headers and a body written as one piece of bytes and a status line read
back; the response is parsed by httptools (llhttp, the parser uvicorn uses). aiohttp, used
before, cost about 0.1 ms of CPU per POST on loopback, as much as a third of a signature; this
costs about 0.03 ms. What it does not do, deliveries do not need: redirects (never followed
for a delivery), cookies, proxies, compression, streaming bodies.

Connections are kept per (scheme, host, port) and reused; at most `max_connections` are kept
idle in all (the longest idle closed first), and one idle for longer than IDLE_SECONDS is closed
rather than reused, before the other side's keep-alive timeout (uvicorn: 5 s) may close it
while a request is on its way. A reused connection that ends before any byte of an answer came
back is tried once more on a new one: the other side closed it unread.
"""

from __future__ import annotations

import asyncio
import functools
import ssl
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

import httptools

IDLE_SECONDS = 4.0
# Characters sent as they are in a request target; others (non-ASCII) are percent-encoded as UTF-8.
_TARGET_SAFE = "".join(chr(c) for c in range(0x21, 0x7F))


class HttpError(Exception):
    """No HTTP answer: refused, reset, timed out, unparseable, or a URL that cannot be sent."""


@dataclass(frozen=True)
class Answer:
    status: int
    retry_after: str | None
    body: bytes


class _Connection(asyncio.Protocol):
    """One keep-alive connection; one request at a time."""

    def __init__(self, key: tuple[str, str, int], body_limit: int) -> None:
        self.key = key
        self.body_limit = body_limit
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.idle_since = 0.0
        self._waiter: asyncio.Future[Answer] | None = None
        self._parser = httptools.HttpResponseParser(self)
        self._answered = False
        self._status = 0
        self._retry_after: str | None = None
        self._body = bytearray()

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self._answered = True
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(HttpError(f"unparseable response: {exc}"))
            self.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self._waiter is not None and not self._waiter.done():
            if self._status:  # an answer whose body runs until the connection ends
                self._finish()
            else:
                self._fail(ConnectionResetError(str(exc) if exc else "connection closed before an answer"))

    # httptools callbacks
    def on_header(self, name: bytes, value: bytes) -> None:
        if name.lower() == b"retry-after":
            self._retry_after = value.decode("latin-1")

    def on_headers_complete(self) -> None:
        self._status = self._parser.get_status_code()

    def on_body(self, body: bytes) -> None:
        room = self.body_limit - len(self._body)
        if room > 0:
            self._body += body[:room]

    def on_message_complete(self) -> None:
        if not self._parser.should_keep_alive():
            self.close()
        self._finish()

    def request(self, data: bytes) -> asyncio.Future[Answer]:
        self._waiter = asyncio.get_running_loop().create_future()
        self._answered = False
        self._status = 0
        self._retry_after = None
        self._body = bytearray()
        assert self.transport is not None
        self.transport.write(data)
        return self._waiter

    @property
    def answered(self) -> bool:
        return self._answered

    def _finish(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(Answer(self._status, self._retry_after, bytes(self._body)))

    def _fail(self, exc: Exception) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_exception(exc)

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()


class Http1Client:
    def __init__(
        self,
        user_agent: str,
        max_connections: int = 100,
        connect: float = 5.0,
        read: float = 10.0,
        body_limit: int = 4096,
    ) -> None:
        self.user_agent = user_agent
        self.max_connections = max_connections
        self.connect_timeout = connect
        self.read_timeout = read
        self.body_limit = body_limit
        self._idle: OrderedDict[_Connection, None] = OrderedDict()
        self._by_key: dict[tuple[str, str, int], list[_Connection]] = {}
        self._ssl: ssl.SSLContext | None = None

    async def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> Answer:
        """POST `body` with `headers` (a Host among them is sent as given: it was signed)."""
        key, target, host = _parts(url)
        head = [f"POST {target} HTTP/1.1", f"Host: {headers.get('Host') or host}", f"User-Agent: {self.user_agent}"]
        for name, value in headers.items():
            if name.lower() not in ("host", "content-length", "user-agent"):
                head.append(f"{name}: {value}")
        head.append(f"Content-Length: {len(body)}")
        text = "\r\n".join(head) + "\r\n\r\n"
        try:
            # A CR or LF inside a header (or the Host from the URL) would start a header of its own.
            if text.count("\n") != len(head) + 1 or text.count("\r") != len(head) + 1:
                raise ValueError("a header holds a line break")
            data = text.encode("latin-1") + body
        except ValueError as exc:  # UnicodeEncodeError included
            raise HttpError(f"cannot send: {exc}") from None
        connection = self._take(key)
        if connection is not None:
            try:
                return await self._exchange(connection, data)
            except ConnectionError as exc:
                if connection.answered:
                    raise HttpError(f"{type(exc).__name__}: {exc}") from None
                # Closed by the other side unread (its keep-alive ran out): once more on a new one.
        connection = await self._connect(key)
        try:
            return await self._exchange(connection, data)
        except ConnectionError as exc:
            raise HttpError(f"{type(exc).__name__}: {exc}") from None

    async def _exchange(self, connection: _Connection, data: bytes) -> Answer:
        try:
            async with asyncio.timeout(self.read_timeout):
                answer = await connection.request(data)
        except TimeoutError:
            connection.close()
            raise HttpError(f"no answer within {self.read_timeout:g} s") from None
        except ConnectionError:
            connection.close()
            raise
        self._keep(connection)
        return answer

    async def _connect(self, key: tuple[str, str, int]) -> _Connection:
        scheme, host, port = key
        context = None
        if scheme == "https":
            if self._ssl is None:
                self._ssl = ssl.create_default_context()
            context = self._ssl
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(self.connect_timeout):
                _, connection = await loop.create_connection(
                    lambda: _Connection(key, self.body_limit),
                    host,
                    port,
                    ssl=context,
                    server_hostname=host if context else None,
                )
        except TimeoutError:
            raise HttpError(f"no connection within {self.connect_timeout:g} s") from None
        except (OSError, ssl.SSLError) as exc:
            raise HttpError(f"{type(exc).__name__}: {exc}") from exc
        return connection

    def _take(self, key: tuple[str, str, int]) -> _Connection | None:
        waiting = self._by_key.get(key)
        now = time.monotonic()
        while waiting:
            connection = waiting.pop()
            self._idle.pop(connection, None)
            if not connection.closed and now - connection.idle_since < IDLE_SECONDS:
                return connection
            connection.close()
        return None

    def _keep(self, connection: _Connection) -> None:
        if connection.closed:
            return
        connection.idle_since = time.monotonic()
        self._by_key.setdefault(connection.key, []).append(connection)
        self._idle[connection] = None
        while len(self._idle) > self.max_connections:
            oldest, _ = self._idle.popitem(last=False)
            self._by_key[oldest.key].remove(oldest)
            oldest.close()

    async def close(self) -> None:
        for connection in self._idle:
            connection.close()
        self._idle.clear()
        self._by_key.clear()


@functools.lru_cache(maxsize=1024)
def _parts(url: str) -> tuple[tuple[str, str, int], str, str]:
    """(scheme, host, port), the request target and the Host header value of `url`; kept for the
    inboxes delivered to most, since splitting and quoting cost a sixth of a request."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise HttpError(f"cannot POST to {url!r}")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError as exc:
        raise HttpError(f"bad port in {url!r}") from exc
    target = quote(parts.path or "/", safe=_TARGET_SAFE)
    if parts.query:
        target += "?" + quote(parts.query, safe=_TARGET_SAFE)
    return (scheme, parts.hostname, port), target, parts.netloc
