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
import random
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    free_port,
    header,
    percentile,
    progress,
    request_bytes,
    rss_mb,
    run_load,
    run_wrk,
    start_baseline,
    stop,
    wrk_available,
)
from tests.nodes import NodeProcess  # noqa: E402

CHUNK = 50_000
WORDS = (
    "release deploy review budget meeting roadmap customer incident quarterly planning migration onboarding "
    "security audit invoice contract supplier warehouse shipment forecast hiring training workshop"
).split()


def _row_factory(db: sqlite3.Connection, table: str, given: dict[str, object]) -> tuple[list[str], list[object]]:
    """Every column of `table` with a value: the given ones, else NULL where allowed, else a zero of its type.

    Tortoise fills its defaults in Python, so the database has none to fall back on.
    """
    names, template = [], []
    now = datetime.now(UTC).isoformat(sep=" ")
    for _, name, kind, notnull, _, _ in db.execute(f"PRAGMA table_info({table})"):
        names.append(name)
        if name in given:
            template.append(given[name])
        elif not notnull:
            template.append(None)
        else:
            kind = kind.upper()
            if "INT" in kind or "BOOL" in kind or "REAL" in kind or "DEC" in kind:
                template.append(0)
            elif "TIMESTAMP" in kind or "DATE" in kind:
                template.append(now)
            elif "JSON" in kind:
                template.append("[]")
            else:
                template.append("")
    return names, template


def _insert(db: sqlite3.Connection, table: str, names: list[str], rows) -> None:
    marks = ",".join("?" * len(names))
    db.executemany(f"INSERT INTO {table} ({','.join(names)}) VALUES ({marks})", rows)


def seed(db_file: Path, accounts: int, statuses: int, following: int) -> int:
    """Fill the database; returns how many statuses are in alice's home feed."""
    rng = random.Random(6)
    db = sqlite3.connect(db_file)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")
    alice = db.execute("SELECT id FROM accounts WHERE username = 'alice' AND domain = ''").fetchone()[0]
    start = datetime.now(UTC) - timedelta(days=365)
    base_id = int(start.timestamp() * 1000) << 16

    with db:
        names, template = _row_factory(db, "accounts", {})
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

        _insert(db, "accounts", names, account_rows())
        followed = set(rng.sample(account_ids, following))
        names, template = _row_factory(db, "follows", {})
        where = {n: i for i, n in enumerate(names)}
        follow_rows = []
        for n, target in enumerate(sorted(followed)):
            row = list(template)
            row[where["id"]] = base_id + accounts + n
            row[where["account_id"]] = alice
            row[where["target_account_id"]] = target
            follow_rows.append(row)
        _insert(db, "follows", names, follow_rows)

    names, template = _row_factory(db, "statuses", {"visibility": "public", "language": "en"})
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
            row[where["created_at"]] = datetime.fromtimestamp((status_id >> 16) / 1000, UTC).isoformat(sep=" ")
            rows.append(row)
            if author in followed:
                feed.append((status_id, alice, status_id))
        with db:
            _insert(db, "statuses", names, rows)
            _insert(db, "home_feed", feed_names, feed)
        in_feed += len(feed)
        progress(f"statuses seeded ({time.perf_counter() - started:.0f} s)", offset + len(rows), statuses)
    db.execute("ANALYZE")
    db.close()
    return in_feed


def run(statuses: int, accounts: int, following: int, seconds: int, connections: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        node = NodeProcess(Path(tmp) / "node")
        print("creating the node and alice ...", flush=True)
        token = node.add_user("alice")
        seeded = time.perf_counter()
        in_feed = seed(node.data_dir / "flurfunk.sqlite3", accounts, statuses, following)
        seed_seconds = time.perf_counter() - seeded
        print(f"  {statuses:,} statuses, {in_feed:,} of them in alice's home feed, seeded in {seed_seconds:.0f} s")

        path = "/api/v1/timelines/home?limit=40"
        auth = {"Authorization": f"Bearer {token}"}
        node.start()
        try:
            response = httpx.get(node.url + path, headers=auth, timeout=30)
            response.raise_for_status()
            body = response.content
            if len(response.json()) != 40:
                raise SystemExit("the home timeline did not return 40 statuses")
            node_figures = _measure(node.port, node.domain, path, auth, connections, seconds, "node")
            rss_after = rss_mb(node.process.pid)
        finally:
            node.stop()

        body_file = Path(tmp) / "body.json"
        body_file.write_bytes(body)
        port = free_port()
        baseline = start_baseline("bytes", port, "--file", str(body_file))
        try:
            base_figures = _measure(port, f"127.0.0.1:{port}", path, auth, connections, seconds, "baseline")
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
    }


def _measure(port: int, host: str, path: str, auth: dict, connections: int, seconds: int, label: str) -> dict:
    if wrk_available():
        return run_wrk(f"http://{host}{path}", auth, connections, seconds, label)
    result = run_load(port, [request_bytes("GET", path, host, auth)], connections, seconds, label)
    return {
        "rps": result.per_second,
        "p50": percentile(result.latencies_ms, 50),
        "p99": percentile(result.latencies_ms, 99),
        "non_2xx": result.count - result.ok(200),
    }


def report(f: dict) -> None:
    node, base = f["node"], f["baseline"]
    print(
        f"home timeline, limit=40 ({f['body_bytes'] / 1024:.0f} KB), {f['statuses']:,} statuses, "
        f"{f['in_feed']:,} in the feed, 32 connections ({f['tool']}):"
    )
    for name, x in (("node", node), ("baseline", base)):
        print(
            f"  {name:9} {x['rps']:8,.0f} req/s   p50 {x['p50']:6.1f} ms   p99 {x['p99']:6.1f} ms"
            f"   non-2xx {x['non_2xx']}"
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
    args = parser.parse_args()
    header("home timeline")
    report(run(args.statuses, args.accounts, args.following, args.seconds, args.connections))


if __name__ == "__main__":
    main()
