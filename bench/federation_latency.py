"""How long a post takes to reach a follower on another node: two real nodes on loopback.

    python bench/federation_latency.py [--posts 50]

Starts two `server.py serve` processes on SQLite, lets alice (node A) follow bob (node B),
opens alice's user stream (server-sent events) and has bob post one status at a time. For each
post it measures the time from bob's POST /api/v1/statuses returning to the `update` event on
alice's stream: signing, delivery, verification, storage, fan-out and streaming together.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import machine, percentile, progress  # noqa: E402
from tests.federation.people import Person  # noqa: E402
from tests.nodes import NodeProcess  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=50)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        eng, sales = NodeProcess(Path(tmp) / "eng"), NodeProcess(Path(tmp) / "sales")
        print("starting two nodes ...", flush=True)
        eng.start()
        sales.start()
        try:
            alice, bob = Person.on(eng, "alice"), Person.on(sales, "bob")
            alice.follow(bob)
            alice.wait_following(bob)

            arrivals: dict[str, float] = {}
            ready = threading.Event()

            def listen() -> None:
                headers = {"Authorization": f"Bearer {alice.token}"}
                with httpx.Client(timeout=httpx.Timeout(5, read=None)) as client:
                    with client.stream("GET", f"{eng.url}/api/v1/streaming/user", headers=headers) as response:
                        ready.set()
                        event = None
                        for line in response.iter_lines():
                            if line.startswith("event: "):
                                event = line[7:]
                            elif line.startswith("data: ") and event == "update":
                                arrivals[json.loads(line[6:])["uri"]] = time.perf_counter()
                                if len(arrivals) >= args.posts:
                                    return

            threading.Thread(target=listen, daemon=True).start()
            ready.wait(10)
            latencies = []
            for n in range(args.posts):
                posted = bob.toot(f"post {n}")
                sent = time.perf_counter()
                deadline = sent + 30
                while posted["uri"] not in arrivals and time.perf_counter() < deadline:
                    time.sleep(0.001)
                if posted["uri"] not in arrivals:
                    raise SystemExit(f"post {n} never arrived")
                latencies.append((arrivals[posted["uri"]] - sent) * 1000)
                progress("posts delivered", n + 1, args.posts)
        finally:
            eng.stop()
            sales.stop()

    latencies.sort()
    p99 = percentile(latencies, 99)
    print(f"machine: {machine()}")
    print(f"post on node B -> update on a follower's stream on node A, {len(latencies)} posts:")
    print(f"  median {statistics.median(latencies):.1f} ms   p99 {p99:.1f} ms   max {latencies[-1]:.1f} ms")


if __name__ == "__main__":
    main()
