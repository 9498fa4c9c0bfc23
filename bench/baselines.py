"""The ceilings the benchmarks compare against: bare Starlette apps on the same uvicorn settings.

    python bench/baselines.py inbox --port P --keys keys.json --db rows.sqlite3
    python bench/baselines.py bytes --port P --file body.json

`inbox` is the least an inbox can do: verify one RSA signature (draft-cavage, the key looked
up in memory) and insert one row into SQLite, per request. `bytes` answers every GET with the
same JSON bytes, the least a read endpoint can do. Neither touches Flurfunk's code.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import re
from collections.abc import AsyncIterator
from functools import lru_cache
from pathlib import Path

import aiosqlite
import uvicorn
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

SIGNATURE_FIELD = re.compile(r'(\w+)="([^"]*)"')


def inbox_app(keys_file: Path, db_path: Path) -> Starlette:
    pems: dict[str, str] = json.loads(keys_file.read_text())
    state: dict[str, aiosqlite.Connection] = {}

    @lru_cache(maxsize=4096)
    def public_key(key_id: str):
        return serialization.load_pem_public_key(pems[key_id].encode())

    async def receive(request: Request) -> Response:
        body = await request.body()
        fields = dict(SIGNATURE_FIELD.findall(request.headers.get("signature", "")))
        lines = []
        for name in fields.get("headers", "date").split():
            if name == "(request-target)":
                lines.append(f"(request-target): post {request.url.path}")
            else:
                lines.append(f"{name}: {request.headers.get(name, '')}")
        try:
            public_key(fields["keyId"]).verify(
                base64.b64decode(fields["signature"]), "\n".join(lines).encode(), padding.PKCS1v15(), hashes.SHA256()
            )
        except (KeyError, InvalidSignature, ValueError):
            return Response(status_code=401)
        db = state["db"]
        await db.execute("INSERT INTO rows (body) VALUES (?)", (body.decode(),))
        await db.commit()
        return Response(status_code=202)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with aiosqlite.connect(db_path) as db:
            await db.execute("PRAGMA journal_mode=WAL")
            await db.execute("CREATE TABLE IF NOT EXISTS rows (id INTEGER PRIMARY KEY, body TEXT)")
            await db.commit()
            state["db"] = db
            yield

    return Starlette(routes=[Route("/inbox", receive, methods=["POST"])], lifespan=lifespan)


def bytes_app(body_file: Path) -> Starlette:
    body = body_file.read_bytes()

    async def serve(request: Request) -> Response:
        return Response(body, media_type="application/json")

    return Starlette(routes=[Route("/{path:path}", serve, methods=["GET"])])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kind", choices=("inbox", "bytes"))
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--keys", type=Path)
    parser.add_argument("--db", type=Path)
    parser.add_argument("--file", type=Path)
    args = parser.parse_args()
    app = inbox_app(args.keys, args.db) if args.kind == "inbox" else bytes_app(args.file)
    # The same loop and parser choice as `server.py serve` (uvloop and httptools when installed).
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", loop="auto", http="auto")


if __name__ == "__main__":
    main()
