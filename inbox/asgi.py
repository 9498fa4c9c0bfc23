"""Inbox POSTs answered straight from the ASGI scope, ahead of Starlette's routing.

Receiving activities is most of what other nodes ask of a node, and the work itself (verify
one signature, store one row) is small: Starlette's routing through every route before the
inbox's, its Request and Headers objects and the exception and CORS middleware were about a
fifth of it. This middleware, the outermost but for Starlette's error handler, answers
`POST /inbox`, `/users/{username}/inbox` and `/actor/inbox` with inbox.routes.accept and
passes everything else on. The routes in inbox.routes stay, for what it passes on (other
methods get their 405 there).
"""

from __future__ import annotations

import re

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from inbox.routes import MAX_BODY, accept

_INBOX = re.compile(r"/(?:inbox|actor/inbox|users/([^/]+)/inbox)")


class InboxFirst:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]  # as sent, which the signature covers
        root = scope.get("root_path", "")
        matched = _INBOX.fullmatch(path[len(root) :] if root and path.startswith(root) else path)
        if matched is None:
            await self.app(scope, receive, send)
            return
        try:
            body = await _body(receive)
        except _Gone:
            return
        if body is None:
            await _answer(send, 413, "Activity too large")
            return
        headers: dict[str, str] = {}
        for name, value in scope["headers"]:
            # The first of repeated headers, as Starlette's Headers.get gives it.
            headers.setdefault(name.decode("latin-1").lower(), value.decode("latin-1"))
        query = scope.get("query_string", b"")
        signed_path = path + ("?" + query.decode("latin-1") if query else "")
        node = scope["app"].state.node
        status, error = await accept(node, matched.group(1), signed_path, headers, body)
        await _answer(send, status, error)


class _Gone(Exception):
    """The client disconnected before its request's body was in."""


async def _body(receive: Receive) -> bytes | None:
    """The request's body, or None once it is longer than MAX_BODY (the rest is not read)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message: Message = await receive()
        if message["type"] != "http.request":
            raise _Gone
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _answer(send: Send, status: int, error: str | None) -> None:
    body = b"" if error is None else orjson.dumps({"error": error})
    headers = [(b"content-length", str(len(body)).encode())]
    if error is not None:
        headers.append((b"content-type", b"application/json"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
