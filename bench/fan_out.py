"""Fan-out: one post by a user with followers on 50 nodes, until every node acknowledged it.

    python bench/fan_out.py [--nodes 50] [--burst 20] [--rounds 3]
    python bench/fan_out.py --db postgres://postgres:postgres@127.0.0.1:5432 --web 2 --workers 2

One node with bob, followed by one account on each of `--nodes` remote nodes: by default
`server.py serve` on SQLite, web and workers in one process; with `--db` (a PostgreSQL server)
on a fresh database made for the run and dropped after it, with `--web N` web processes
(`serve --workers N --no-worker`) and `--workers M` separate `server.py worker` processes.
A local receiver (bench/receiver.py, a process of its own) stands in for all the remote nodes: each has its
own inbox URL there, and the receiver verifies every request's signature against bob's public
key before it answers 202. Measured:
  one post    from POST /api/v1/statuses until the last node acknowledged (goal < 2 s);
  a burst     `--burst` posts at once (burst x nodes signed deliveries): deliveries per second,
              against the RSA signing ceiling measured in the same run (signing the same kind of
              signing string with bob's key in a loop; goal >= 50% of it), and the CPU time the
              node's processes spent on the burst, per delivery. `--rounds` bursts are made one
              after another: the one of the median rate is reported, with every burst's share.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from datetime import UTC, datetime
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    cpu_time,
    free_port,
    fresh_postgres,
    header,
    progress,
    start_processes,
    stop,
    tree_rss_mb,
    wait_listening,
)
from federation.signatures import sign  # noqa: E402
from tests.nodes import NodeProcess  # noqa: E402

# The burst's posts are made over this many connections at once: one after another, the
# round trip of each post would pace the deliveries rather than the node's delivery work.
POSTERS = 4


class Receiver:
    """Every remote node's inbox: bench/receiver.py in a process of its own, verifying each signature."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.acks: list[tuple[str, float]] = []  # filled by `wait`
        self.rejected = 0
        self._http = httpx.Client(base_url=f"http://127.0.0.1:{self.port}")

    def start(self, public_pem: str, key_file: Path) -> None:
        key_file.write_text(public_pem)
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("receiver.py")), "--port", str(self.port)]
            + ["--key", str(key_file)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        wait_listening(self.port, self.process)

    def count(self, until: int = 0) -> int:
        """How many deliveries were acknowledged; `until`: once that many were, or after half a second."""
        answer = self._http.get("/acks", params={"until": until} if until else None).json()
        self.rejected = answer["rejected"]
        return answer["count"]

    def wait(self, count: int, timeout: float = 60) -> float:
        """Wait until `count` deliveries were acknowledged; returns when the last of them was (time.monotonic)."""
        deadline = time.monotonic() + timeout
        done = self.count()
        while done < count and time.monotonic() < deadline:
            progress("deliveries acknowledged", done, count)
            done = self.count(until=count)
        progress("deliveries acknowledged", done, count)
        if done < count:
            raise SystemExit(f"only {done} of {count} deliveries arrived")
        self.acks = [(path, at) for path, at in self._http.get("/acks", params={"times": 1}).json()["times"]]
        return self.acks[count - 1][1]

    def close(self) -> None:
        self._http.close()
        stop(self.process)


async def _seed(database_url: str, receiver_port: int, nodes: int) -> tuple[str, str, str]:
    """Bob's followers, one on each remote node; returns bob's key id, private and public key."""
    from models.accounts import Account
    from models.db import close_database, open_database
    from models.ids import new_id
    from models.relationships import Follow

    await open_database(database_url, create_schema=False)
    try:
        bob = await Account.get(username="bob", domain="")
        now = datetime.now(UTC)
        followers = []
        for n in range(nodes):
            domain = f"node{n}.remote.example"
            uri = f"https://{domain}/users/f{n}"
            inbox = f"http://127.0.0.1:{receiver_port}/nodes/{n}/inbox"
            followers.append(
                Account(
                    id=new_id(),
                    username=f"f{n}",
                    domain=domain,
                    uri=uri,
                    url=uri,
                    inbox_url=inbox,
                    shared_inbox_url=inbox,
                    followers_url=uri + "/followers",
                    key_id=uri + "#main-key",
                    fetched_at=now,
                )
            )
        await Account.bulk_create(followers)
        await Follow.bulk_create([Follow(id=new_id(), account_id=f.id, target_account_id=bob.id) for f in followers])
        await Account.filter(id=bob.id).update(followers_count=nodes)
        return bob.key_id, bob.private_key_pem, bob.public_key_pem
    finally:
        await close_database()


def signing_ceiling(private_pem: str, key_id: str, url: str, seconds: float = 2.0) -> float:
    """Signatures per second on one core: what every signed delivery costs at the least."""
    body = b'{"type":"Create","id":"https://example/1"}' * 20
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        sign("POST", url, body, key_id, private_pem)
        count += 1
    return count / (time.perf_counter() - started)


def post_at_once(clients: list[httpx.Client], pool: ThreadPoolExecutor, texts: list[str]) -> None:
    """Post `texts` from one connection per client at once, as a busy node's users would."""

    def post(client: httpx.Client, share: list[str]) -> None:
        for text in share:
            client.post("/api/v1/statuses", json={"status": text, "visibility": "public"}).raise_for_status()

    list(pool.map(post, clients, [texts[n :: len(clients)] for n in range(len(clients))]))


def run(nodes: int, burst: int, db: str = "", web: int = 1, workers: int = 0, rounds: int = 3) -> dict:
    """Run the benchmark; returns its figures.

    `db`: a PostgreSQL server URL (a fresh database is made on it), or "" for SQLite. `web` and
    `workers` > 0: separate web and worker processes instead of one `serve` process.
    """
    with tempfile.TemporaryDirectory() as tmp, fresh_postgres(db) if db else nullcontext("") as database_url:
        node = NodeProcess(Path(tmp) / "node", extra_env={"FEDI_DB": database_url} if database_url else {})
        print("creating the node and bob ...", flush=True)
        token = node.add_user("bob")
        receiver = Receiver()
        database_url = database_url or f"sqlite://{node.data_dir / 'flurfunk.sqlite3'}"
        key_id, private_pem, public_pem = asyncio.run(_seed(database_url, receiver.port, nodes))
        print("measuring the RSA signing ceiling ...", flush=True)
        ceiling = signing_ceiling(private_pem, key_id, f"http://127.0.0.1:{receiver.port}/nodes/0/inbox")
        receiver.start(public_pem, Path(tmp) / "bob.pem")
        separate = web > 1 or workers > 0
        processes = start_processes(node, web, workers) if separate else [node.start().process]
        clients = [node.client(token) for _ in range(POSTERS)]
        pool = ThreadPoolExecutor(POSTERS)
        try:
            with node.client(token) as client:
                started = time.monotonic()
                client.post("/api/v1/statuses", json={"status": "All hands at ten.", "visibility": "public"})
                one_post = receiver.wait(nodes) - started
            # One post per connection before the burst, as on a node in use: each worker process
            # has then signed and sent (its signing process running, its connections open), and
            # the posting clients' connections are open, so the burst measures deliveries only.
            post_at_once(clients, pool, [f"Warm-up post {n}" for n in range(POSTERS)])
            receiver.wait(nodes * (1 + POSTERS))
            bursts = []
            for number in range(1, rounds + 1):
                first = len(receiver.acks)
                started = time.monotonic()
                node_cpu, own_cpu = cpu_time([p.pid for p in processes]), time.process_time()
                receiver_cpu = cpu_time([receiver.process.pid])
                post_at_once(clients, pool, [f"Burst {number} post {n}" for n in range(burst)])
                posted = time.monotonic() - started
                last = receiver.wait(first + burst * nodes)
                bursts.append(
                    {
                        "burst_s": last - started,
                        "posted_s": posted,
                        "node_cpu_s": cpu_time([p.pid for p in processes]) - node_cpu,
                        "client_cpu_s": time.process_time() - own_cpu,
                        "receiver_cpu_s": cpu_time([receiver.process.pid]) - receiver_cpu,
                    }
                )
            rss_after = tree_rss_mb([p.pid for p in processes])
        finally:
            pool.shutdown()
            for client in clients:
                client.close()
            for process in processes:
                stop(process)
            receiver.close()
    per_node = {path for path, _ in receiver.acks}
    # The burst of the median rate (the slowest first) stands for the run; every rate is kept beside it.
    middle = sorted(bursts, key=lambda b: b["burst_s"], reverse=True)[len(bursts) // 2]
    burst_seconds, posted = middle["burst_s"], middle["posted_s"]
    return {
        "nodes": nodes,
        "setup": f"PostgreSQL, {web} web + {workers} worker processes" if separate else "SQLite, one process",
        "distinct_inboxes": len(per_node),
        "one_post_s": one_post,
        "burst": burst,
        "deliveries": burst * nodes,
        "burst_s": burst_seconds,
        "deliveries_per_s": burst * nodes / burst_seconds,
        "ceiling_per_s": ceiling,
        "posted_s": posted,
        "node_cpu_s": middle["node_cpu_s"],
        "receiver_cpu_s": middle["receiver_cpu_s"],
        "client_cpu_s": middle["client_cpu_s"],
        "rates_per_s": sorted(burst * nodes / b["burst_s"] for b in bursts),
        "rejected": receiver.rejected,
        "rss_after_mb": rss_after,
    }


def report(f: dict) -> None:
    print(f"fan-out to {f['nodes']} nodes (each delivery's signature verified by the receiver), {f['setup']}:")
    print(f"  one post      all {f['nodes']} acknowledged after {f['one_post_s'] * 1000:,.0f} ms (goal < 2 s)")
    print(
        f"  burst         {f['burst']} posts = {f['deliveries']:,} deliveries in {f['burst_s']:.2f} s"
        f" = {f['deliveries_per_s']:,.0f} signed deliveries/s (the last post was made after {f['posted_s']:.2f} s)"
    )
    print(
        f"  ceiling       {f['ceiling_per_s']:,.0f} RSA signatures/s on one core;"
        f" deliveries = {100 * f['deliveries_per_s'] / f['ceiling_per_s']:.1f}% of it (goal >= 50%)"
    )
    if len(f["rates_per_s"]) > 1:
        shares = ", ".join(f"{100 * rate / f['ceiling_per_s']:.1f}%" for rate in f["rates_per_s"])
        print(f"                {len(f['rates_per_s'])} bursts, the median one above: {shares} of the ceiling")
    print(
        f"  CPU           node {f['node_cpu_s']:.2f} s ({1e6 * f['node_cpu_s'] / f['deliveries']:,.0f} us a delivery),"
        f" receiver {f['receiver_cpu_s']:.2f} s, posting client {f['client_cpu_s']:.2f} s, in {f['burst_s']:.2f} s"
    )
    print(f"  rejected      {f['rejected']} signatures; node RSS after {f['rss_after_mb']:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--nodes", type=int, default=50)
    parser.add_argument("--burst", type=int, default=20)
    parser.add_argument("--db", default="", help="a PostgreSQL server URL (postgres://user:password@host:port)")
    parser.add_argument("--web", type=int, default=1, help="web processes (serve --workers N --no-worker)")
    parser.add_argument("--workers", type=int, default=0, help="separate `server.py worker` processes")
    parser.add_argument("--rounds", type=int, default=3, help="bursts, one after another; the median is reported")
    args = parser.parse_args()
    if (args.web > 1 or args.workers) and not args.db:
        parser.error("--web and --workers need --db: several processes share one database only on PostgreSQL")
    header("fan-out")
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    report(run(args.nodes, args.burst, args.db, args.web, args.workers, args.rounds))


if __name__ == "__main__":
    main()
