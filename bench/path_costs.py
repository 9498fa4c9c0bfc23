"""What each hot path costs the node itself: CPU per request with the ASGI app called in process.

    python bench/path_costs.py [--activities 2000] [--statuses 200000] [--pages 2000] [--profile PATH]

No sockets, no HTTP server, no load generator on the same cores: the app is called the way
uvicorn calls it, and the figures are process CPU time (SQLite's thread included) per request,
for comparing one change against another on a noisy machine. The end-to-end benchmarks
(inbox_ingest, home_timeline) add the HTTP server's share and what two busy processes cost
each other on two cores.

  inbox accept   POST /inbox of distinct signed Creates by 20 followed remote actors, 32 at a time
                 (plain posts by known actors are applied on arrival: this includes storing them)
  inbox apply    the inbox worker applying what was left to it (process_due until none are left)
  home page      GET /api/v1/timelines/home?limit=40 for alice, who follows 200 of 10,000 accounts

`--profile accept|apply|home` prints a cProfile of that path (functions by own time); profiling
inflates Python-heavy parts, so read it for where time goes, not for the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import pstats
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import header, progress  # noqa: E402

HOST = "127.0.0.1:8000"
ACTORS = 20
AT_ONCE = 32  # requests in flight together, as the inbox benchmark's connections
WARM_UP = 200


def settings_for(data_dir: Path):
    from settings import Settings

    return Settings(domain=HOST, scheme="http", data_dir=data_dir, run_workers=False)


class Caller:
    """Calls an ASGI app with one request at a time, as a server would, and keeps the statuses."""

    def __init__(self, app) -> None:
        self.app = app
        self.statuses: dict[int, int] = {}

    async def __call__(self, method: str, path: str, query: bytes, headers: list[tuple[bytes, bytes]], body: bytes):
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
            "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": query,
            "root_path": "", "headers": headers, "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8000), "state": {},
        }  # fmt: skip
        sent = False

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            await asyncio.Event().wait()  # the client never disconnects
            return {}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                self.statuses[message["status"]] = self.statuses.get(message["status"], 0) + 1

        await self.app(scope, receive, send)


@contextmanager
def measured(label: str, count: int, profile: bool):
    """Print process CPU (all threads) and wall time per item of the block; cProfile it if asked."""
    profiler = cProfile.Profile() if profile else None
    cpu, wall = time.process_time(), time.perf_counter()
    if profiler:
        profiler.enable()
    yield
    if profiler:
        profiler.disable()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(f"  {label:<13} {1e6 * cpu / count:>7.0f} µs CPU {1e6 * wall / count:>7.0f} µs wall per item ({count:,})")
    if profiler:
        pstats.Stats(profiler).sort_stats("tottime").print_stats(40)


async def inbox(data_dir: Path, activities: int, profile: str) -> None:
    from core.registration import create_local_account
    from federation.keys import generate_key_pair
    from federation.signatures import sign
    from inbox.processing import process_due
    from models.accounts import Account
    from models.ids import new_id
    from models.relationships import Follow
    from models.statuses import Status
    from server import create_app, settle

    settings = settings_for(data_dir)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        node = app.state.node
        alice = await create_local_account(settings.base_url, "alice", "correct horse battery")
        now = datetime.now(UTC)
        actors, keys = [], []
        for i in range(ACTORS):
            private, public = generate_key_pair()
            keys.append(private)
            domain = f"node{i}.remote.example"
            uri = f"https://{domain}/users/u{i}"
            actors.append(
                Account(
                    id=new_id(), username=f"u{i}", domain=domain, uri=uri, url=uri, inbox_url=uri + "/inbox",
                    shared_inbox_url=f"https://{domain}/inbox", followers_url=uri + "/followers",
                    key_id=uri + "#main-key", public_key_pem=public, fetched_at=now,
                )
            )  # fmt: skip
        await Account.bulk_create(actors)
        await Follow.bulk_create([Follow(id=new_id(), account_id=alice.id, target_account_id=a.id) for a in actors])

        published = now.strftime("%Y-%m-%dT%H:%M:%SZ")
        public = ["https://www.w3.org/ns/activitystreams#Public"]
        requests = []
        for i in range(WARM_UP + activities):
            actor = actors[i % ACTORS]
            note = f"{actor.uri}/statuses/{i}"
            activity = {
                "@context": "https://www.w3.org/ns/activitystreams", "id": note + "/activity", "type": "Create",
                "actor": actor.uri, "published": published, "to": public, "cc": [actor.followers_url],
                "object": {
                    "id": note, "type": "Note", "attributedTo": actor.uri, "published": published,
                    "content": f"<p>Status report number {i}: all systems nominal.</p>",
                    "to": public, "cc": [actor.followers_url],
                },
            }  # fmt: skip
            body = json.dumps(activity).encode()
            signed = sign("POST", f"http://{HOST}/inbox", body, actor.key_id, keys[i % ACTORS])
            signed["Content-Type"] = "application/activity+json"
            headers = [(k.lower().encode(), v.encode()) for k, v in signed.items()]
            requests.append((headers + [(b"content-length", str(len(body)).encode())], body))
            if (i + 1) % 500 == 0 or i + 1 == WARM_UP + activities:
                progress("signing", i + 1, WARM_UP + activities)

        call = Caller(app)

        async def accept(batch: list[tuple[list[tuple[bytes, bytes]], bytes]]) -> None:
            for start in range(0, len(batch), AT_ONCE):
                await asyncio.gather(*(call("POST", "/inbox", b"", h, b) for h, b in batch[start : start + AT_ONCE]))

        async def apply_all() -> int:
            done = 0
            while found := await process_due(node):
                done += found
            return done

        await accept(requests[:WARM_UP])
        await apply_all()
        settle()
        with measured("inbox accept", activities, profile == "accept"):
            await accept(requests[WARM_UP:])
        with measured("inbox apply", activities, profile == "apply"):
            applied = await apply_all()
        # Plain posts by known actors are applied as they arrive (inbox/on_arrival.py): the
        # worker applies only the rest, so what counts is every post stored in the end.
        stored = await Status.filter(local=False).count()
        print(f"  answers {call.statuses}; {applied:,} applied by the worker, {stored:,} posts stored")
        if call.statuses != {202: WARM_UP + activities} or stored != WARM_UP + activities:
            raise SystemExit("not every activity was accepted and applied: see the node's log")


async def home(data_dir: Path, statuses: int, pages: int, profile: str) -> None:
    from bench.home_timeline import seed
    from core.registration import create_local_account
    from oauth.tokens import cli_application, issue_token
    from server import create_app, settle

    settings = settings_for(data_dir)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        alice = await create_local_account(settings.base_url, "alice", "correct horse battery")
        token = (await issue_token(alice, await cli_application(), "read write follow")).token
    seed(data_dir / "flurfunk.sqlite3", 10_000, statuses, 200)

    app = create_app(settings)
    async with app.router.lifespan_context(app):
        call = Caller(app)
        headers = [(b"host", HOST.encode()), (b"authorization", f"Bearer {token}".encode()), (b"accept", b"*/*")]

        async def read(count: int) -> None:
            for _ in range(count):
                await call("GET", "/api/v1/timelines/home", b"limit=40", headers, b"")

        await read(WARM_UP)
        settle()
        with measured("home page", pages, profile == "home"):
            await read(pages)
        if call.statuses != {200: WARM_UP + pages}:
            raise SystemExit(f"home timeline answered {call.statuses}: see the node's log")


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        await inbox(Path(tmp) / "inbox", args.activities, args.profile)
    with tempfile.TemporaryDirectory() as tmp:
        await home(Path(tmp) / "home", args.statuses, args.pages, args.profile)


def run() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--activities", type=int, default=2000)
    parser.add_argument("--statuses", type=int, default=200_000)
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--profile", choices=["accept", "apply", "home"], default="")
    args = parser.parse_args()
    header("Hot paths in process: CPU per request, the app called directly")
    try:
        import uvloop
    except ImportError:
        asyncio.run(main(args))
    else:
        uvloop.run(main(args))


if __name__ == "__main__":
    run()
