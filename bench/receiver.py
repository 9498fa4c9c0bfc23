"""The remote nodes of bench/fan_out.py: one process answering every follower's inbox.

    python bench/receiver.py --port P --key bob.pem

Each POST to /nodes/{n}/inbox has its HTTP signature checked against the public key in `--key`
(Digest, Date window, RSA) before it is answered 202; one that fails is answered 401. The
process stands in for 50 machines, so it is kept as light as it can be while still checking
everything a real inbox checks: a plain ASGI app on uvicorn's uvloop and httptools, away from
the benchmark's own process, whose posting clients would otherwise share its interpreter lock
and slow every acknowledgement down.

GET /acks answers {"count": n, "rejected": r}; GET /acks?times=1 adds each acknowledged
delivery as [path, time.monotonic()] (the system's monotonic clock, the same in every process).
GET /acks?until=N answers once N deliveries were acknowledged, or after half a second: the
benchmark waits on it instead of asking every few milliseconds, which cost the receiver and
the benchmark's process CPU that the node under test then lacked.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import uvicorn

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from federation.errors import SignatureError  # noqa: E402
from federation.signatures import check_request, verify_signature  # noqa: E402

Scope = dict[str, Any]
WAIT_SECONDS = 0.5


class Receiver:
    def __init__(self, public_pem: str) -> None:
        self.public_pem = public_pem
        self.acks: list[tuple[str, float]] = []
        self.rejected = 0
        self.arrived = asyncio.Event()  # set and cleared on every acknowledgement

    async def __call__(self, scope: Scope, receive, send) -> None:
        if scope["type"] != "http":
            return
        if scope["method"] == "GET" and scope["path"] == "/acks":
            query = parse_qs(scope.get("query_string", b"").decode())
            if "until" in query:
                await self.until(int(query["until"][0]), WAIT_SECONDS)
            answer: dict[str, Any] = {"count": len(self.acks), "rejected": self.rejected}
            if "times" in query:
                answer["times"] = self.acks
            await _respond(send, 200, json.dumps(answer).encode())
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        await _respond(send, self.check(scope, body), b"")

    async def until(self, count: int, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while len(self.acks) < count and (left := deadline - time.monotonic()) > 0:
            try:
                await asyncio.wait_for(self.arrived.wait(), left)
            except TimeoutError:
                return

    def check(self, scope: Scope, body: bytes) -> int:
        if scope["method"] != "POST" or not scope["path"].startswith("/nodes/"):
            return 404
        headers = {name.decode("latin-1"): value.decode("latin-1") for name, value in scope["headers"]}
        try:
            params, text = check_request("POST", scope["path"], headers, body)
            if not verify_signature(params, text, self.public_pem):
                raise SignatureError("does not verify")
        except SignatureError:
            self.rejected += 1
            return 401
        self.acks.append((scope["path"], time.monotonic()))
        self.arrived.set()
        self.arrived.clear()
        return 202


async def _respond(send, status: int, body: bytes) -> None:
    headers = [(b"content-length", str(len(body)).encode())]
    if body:
        headers.append((b"content-type", b"application/json"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--key", type=Path, required=True, help="the sender's public key (PEM)")
    args = parser.parse_args()
    app = Receiver(args.key.read_text())
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", loop="auto", http="auto")


if __name__ == "__main__":
    main()
