"""Inbox ingest: distinct signed Create activities from many remote actors, accepted and made visible.

    python bench/inbox_ingest.py [--activities 3000] [--actors 100] [--concurrency 32] [--rounds 3]
    python bench/inbox_ingest.py --db postgres://postgres:postgres@127.0.0.1:5432 --web 2 --workers 2

One node with a user, alice, who follows every remote actor: by default `server.py serve` on
SQLite, web and workers in one process; with `--db` (a PostgreSQL server) on a fresh database
made for the run and dropped after it, with `--web N` web processes (`serve --workers N
--no-worker`) and `--workers M` separate `server.py worker` processes. The remote actors are
pre-seeded as known accounts (fetched within the day), as regular peers would be. Every activity is
signed beforehand; the run then POSTs them to the shared inbox over keep-alive connections and
measures:
  accepted/s  202 answers per second;
  visible     the time from the first request until the last post is in alice's home feed.
The baseline (bench/baselines.py inbox) receives the same bytes: it verifies the one RSA
signature and inserts one row per request. Goal (issue 6): ingest at least 50% of it.
A round (node, then baseline) takes seconds, and a 2-core VM's speed moves by more than the
margins measured: `--rounds` of them are run (a fresh node each), and the median ratio and
the range of all rounds are printed after them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    cpu_time,
    free_port,
    fresh_postgres,
    header,
    progress,
    request_bytes,
    run_load,
    start_baseline,
    start_processes,
    stop,
    tree_rss_mb,
)
from federation.keys import generate_key_pair  # noqa: E402
from federation.signatures import sign  # noqa: E402
from tests.nodes import NodeProcess  # noqa: E402

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


async def _seed(database_url: str, actors: list[dict], follower: str) -> None:
    from models.accounts import Account
    from models.db import close_database, open_database
    from models.ids import new_id
    from models.relationships import Follow

    await open_database(database_url, create_schema=False)
    try:
        alice = await Account.get(username=follower, domain="")
        now = datetime.now(UTC)
        accounts = [
            Account(
                id=new_id(),
                username=a["username"],
                domain=a["domain"],
                uri=a["uri"],
                url=a["uri"],
                inbox_url=a["uri"] + "/inbox",
                shared_inbox_url=f"https://{a['domain']}/inbox",
                followers_url=a["uri"] + "/followers",
                key_id=a["key_id"],
                public_key_pem=a["public"],
                fetched_at=now,
            )
            for a in actors
        ]
        await Account.bulk_create(accounts)
        stored = await Account.filter(uri__in=[a["uri"] for a in actors])
        await Follow.bulk_create([Follow(id=new_id(), account_id=alice.id, target_account_id=s.id) for s in stored])
        await Account.filter(id=alice.id).update(following_count=len(stored))
    finally:
        await close_database()


def make_actors(count: int) -> list[dict]:
    actors = []
    for i in range(count):
        private, public = generate_key_pair()
        domain = f"node{i}.remote.example"
        uri = f"https://{domain}/users/u{i}"
        actors.append(
            {"username": f"u{i}", "domain": domain, "uri": uri, "key_id": f"{uri}#main-key", "private": private}
            | {"public": public}
        )
        progress("remote actors (RSA keys)", i + 1, count)
    return actors


def signed_creates(node_domain: str, actors: list[dict], count: int) -> list[bytes]:
    requests = []
    published = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    for i in range(count):
        actor = actors[i % len(actors)]
        note_id = f"{actor['uri']}/statuses/{i}"
        activity = {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": f"{note_id}/activity",
            "type": "Create",
            "actor": actor["uri"],
            "published": published,
            "to": [PUBLIC],
            "cc": [actor["uri"] + "/followers"],
            "object": {
                "id": note_id,
                "type": "Note",
                "attributedTo": actor["uri"],
                "content": f"<p>Status report number {i} from {actor['username']}: all systems nominal.</p>",
                "published": published,
                "to": [PUBLIC],
                "cc": [actor["uri"] + "/followers"],
            },
        }
        body = json.dumps(activity).encode()
        headers = sign("POST", f"http://{node_domain}/inbox", body, actor["key_id"], actor["private"])
        headers["Content-Type"] = "application/activity+json"
        requests.append(request_bytes("POST", "/inbox", node_domain, headers, body))
        if (i + 1) % 250 == 0 or i + 1 == count:
            progress("signed activities", i + 1, count)
    return requests


class Counter:
    """Counts rows in the node's database while it runs (SQLite read-only, or a PostgreSQL connection)."""

    def __init__(self, database_url: str) -> None:
        self.url = database_url
        self.loop = asyncio.new_event_loop()
        self.pg = None
        if database_url.startswith("postgres"):
            import asyncpg

            self.pg = self.loop.run_until_complete(asyncpg.connect(database_url))

    def value(self, sql: str, *args: object) -> int:
        if self.pg is not None:
            return self.loop.run_until_complete(self.pg.fetchval(sql.replace("?", "$1"), *args))
        path = self.url.removeprefix("sqlite://")
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5) as db:
            return db.execute(sql, args).fetchone()[0]

    def close(self) -> None:
        if self.pg is not None:
            self.loop.run_until_complete(self.pg.close())
        self.loop.close()


