"""The streaming API: server-sent events per stream, and one multiplexed WebSocket.

Mastodon serves both (streaming/index.js): SSE at /api/v1/streaming/<stream> and a WebSocket
at /api/v1/streaming where clients send {"type": "subscribe", "stream": "user"}; the token
comes from the Authorization header, the access_token query parameter or, for browsers that
cannot set headers on a WebSocket, the Sec-WebSocket-Protocol header.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from api.auth import Caller, authenticate, caller_for_token, has_scope
from api.errors import APIError
from api.streaming_hub import StreamHub
from models.lists import List

HEARTBEAT_SECONDS = 15.0


def stream_name(kind: str, params: dict[str, str]) -> str | None:
    """The hub's stream name for a stream requested as Mastodon names them, or None if unknown."""
    media = ":media" if params.get("only_media") in ("true", "1") else ""
    if kind in ("user", "user:notification", "direct"):
        return kind
    if kind in ("public", "public:local", "public:remote"):
        if kind == "public" and params.get("local") in ("true", "1"):
            kind = "public:local"
        return kind + media
    if kind in ("public:media", "public:local:media", "public:remote:media"):
        return kind
    if kind in ("hashtag", "hashtag:local"):
        tag = (params.get("tag") or "").lstrip("#").lower()
        return f"{kind}:{tag}" if tag else None
    if kind == "list":
        list_id = (params.get("list") or "").strip()
        return f"list:{list_id}" if list_id.isdigit() else None
    return None


async def may_stream(stream: str, caller: Caller | None) -> bool:
    """A list stream is its owner's alone (Mastodon's authorizeListAccess)."""
    if not stream.startswith("list:"):
        return True
    if caller is None or caller.account is None:
        return False
    return await List.exists(id=int(stream.split(":", 1)[1]), account_id=caller.account.id)


def _needs(stream: str) -> str:
    return "read:notifications" if stream == "user:notification" else "read:statuses"


def _hub(request: Request | WebSocket) -> StreamHub:
    return request.app.state.stream_hub


async def _sse(request: Request, kind: str) -> Response:
    params = dict(request.query_params)
    stream = stream_name(kind, params)
    if stream is None:
        raise APIError(400, "Unknown stream type")
    caller = await authenticate(request)
    if stream.split(":")[0] in ("user", "direct", "list") and (caller is None or caller.account is None):
        raise APIError(401, "Error: Missing access token")
    if caller is not None and not has_scope(caller.scopes, _needs(stream)):
        raise APIError(401, "Error: Access token does not have the required scopes")
    if not await may_stream(stream, caller):
        raise APIError(401, "Error: Not authorized to stream this list")
    hub = _hub(request)
    connection = hub.open(caller.account if caller else None)
    connection.streams.add(stream)

    async def events() -> AsyncIterator[bytes]:
        try:
            yield b":)\n\n"
            while True:
                try:
                    message = await asyncio.wait_for(connection.queue.get(), HEARTBEAT_SECONDS)
                except TimeoutError:
                    yield b":thump\n\n"
                    continue
                # Events without a payload (filters_changed) read "undefined" here, as from Mastodon's streaming server.
                yield f"event: {message['event']}\ndata: {message.get('payload', 'undefined')}\n\n".encode()
        finally:
            hub.close(connection)

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


def _sse_route(path: str, kind: str) -> Route:
    async def endpoint(request: Request) -> Response:
        return await _sse(request, kind)

    return Route(path, endpoint, methods=["GET"])


async def health(request: Request) -> Response:
    return PlainTextResponse("OK")


async def _websocket_caller(websocket: WebSocket) -> tuple[Caller | None, str | None]:
    """The caller from the query, the Authorization header or Sec-WebSocket-Protocol."""
    protocol = websocket.headers.get("sec-websocket-protocol")
    token = websocket.query_params.get("access_token")
    header = websocket.headers.get("authorization", "")
    if not token and header[:7].lower() == "bearer ":
        token = header[7:].strip()
    if not token and protocol:
        token = protocol.split(",")[0].strip()
    if not token:
        return None, None
    return await caller_for_token(token), (protocol.split(",")[0].strip() if protocol else None)


async def websocket_endpoint(websocket: WebSocket) -> None:
    try:
        caller, subprotocol = await _websocket_caller(websocket)
    except APIError as exc:
        await websocket.close(code=4001, reason=exc.message)
        return
    await websocket.accept(subprotocol=subprotocol)
    hub = _hub(websocket)
    connection = hub.open(caller.account if caller else None)

    async def subscribe(params: dict[str, str]) -> str | None:
        stream = stream_name(params.get("stream", ""), params)
        if stream is None:
            return "Unknown stream type"
        if stream.split(":")[0] in ("user", "direct", "list") and (caller is None or caller.account is None):
            return "Missing access token"
        if caller is not None and not has_scope(caller.scopes, _needs(stream)):
            return "Access token does not have the required scopes"
        if not await may_stream(stream, caller):
            return "Not authorized to stream this list"
        connection.streams.add(stream)
        return None

    initial = websocket.query_params.get("stream")
    if initial:
        error = await subscribe(dict(websocket.query_params))
        if error:
            await websocket.send_text(json.dumps({"error": error, "status": 401}))

    async def pump() -> None:
        while True:
            message = await connection.queue.get()
            await websocket.send_text(json.dumps(message))

    sender = asyncio.create_task(pump())
    try:
        while True:
            raw = await websocket.receive_text()
            try:
                command = json.loads(raw)
            except ValueError:
                await websocket.send_text(json.dumps({"error": "Invalid JSON", "status": 400}))
                continue
            if not isinstance(command, dict):
                continue
            params = {k: str(v) for k, v in command.items() if isinstance(v, str | int | bool)}
            if command.get("type") == "subscribe":
                error = await subscribe(params)
                if error:
                    await websocket.send_text(json.dumps({"error": error, "status": 400}))
            elif command.get("type") == "unsubscribe":
                stream = stream_name(params.get("stream", ""), params)
                connection.streams.discard(stream or "")
    except WebSocketDisconnect:
        pass
    finally:
        sender.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sender
        hub.close(connection)


routes: list[BaseRoute] = [
    Route("/api/v1/streaming/health", health, methods=["GET"]),
    _sse_route("/api/v1/streaming/user", "user"),
    _sse_route("/api/v1/streaming/user/notification", "user:notification"),
    _sse_route("/api/v1/streaming/public", "public"),
    _sse_route("/api/v1/streaming/public/local", "public:local"),
    _sse_route("/api/v1/streaming/public/remote", "public:remote"),
    _sse_route("/api/v1/streaming/hashtag", "hashtag"),
    _sse_route("/api/v1/streaming/hashtag/local", "hashtag:local"),
    _sse_route("/api/v1/streaming/direct", "direct"),
    _sse_route("/api/v1/streaming/list", "list"),
    WebSocketRoute("/api/v1/streaming", websocket_endpoint),
    WebSocketRoute("/api/v1/streaming/", websocket_endpoint),
]
