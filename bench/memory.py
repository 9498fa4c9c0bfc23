"""Memory: resident memory (RSS) of one node, idle and after the benchmarks' load.

    python bench/memory.py [--activities 3000] [--statuses 100000] [--seconds 10]

Idle is a fresh `server.py serve` process with one user, a few seconds after start. "After"
is the same process once it has ingested `--activities` signed Creates (as bench/inbox_ingest.py
sends them) and then answered the home timeline at 32 connections for `--seconds` on a database
of `--statuses` statuses (as bench/home_timeline.py seeds it). Goal (issue 6): under 80 MB idle
and under 120 MB after.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import header, request_bytes, run_load, tree_rss_mb  # noqa: E402
from bench.home_timeline import seed  # noqa: E402
from bench.inbox_ingest import _seed, make_actors, signed_creates  # noqa: E402
from tests.nodes import NodeProcess  # noqa: E402


def run(activities: int, statuses: int, seconds: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        node = NodeProcess(Path(tmp) / "node")
        print("creating the node and alice ...", flush=True)
        token = node.add_user("alice")
        db_file = node.data_dir / "flurfunk.sqlite3"
        seed(db_file, 10_000, statuses, 200)
        actors = make_actors(50)
        asyncio.run(_seed(f"sqlite://{db_file}", actors, "alice"))
        requests = signed_creates(node.domain, actors, activities)
        node.start()
        try:
            time.sleep(3)
            idle = tree_rss_mb([node.process.pid])
            print(f"  idle RSS {idle:.0f} MB", flush=True)
            run_load(node.port, requests, 32, label="activities POSTed")
            with node.client(token) as client:
                deadline = time.monotonic() + 120
                while time.monotonic() < deadline:
                    queued = client.get("/api/v1/timelines/home", params={"limit": 1}).json()
                    if queued and "Status report" in queued[0]["content"]:
                        break
                    time.sleep(0.2)
            path = "/api/v1/timelines/home?limit=40"
            auth = {"Authorization": f"Bearer {token}"}
            httpx.get(node.url + path, headers=auth, timeout=30).raise_for_status()
            run_load(node.port, [request_bytes("GET", path, node.domain, auth)], 32, seconds, "home timeline reads")
            after = tree_rss_mb([node.process.pid])
        finally:
            node.stop()
    return {"idle_mb": idle, "after_mb": after, "activities": activities, "statuses": statuses}


def report(f: dict) -> None:
    print(f"memory of one node ({f['statuses']:,} statuses, then {f['activities']:,} activities and timeline reads):")
    print(f"  idle  {f['idle_mb']:5.0f} MB (goal < 80 MB)")
    print(f"  after {f['after_mb']:5.0f} MB (goal < 120 MB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--activities", type=int, default=3000)
    parser.add_argument("--statuses", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    header("memory")
    report(run(args.activities, args.statuses, args.seconds))


if __name__ == "__main__":
    main()
