"""One node as several processes on one SQLite file: `serve --workers 2 --no-worker` and two workers.

SQLite has one writer at a time, so the processes take turns at the file (busy_timeout); a
job is claimed by one UPDATE … RETURNING under that lock, so no two workers take the same.
The receiver (tests/federation/many_processes.py) stands in for the remote followers, as in
the PostgreSQL test; what is proved is the same: every delivery arrives exactly once.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import pytest
from conftest import POSTGRES_SERVER

from tests.federation.many_processes import (
    Cluster,
    Receiver,
    assert_each_delivered_once,
    followed_by_all_then_post,
    running_receiver,
)
from tests.nodes import wait_for

pytestmark = pytest.mark.skipif(
    bool(POSTGRES_SERVER), reason="the suite runs on PostgreSQL: tests/federation/test_many_processes.py"
)
FOLLOWERS = 300


@pytest.fixture
def cluster(tmp_path) -> Iterator[Cluster]:
    node = Cluster(tmp_path / "node", "")
    node.data_dir.mkdir(parents=True)
    try:
        serve = ["serve", "--workers", "2", "--no-worker", "--port", str(node.web_ports[0]), "--log-level", "warning"]
        node.run("web", *serve)
        node.wait_web(0)
        node.run("worker0", "worker", "--concurrency", "16")
        node.run("worker1", "worker", "--concurrency", "16")
        node.cli("user", "add", "alice", "--password", "correct horse battery")
        node.token = node.cli("token", "alice").strip()
        yield node
    finally:
        node.stop()


@pytest.fixture
def receiver(cluster: Cluster) -> Iterator[Receiver]:
    with running_receiver(cluster) as server:
        yield server


def _delivery_states(cluster: Cluster) -> dict[str, int]:
    with sqlite3.connect(cluster.data_dir / "flurfunk.sqlite3", timeout=10) as db:
        return dict(db.execute("SELECT state, count(*) FROM deliveries GROUP BY state").fetchall())


def test_deliveries_through_two_workers_on_one_sqlite_file_arrive_exactly_once(cluster: Cluster, receiver):
    accept_ids = followed_by_all_then_post(cluster, receiver, FOLLOWERS, [cluster.url(0)])
    states = wait_for(
        lambda: (s := _delivery_states(cluster)).keys() == {"done"} and s, timeout=30, what="an empty queue"
    )
    assert states == {"done": 2 * FOLLOWERS}
    assert_each_delivered_once(receiver, FOLLOWERS, accept_ids)
    # Only the worker processes deliver: the web processes were started with --no-worker.
    assert set(receiver.senders) <= {"worker0", "worker1"}, receiver.senders
