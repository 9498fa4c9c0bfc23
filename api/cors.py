"""CORS for the client API: Starlette's middleware, with a cheaper path for requests without Origin.

Web clients (Elk, Phanpy) send Origin and get Starlette's full handling. Native apps and
servers send none; for them Starlette's middleware only adds `Vary: Origin`, but it does so by
wrapping every response's headers in MutableHeaders and joining Vary values, about a tenth of
a home timeline page's time. Here those responses get the same header appended directly.
"""

from __future__ import annotations

from starlette.middleware.cors import CORSMiddleware
from starlette.types import Message, Receive, Scope, Send


class CORS(CORSMiddleware):
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or any(name == b"origin" for name, _ in scope["headers"]):
            await super().__call__(scope, receive, send)
            return

        async def send_varying(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = _with_vary_origin(list(message.get("headers", ())))
            await send(message)

        await self.app(scope, receive, send_varying)


def _with_vary_origin(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """`Vary: Origin` added, or appended to a Vary the response has (as Starlette joins them)."""
    for n, (name, value) in enumerate(headers):
        if name.lower() == b"vary":
            headers[n] = (name, value + b", Origin")
            return headers
    headers.append((b"vary", b"Origin"))
    return headers