def run(activities: int, actor_count: int, concurrency: int, db: str = "", web: int = 1, workers: int = 0) -> dict:
    """Run the benchmark; returns its figures (used by bench/memory.py and the README table).

    `db`: a PostgreSQL server URL (a fresh database is made on it), or "" for SQLite. `web` and
    `workers` > 0: separate web and worker processes instead of one `serve` process.
    """
    with tempfile.TemporaryDirectory() as tmp, fresh_postgres(db) if db else _no_database() as database_url:
        node = NodeProcess(Path(tmp) / "node", extra_env={"FEDI_DB": database_url} if database_url else {})
        print("creating the node and alice ...", flush=True)
        token = node.add_user("alice")
        database_url = database_url or f"sqlite://{node.data_dir / 'flurfunk.sqlite3'}"
        actors = make_actors(actor_count)
        asyncio.run(_seed(database_url, actors, "alice"))
        requests = signed_creates(node.domain, actors, activities)
        counter = Counter(database_url)
        alice_id = counter.value("SELECT id FROM accounts WHERE username = ? AND domain = ''", "alice")

        separate = web > 1 or workers > 0
        processes = start_processes(node, web, workers) if separate else [node.start().process]
        figures: dict = {"rss_idle_mb": tree_rss_mb([p.pid for p in processes])}
        pids = [p.pid for p in processes]
        try:
            cpu_before, started = [cpu_time([pid]) for pid in pids], time.perf_counter()
            node_result = run_load(node.port, requests, concurrency, label="node: activities POSTed")
            last_seen = shown = time.perf_counter()
            seen = 0
            while seen < activities and time.perf_counter() - last_seen < 30:
                now_seen = counter.value("SELECT count(*) FROM home_feed WHERE account_id = ?", alice_id)
                if now_seen != seen:
                    seen, last_seen = now_seen, time.perf_counter()
                if seen == activities or last_seen - shown > 0.5:
                    progress("node: visible in alice's home feed", seen, activities)
                    shown = last_seen
                time.sleep(0.02)
            visible_after = last_seen - started
            # Includes the up to 30 s of polling when posts stay invisible: an idle node uses little.
            # Per process: with separate workers, what accepting and what applying cost.
            each = [cpu_time([pid]) - before for pid, before in zip(pids, cpu_before, strict=True)]
            figures["node_cpu_each_s"] = each
            figures["node_cpu_s"] = sum(each)
            with node.client(token) as client:
                page = client.get("/api/v1/timelines/home", params={"limit": 40}).json()
            figures["rss_after_mb"] = tree_rss_mb([p.pid for p in processes])
            if seen < activities:
                _explain_shortfall(counter, node.data_dir / "server.log")
        finally:
            for process in processes:
                stop(process)
            counter.close()
        if seen < activities:
            print(f"  only {seen} of {activities} became visible", flush=True)
        if len(page) != min(40, activities):
            raise SystemExit(f"alice's home timeline shows {len(page)} statuses, expected 40")

        keys = Path(tmp) / "keys.json"
        keys.write_text(json.dumps({a["key_id"]: a["public"] for a in actors}))
        port = free_port()
        baseline = start_baseline("inbox", port, "--keys", str(keys), "--db", str(Path(tmp) / "baseline.sqlite3"))
        try:
            base_cpu = cpu_time([baseline.pid])
            base_result = run_load(port, requests, concurrency, label="baseline: activities POSTed")
            figures["baseline_cpu_s"] = cpu_time([baseline.pid]) - base_cpu
        finally:
            stop(baseline)

    accepted = node_result.ok(202)
    figures |= {
        "activities": activities,
        "accepted": accepted,
        "accepted_per_s": accepted / node_result.seconds,
        "visible": seen,
        "visible_s": visible_after,
        "visible_per_s": seen / visible_after,
        "baseline_per_s": base_result.ok(202) / base_result.seconds,
        "node": node_result,
        "baseline": base_result,
        "setup": f"PostgreSQL, {web} web + {workers} worker processes" if db else "SQLite, one process",
    }
    if separate and not db:
        figures["setup"] = f"SQLite, {web} web + {workers} worker processes"
    return figures


