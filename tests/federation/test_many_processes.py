"""One node as many processes on one PostgreSQL database: two web processes, two workers.

A receiver (tests/federation/many_processes.py) stands in for a thousand remote people on
another server: it serves their actor documents, signs their Follows, and at their inboxes
verifies the signature of every delivery and counts it. Nothing is queued behind the node's back: the Follows arrive
signed at the two web processes, the workers apply them and send the Accepts, and alice's
post goes to all thousand followers, all through the workers' signed HTTP.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import asyncpg
import httpx
import pytest
from conftest import POSTGRES_SERVER, new_database_url

from tests.federation.many_processes import (
    AS_CONTEXT,
    Cluster,
    Receiver,
    assert_each_delivered_once,
    followed_by_all_then_post,
    running_receiver,
)
from tests.nodes import wait_for

pytestmark = pytest.mark.skipif(
    not POSTGRES_SERVER.startswith("postgres"),
    reason="needs FEDI_TEST_DB=postgres://...: several processes share one database only on PostgreSQL",
)
FOLLOWERS = 1000


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory):
    cleanups: list = []
    node = Cluster(tmp_path_factory.mktemp("many"), new_database_url(cleanups))
    node.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        # The first process makes the schema; the others start side by side once it is there.
        node.run("web0", "serve", "--no-worker", "--port", str(node.web_ports[0]), "--log-level", "warning")
        node.wait_web(0)
        node.run("web1", "serve", "--no-worker", "--port", str(node.web_ports[1]), "--log-level", "warning")
        node.run("worker0", "worker", "--concurrency", "16")
        node.run("worker1", "worker", "--concurrency", "16")
        node.wait_web(1)
        node.cli("user", "add", "alice", "--password", "correct horse battery")
        node.token = node.cli("token", "alice").strip()
        yield node
    finally:
        node.stop()
        for cleanup in cleanups:
            cleanup()


@pytest.fixture(scope="module")
def receiver(cluster: Cluster) -> Iterator[Receiver]:
    with running_receiver(cluster) as server:
        yield server


async def _delivery_states(database: str) -> dict[str, int]:
    connection = await asyncpg.connect(database)
    try:
        rows = await connection.fetch("SELECT state, count(*) AS n FROM deliveries GROUP BY state")
    finally:
        await connection.close()
    return {row["state"]: row["n"] for row in rows}


def test_a_post_applied_by_a_worker_reaches_a_stream_on_the_other_web_process(cluster: Cluster, receiver):
    events: list[dict] = []
    opened = threading.Event()

    def listen() -> None:
        headers = {"Authorization": f"Bearer {cluster.token}"}
        with httpx.stream("GET", f"{cluster.url(1)}/api/v1/streaming/public", headers=headers, timeout=30) as stream:
            opened.set()
            event = None
            for line in stream.iter_lines():
                if line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: ") and event == "update":
                    events.append(json.loads(line[6:]))
                    return

    thread = threading.Thread(target=listen, daemon=True)
    thread.start()
    assert opened.wait(10)
    author = receiver.actor(FOLLOWERS)  # nobody alice knows yet: a post in the shared inbox
    note = {
        "id": f"{author}/notes/1",
        "type": "Note",
        "attributedTo": author,
        "content": "<p>Hello from across the processes</p>",
        "published": "2026-11-28T10:00:00Z",
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "cc": [],
    }
    create = {"@context": AS_CONTEXT, "id": f"{author}/notes/1/activity", "type": "Create", "actor": author}
    answer = receiver.signed_post(
        FOLLOWERS, f"http://{cluster.domain}/inbox", {**create, "object": note}, send_to=cluster.url(0)
    )
    assert answer.status_code == 202, answer.text
    thread.join(20)
    assert events, "the update never reached the stream on the other web process"
    assert events[0]["uri"] == note["id"]
    assert "across the processes" in events[0]["content"]


def test_a_thousand_deliveries_through_two_workers_arrive_exactly_once(cluster: Cluster, receiver):
    accept_ids = followed_by_all_then_post(cluster, receiver, FOLLOWERS, [cluster.url(0), cluster.url(1)])
    # Nothing more arrives once the queue is empty: every delivery row done, none pending or failed.
    states = wait_for(
        lambda: (s := _run(_delivery_states(cluster.database))).keys() == {"done"} and s,
        timeout=30,
        what="an empty queue",
    )
    assert states == {"done": 2 * FOLLOWERS}
    assert_each_delivered_once(receiver, FOLLOWERS, accept_ids)
    # Both workers took their share of the queue.
    assert receiver.senders["worker0"] > 0 and receiver.senders["worker1"] > 0, receiver.senders


def _run(coroutine):
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def test_serve_with_two_web_processes_starts_a_worker_beside_them(tmp_path: Path, receiver: Receiver):
    cleanups: list = []
    node = Cluster(tmp_path / "node", new_database_url(cleanups))
    node.data_dir.mkdir(parents=True)
    try:
        serve = node.run("serve", "serve", "--workers", "2", "--port", str(node.web_ports[0]), "--log-level", "warning")
        node.wait_web(0)
        node.cli("user", "add", "bob", "--password", "correct horse battery")
        bob = f"http://{node.domain}/users/bob"
        follow = {
            "@context": AS_CONTEXT,
            "id": f"{receiver.actor(0)}/follows/bob",
            "type": "Follow",
            "actor": receiver.actor(0),
            "object": bob,
        }
        answer = receiver.signed_post(0, f"{bob}/inbox", follow, send_to=node.url(0))
        assert answer.status_code == 202, answer.text
        # Only the worker process that serve started applies the Follow and sends the Accept.
        wait_for(
            lambda: any(
                activity.get("type") == "Accept" and activity.get("actor") == bob
                for activity in list(receiver.activities.values())
            ),
            timeout=20,
            what="bob's Accept",
        )
        children = subprocess.run(["pgrep", "-P", str(serve.pid)], capture_output=True, text=True).stdout.split()
        assert len(children) >= 3  # two web processes and the worker (uvicorn may add a helper of its own)
        serve.terminate()
        serve.wait(20)
        # Stopping serve stops them all; none is left running on its own.
        wait_for(lambda: not any(Path(f"/proc/{pid}").exists() for pid in children), timeout=10, what="children gone")
    finally:
        node.stop()
        for cleanup in cleanups:
            cleanup()
