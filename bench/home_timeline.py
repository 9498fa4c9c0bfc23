"""Home timeline reads: GET /api/v1/timelines/home?limit=40 at 32 connections on a large database.

    python bench/home_timeline.py [--statuses 1000000] [--accounts 10000] [--following 200] [--seconds 10]

Seeds one node's SQLite database directly (bulk INSERTs with executemany in one transaction):
`--accounts` remote accounts posting `--statuses` statuses between them, and alice, who follows
`--following` of them, with her home feed filled as fan-out on write would have left it.
Then `server.py serve` answers alice's home timeline under load (wrk when installed, else the
asyncio client in bench/common.py); the baseline (bench/baselines.py bytes) serves the very
bytes the node answered. Goal (issue 6): at least 20% of the baseline's requests/s, p99 < 25 ms.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bulk_insert import open_sink, row_template  # noqa: E402
from bench.common import (  # noqa: E402
    cpu_time,
    free_port,
    fresh_postgres,
    header,
    percentile,
    progress,
    request_bytes,
    run_load,
    run_wrk,
    start_baseline,
    start_processes,
    stop,
    tree_rss_mb,
    wrk_available,
)
from tests.nodes import NodeProcess  # noqa: E402

CHUNK = 50_000
WORDS = (
    "release deploy review budget meeting roadmap customer incident quarterly planning migration onboarding "
    "security audit invoice contract supplier warehouse shipment forecast hiring training workshop"
).split()


def seed(target: Path | str, accounts: int, statuses: int, following: int) -> int:
    """Fill the database (a SQLite file or a PostgreSQL URL); returns how many statuses are in alice's home feed."""
    rng = random.Random(6)
    db = open_sink(target)
    alice = db.scalar("SELECT id FROM accounts WHERE username = ? AND domain = ''", "alice")
    start = datetime.now(UTC) - timedelta(days=365)
    base_id = int(start.timestamp() * 1000) << 16

    names, template = row_template(db, "accounts", {})
    where = {n: i for i, n in enumerate(names)}
    account_ids = [base_id + i for i in range(accounts)]

    def account_rows():
        for i, account_id in enumerate(account_ids):
            row = list(template)
            domain = f"node{i % 50}.corp.example"
            uri = f"https://{domain}/users/colleague{i}"
            for name, value in (
                ("id", account_id),
                ("username", f"colleague{i}"),
                ("domain", domain),
                ("display_name", f"Colleague Number {i}"),
                ("uri", uri),
                ("url", f"https://{domain}/@colleague{i}"),
                ("inbox_url", uri + "/inbox"),
                ("followers_url", uri + "/followers"),
                ("key_id", uri + "#main-key"),
                ("statuses_count", statuses // accounts),
            ):
                row[where[name]] = value
            yield row

    db.insert("accounts", names, account_rows())
    followed = set(rng.sample(account_ids, following))
    names, template = row_template(db, "follows", {})
    where = {n: i for i, n in enumerate(names)}
    follow_rows = []
    for n, followee in enumerate(sorted(followed)):
        row = list(template)
        row[where["id"]] = base_id + accounts + n
        row[where["account_id"]] = alice
        row[where["target_account_id"]] = followee
        follow_rows.append(row)
    db.insert("follows", names, follow_rows)

    names, template = row_template(db, "statuses", {"visibility": "public", "language": "en"})
    where = {n: i for i, n in enumerate(names)}
    feed_names = ["id", "account_id", "status_id"]
    step_ms = max(1, int(365 * 86400 * 1000 / statuses))
    in_feed = 0
    started = time.perf_counter()
    for offset in range(0, statuses, CHUNK):
        rows, feed = [], []
        for n in range(offset, min(statuses, offset + CHUNK)):
            author = account_ids[n % accounts]
            status_id = ((int(start.timestamp() * 1000) + n * step_ms) << 16) | (n & 0xFFFF)
            domain = f"node{(n % accounts) % 50}.corp.example"
            uri = f"https://{domain}/users/colleague{n % accounts}/statuses/{n}"
            text = " ".join(rng.choices(WORDS, k=60))
            row = list(template)
            row[where["id"]] = status_id
            row[where["uri"]] = uri
            row[where["url"]] = uri
            row[where["account_id"]] = author
            row[where["content"]] = f"<p>Update {n}: {text}</p>"
            row[where["created_at"]] = db.timestamp(datetime.fromtimestamp((status_id >> 16) / 1000, UTC))
            rows.append(row)
            if author in followed:
                feed.append((status_id, alice, status_id))
        db.insert("statuses", names, rows)
        db.insert("home_feed", feed_names, feed)
        in_feed += len(feed)
        progress(f"statuses seeded ({time.perf_counter() - started:.0f} s)", offset + len(rows), statuses)
    db.close()
    return in_feed


def run(
    statuses: int,
    accounts: int,
    following: int,
    seconds: int,
    connections: int,
    db: str = "",
    web: int = 1,
    workers: int = 0,
) -> dict:
    """`db`: a PostgreSQL server URL (a fresh database is made on it), or "" for SQLite. `web` and
    `workers` > 0: `serve --workers WEB --no-worker` and WORKERS `worker` processes instead of one `serve`."""
    with tempfile.TemporaryDirectory() as tmp, fresh_postgres(db) if db else contextlib.nullcontext("") as database_url:
        node = NodeProcess(Path(tmp) / "node", extra_env={"FEDI_DB": database_url} if database_url else {})
        print("creating the node and alice ...", flush=True)
        token = node.add_user("alice")
        seeded = time.perf_counter()
        in_feed = seed(database_url or node.data_dir / "flurfunk.sqlite3", accounts, statuses, following)
        seed_seconds = time.perf_counter() - seeded
        print(f"  {statuses:,} statuses, {in_feed:,} of them in alice's home feed, seeded in {seed_seconds:.0f} s")

        path = "/api/v1/timelines/home?limit=40"
        auth = {"Authorization": f"Bearer {token}"}
        separate = web > 1 or workers > 0
        processes = start_processes(node, web, workers) if separate else [node.start().process]
        try:
            response = httpx.get(node.url + path, headers=auth, timeout=30)
            response.raise_for_status()
            body = response.content
            if len(response.json()) != 40:
                raise SystemExit("the home timeline did not return 40 statuses")
            node_figures = _measure(node.port, node.domain, path, auth, connections, seconds, "node", processes)
            rss_after = tree_rss_mb([p.pid for p in processes])
        finally:
            for process in processes:
                stop(process)

        body_file = Path(tmp) / "body.json"
        body_file.write_bytes(body)
        port = free_port()
        baseline = start_baseline("bytes", port, "--file", str(body_file))
        try:
            base_figures = _measure(port, f"127.0.0.1:{port}", path, auth, connections, seconds, "baseline", [baseline])
        finally:
            stop(baseline)
    return {
        "statuses": statuses,
        "in_feed": in_feed,
        "seed_s": seed_seconds,
        "body_bytes": len(body),
        "node": node_figures,
        "baseline": base_figures,
        "rss_after_mb": rss_after,
        "tool": "wrk" if wrk_available() else "asyncio client",
        "setup": f"PostgreSQL, {web} web + {workers} worker processes" if db else "SQLite, one process",
    }


def _measure(
    port: int, host: str, path: str, auth: dict, connections: int, seconds: int, label: str, processes: list
) -> dict:
    """Requests/s, p50, p99, and the server's CPU per request (which a busy machine moves less than the rates)."""
    cpu = cpu_time([p.pid for p in processes])
    if wrk_available():
        figures = run_wrk(f"http://{host}{path}", auth, connections, seconds, label)
    else:
        result = run_load(port, [request_bytes("GET", path, host, auth)], connections, seconds, label)
        figures = {
            "rps": result.per_second,
            "p50": percentile(result.latencies_ms, 50),
            "p99": percentile(result.latencies_ms, 99),
            "non_2xx": result.count - result.ok(200),
            "requests": result.count,
        }
    figures["cpu_us"] = 1e6 * (cpu_time([p.pid for p in processes]) - cpu) / max(1, figures["requests"])
    return figures


def report(f: dict) -> None:
    node, base = f["node"], f["baseline"]
    print(f"  setup: {f['setup']}")
    print(
        f"home timeline, limit=40 ({f['body_bytes'] / 1024:.0f} KB), {f['statuses']:,} statuses, "
        f"{f['in_feed']:,} in the feed, 32 connections ({f['tool']}):"
    )
    for name, x in (("node", node), ("baseline", base)):
        print(
            f"  {name:9} {x['rps']:8,.0f} req/s   p50 {x['p50']:6.1f} ms   p99 {x['p99']:6.1f} ms"
            f"   non-2xx {x['non_2xx']}   CPU {x['cpu_us']:.0f} µs/request"
        )
    print(f"  node = {100 * node['rps'] / base['rps']:.1f}% of the baseline (goal >= 20%, p99 < 25 ms)")
    print(f"  node RSS after {f['rss_after_mb']:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--statuses", type=int, default=1_000_000)
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--following", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--db", default="", help="a PostgreSQL server URL (postgres://user:pw@host:port)")
    parser.add_argument("--web", type=int, default=1, help="web processes (serve --workers N --no-worker)")
    parser.add_argument("--workers", type=int, default=0, help="separate worker processes")
    args = parser.parse_args()
    header("home timeline")
    figures = run(
        args.statuses, args.accounts, args.following, args.seconds, args.connections, args.db, args.web, args.workers
    )
    report(figures)


if __name__ == "__main__":
    main()
