"""The deliveries' HTTP/1.1 client against a scripted server on loopback: keep-alive, answers
of every shape it meets, a connection the other side closed, and the failures it must report."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from federation.http1 import Http1Client, HttpError
from federation.posting import Http1Poster

Handler = Callable[[int, bytes, asyncio.StreamWriter], Awaitable[bool]]


class Server:
    """Reads whole requests; `handler(connection number, request, writer)` answers, returning False to hang up."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.connections = 0
        self.requests: list[bytes] = []

    async def __aenter__(self) -> Server:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.server.close()

    def url(self, path: str = "/inbox") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        number = self.connections
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    int(line.split(b":", 1)[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length")
                )
                request = head + await reader.readexactly(length)
                self.requests.append(request)
                if not await self.handler(number, request, writer):
                    break
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        writer.close()


def answer(status: int = 202, body: bytes = b"", extra: str = "") -> bytes:
    return f"HTTP/1.1 {status} X\r\nContent-Length: {len(body)}\r\n{extra}\r\n".encode() + body


async def test_posts_go_over_one_kept_connection_with_the_signed_host_and_the_body():
    async def handler(number: int, request: bytes, writer: asyncio.StreamWriter) -> bool:
        writer.write(answer(202, b'{"ok":true}'))
        return True

    async with Server(handler) as server:
        client = Http1Client("Flurfunk/test")
        for n in range(3):
            got = await client.post(server.url(), b'{"n":%d}' % n, {"Host": "signed.example", "Digest": "SHA-256=x"})
            assert (got.status, got.body) == (202, b'{"ok":true}')
        await client.close()
    assert server.connections == 1
    head, _, body = server.requests[2].partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    assert lines[0] == b"POST /inbox HTTP/1.1"
    assert b"Host: signed.example" in lines and b"User-Agent: Flurfunk/test" in lines
    assert b"Digest: SHA-256=x" in lines and b"Content-Length: 7" in lines
    assert body == b'{"n":2}'


async def test_an_error_answer_keeps_its_status_retry_after_and_text():
    async def handler(number: int, request: bytes, writer: asyncio.StreamWriter) -> bool:
        writer.write(answer(429, b"slow down", "Retry-After: 600\r\n"))
        return True

    async with Server(handler) as server:
        poster = Http1Poster("Flurfunk/test")
        posted = await poster.post(server.url(), b"{}", {})
        await poster.close()
    assert (posted.status, posted.retry_after, posted.text) == (429, "600", "slow down")


async def test_a_chunked_answer_and_one_that_ends_with_the_connection_are_read_whole():
    async def handler(number: int, request: bytes, writer: asyncio.StreamWriter) -> bool:
        if number == 1:
            writer.write(
                b"HTTP/1.1 400 Bad\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
            )
            return True
        writer.write(b"HTTP/1.1 410 Gone\r\nConnection: close\r\n\r\ngone for good")
        return False

    async with Server(handler) as server:
        client = Http1Client("Flurfunk/test")
        first = await client.post(server.url(), b"{}", {})
        client._take(("http", "127.0.0.1", server.port))  # the next one on a new connection
        second = await client.post(server.url(), b"{}", {})
        await client.close()
    assert (first.status, first.body) == (400, b"hello world")
    assert (second.status, second.body) == (410, b"gone for good")


async def test_a_kept_connection_the_other_side_closed_unread_is_replaced_once():
    async def handler(number: int, request: bytes, writer: asyncio.StreamWriter) -> bool:
        if number == 1 and request.endswith(b'"second"'):
            return False  # hangs up on the request it was sent, without an answer
        writer.write(answer(202))
        return True

    async with Server(handler) as server:
        client = Http1Client("Flurfunk/test")
        assert (await client.post(server.url(), b'"first"', {})).status == 202
        assert (await client.post(server.url(), b'"second"', {})).status == 202
        await client.close()
    assert server.connections == 2
    assert [r.endswith(b'"second"') for r in server.requests] == [False, True, True]


async def test_no_answer_in_time_a_refused_connection_and_a_header_with_a_line_break_are_errors():
    async def silent(number: int, request: bytes, writer: asyncio.StreamWriter) -> bool:
        await asyncio.sleep(5)
        return False

    async with Server(silent) as server:
        client = Http1Client("Flurfunk/test", read=0.2)
        with pytest.raises(HttpError, match="no answer"):
            await client.post(server.url(), b"{}", {})
        with pytest.raises(HttpError, match="line break"):
            await client.post(server.url(), b"{}", {"Signature": 'x"\r\nEvil: 1'})
        await client.close()
    with pytest.raises(HttpError):
        await Http1Client("Flurfunk/test").post(server.url(), b"{}", {})
    with pytest.raises(HttpError):
        await Http1Client("Flurfunk/test").post("ftp://127.0.0.1/inbox", b"{}", {})