def _explain_shortfall(counter: Counter, log: Path) -> None:
    """Why posts did not become visible: the inbox rows' states and errors, and the node's log kept."""
    retried = counter.value("SELECT count(*) FROM inbox_items WHERE last_error <> ''")
    leased = counter.value("SELECT count(*) FROM inbox_items WHERE state = 'pending' AND claimed_until IS NOT NULL")
    error = counter.value("SELECT min(last_error) FROM inbox_items WHERE last_error <> ''")
    kept = Path.cwd() / "bench-inbox-server.log"
    shutil.copy(log, kept)
    print(f"  {retried} inbox items failed at least once (first error: {error!r}); {leased} still leased", flush=True)
    print(f"  the node's log is kept in {kept}", flush=True)


@contextmanager
def _no_database() -> Iterator[str]:
    yield ""


def report(f: dict) -> None:
    base = f["baseline_per_s"]
    print(f"inbox ingest ({f['setup']}), {f['activities']:,} signed Creates, {f['accepted']:,} accepted:")
    print(f"  node      {f['node'].summary()}")
    print(f"  baseline  {f['baseline'].summary()}")
    print(f"  accepted  {f['accepted_per_s']:8,.0f} /s  = {100 * f['accepted_per_s'] / base:5.1f}% of the baseline")
    print(
        f"  visible   {f['visible_per_s']:8,.0f} /s  = {100 * f['visible_per_s'] / base:5.1f}% of the baseline"
        f"  (all {f['visible']:,} in alice's home after {f['visible_s']:.1f} s; goal >= 50%)"
    )
    per = 1e6 / f["activities"]
    print(
        f"  CPU       node {per * f['node_cpu_s']:,.0f} us an activity (until the last is visible),"
        f" baseline {per * f['baseline_cpu_s']:,.0f} us; load average {os.getloadavg()[0]:.1f}"
    )
    if len(f["node_cpu_each_s"]) > 1:
        each = ", ".join(f"{per * seconds:,.0f}" for seconds in f["node_cpu_each_s"])
        print(f"            by process (web first, then the workers): {each} us an activity")
    print(f"  node RSS  {f['rss_idle_mb']:.0f} MB idle, {f['rss_after_mb']:.0f} MB after (its processes together)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--activities", type=int, default=3000)
    parser.add_argument("--actors", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--db", default="", help="a PostgreSQL server URL (postgres://user:password@host:port)")
    parser.add_argument("--web", type=int, default=1, help="web processes (serve --workers N --no-worker)")
    parser.add_argument("--workers", type=int, default=0, help="separate `server.py worker` processes")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of node and baseline, each on a fresh node")
    args = parser.parse_args()
    if args.web > 1 and args.workers < 1:
        parser.error("--web N needs --workers M: the web processes do no background work")
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    header("inbox ingest")
    rounds = []
    for number in range(1, args.rounds + 1):
        print(f"round {number} of {args.rounds}", flush=True)
        rounds.append(run(args.activities, args.actors, args.concurrency, args.db, args.web, args.workers))
        report(rounds[-1])
    if len(rounds) > 1:
        report_rounds(rounds)


def report_rounds(rounds: list[dict]) -> None:
    """The median and the range of each ratio over the rounds."""
    print(f"over {len(rounds)} rounds ({rounds[0]['setup']}):")
    for name in ("accepted", "visible"):
        ratios = sorted(100 * f[f"{name}_per_s"] / f["baseline_per_s"] for f in rounds)
        print(
            f"  {name:9} median {statistics.median(ratios):5.1f}% of the baseline"
            f" (rounds: {', '.join(f'{r:.1f}%' for r in ratios)}; goal >= 50%)"
        )
    cpu = statistics.median(1e6 * f["node_cpu_s"] / f["activities"] for f in rounds)
    base = statistics.median(1e6 * f["baseline_cpu_s"] / f["activities"] for f in rounds)
    print(f"  CPU       node median {cpu:,.0f} us an activity, baseline {base:,.0f} us")


if __name__ == "__main__":
    main()
