"""One node as many processes on one PostgreSQL database: two web processes, two workers.

A receiver in this test stands in for a thousand remote people on another server: it serves
their actor documents, signs their Follows, and at their inboxes verifies the signature of
every delivery and counts it. Nothing is queued behind the node's back: the Follows arrive
signed at the two web processes, the workers apply them and send the Accepts, and alice's
post goes to all thousand followers, all through the workers' signed HTTP.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import asyncpg
import httpx
import pytest
from conftest import POSTGRES_SERVER, new_database_url

from federation.keys import generate_key_pair
from federation.signatures import check_request, sign, verify_signature
from tests.nodes import ROOT, free_port, wait_for

pytestmark = pytest.mark.skipif(
    not POSTGRES_SERVER.startswith("postgres"),
    reason="needs FEDI_TEST_DB=postgres://...: several processes share one database only on PostgreSQL",
)
FOLLOWERS = 1000
AS_CONTEXT = ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"]


class Receiver(ThreadingHTTPServer):
    """The remote server: actors /actors/N sharing one key, each with an inbox that counts verified deliveries."""

    daemon_threads = True

    def __init__(self, worker_pids: dict[int, str]) -> None:
        super().__init__(("127.0.0.1", free_port()), _Handler)
        self.private_pem, self.public_pem = generate_key_pair()
        self.lock = threading.Lock()
        self.received: Counter[tuple[str, str]] = Counter()  # (activity id, inbox path) -> deliveries
        self.activities: dict[str, dict] = {}
        self.refused: list[str] = []
        self.senders: Counter[str] = Counter()  # which process sent each delivery
        self.worker_pids = worker_pids
        self.sender_of_port: dict[int, str] = {}
        self.node_keys: dict[str, str] = {}
        self.client = httpx.Client(timeout=30)  # one pool for every thread: no TLS set-up per request

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def actor(self, n: int) -> str:
        return f"{self.base}/actors/{n}"

    def document(self, n: int) -> dict:
        uri = self.actor(n)
        return {
            "@context": AS_CONTEXT,
            "id": uri,
            "type": "Person",
            "preferredUsername": f"p{n}",
            "inbox": uri + "/inbox",
            "outbox": uri + "/outbox",
            "publicKey": {"id": uri + "#main-key", "owner": uri, "publicKeyPem": self.public_pem},
        }

    def signed_post(self, n: int, url: str, activity: dict, send_to: str) -> httpx.Response:
        """POST `activity` as actor n to `url` (signed for that URL's host), over the socket of `send_to`."""
        body = json.dumps(activity).encode()
        headers = sign("POST", url, body, self.actor(n) + "#main-key", self.private_pem)
        path = url.split("/", 3)[3]
        return self.client.post(
            f"{send_to}/{path}", content=body, headers={**headers, "Content-Type": "application/activity+json"}
        )

    def key(self, key_id: str) -> str:
        if key_id not in self.node_keys:
            document = httpx.get(key_id, headers={"Accept": "application/activity+json"}, timeout=10).json()
            self.node_keys[key_id] = document["publicKey"]["publicKeyPem"]
        return self.node_keys[key_id]

    def sender(self, port: int) -> str:
        """The worker process whose socket has local port `port`, found through /proc (Linux)."""
        if port not in self.sender_of_port:
            name = _process_with_port(port, self.worker_pids)
            if name is None:
                return "unknown"
            self.sender_of_port[port] = name
        return self.sender_of_port[port]


class _Handler(BaseHTTPRequestHandler):
    server: Receiver
    protocol_version = "HTTP/1.1"  # keep-alive, as the workers' connection pools expect

    def log_message(self, *args) -> None:
        pass

    def _answer(self, status: int, document: dict | None = None) -> None:
        body = json.dumps(document).encode() if document is not None else b""
        self.send_response(status)
        self.send_header("Content-Type", "application/activity+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        parts = self.path.strip("/").split("/")
        if len(parts) == 2 and parts[0] == "actors" and parts[1].isdigit():
            self._answer(200, self.server.document(int(parts[1])))
        else:
            self._answer(404, {"error": "not found"})

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        headers = {name.lower(): value for name, value in self.headers.items()}
        try:
            params, text = check_request("POST", self.path, headers, body)
            if not verify_signature(params, text, self.server.key(params.key_id)):
                raise ValueError("bad signature")
            activity = json.loads(body)
        except Exception as exc:  # noqa: BLE001 - every refusal is recorded and fails the test
            with self.server.lock:
                self.server.refused.append(f"{self.path}: {exc}")
            self._answer(401, {"error": str(exc)})
            return
        sender = self.server.sender(self.client_address[1])
        with self.server.lock:
            self.server.received[(activity["id"], self.path)] += 1
            self.server.activities[activity["id"]] = activity
            self.server.senders[sender] += 1
        self._answer(202)


def _process_with_port(port: int, pids: dict[int, str]) -> str | None:
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if os.path.exists(table):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                if int(fields[1].rsplit(":", 1)[1], 16) == port:
                    inodes.add(fields[9])
    for pid, name in pids.items():
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                link = os.readlink(f"/proc/{pid}/fd/{fd}")
                if link.startswith("socket:[") and link[8:-1] in inodes:
                    return name
        except OSError:
            continue
    return None


class Cluster:
    def __init__(self, data_dir: Path, database: str) -> None:
        self.data_dir = data_dir
        self.web_ports = [free_port(), free_port()]
        self.domain = f"127.0.0.1:{self.web_ports[0]}"  # what the node calls itself; both web processes serve it
        self.database = database
        self.processes: list[tuple[str, subprocess.Popen]] = []
        self.token = ""

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("FEDI_")}
        env.update(FEDI_DOMAIN=self.domain, FEDI_SCHEME="http", FEDI_DATA_DIR=str(self.data_dir), FEDI_DB=self.database)
        return env

    def url(self, web: int) -> str:
        return f"http://127.0.0.1:{self.web_ports[web]}"

    def run(self, name: str, *args: str) -> subprocess.Popen:
        log = open(self.data_dir / f"{name}.log", "ab")
        process = subprocess.Popen(
            [sys.executable, "server.py", *args], cwd=ROOT, env=self.env(), stdout=log, stderr=subprocess.STDOUT
        )
        self.processes.append((name, process))
        return process

    def cli(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "server.py", *args], cwd=ROOT, env=self.env(), capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def wait_web(self, web: int) -> None:
        def up() -> bool:
            for name, process in self.processes:
                assert process.poll() is None, f"{name} exited: {self.log(name)}"
            try:
                return httpx.get(f"{self.url(web)}/.well-known/nodeinfo", timeout=1).status_code == 200
            except httpx.HTTPError:
                return False

        wait_for(up, timeout=30, what=f"web process {web}")

    def log(self, name: str) -> str:
        return (self.data_dir / f"{name}.log").read_text(errors="replace")[-3000:]

    def stop(self) -> None:
        for _, process in self.processes:
            if process.poll() is None:
                process.terminate()
        for _, process in self.processes:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()


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
def receiver(cluster: Cluster):
    pids = {process.pid: name for name, process in cluster.processes if name.startswith("worker")}
    server = Receiver(pids)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    server.client.close()


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
    alice = f"http://{cluster.domain}/users/alice"
    inbox = f"{alice}/inbox"

    def follow(n: int) -> int:
        activity = {
            "@context": AS_CONTEXT,
            "id": f"{receiver.actor(n)}/follows/alice",
            "type": "Follow",
            "actor": receiver.actor(n),
            "object": alice,
        }
        # Half the Follows arrive at each web process, as behind a load balancer.
        return receiver.signed_post(n, inbox, activity, send_to=cluster.url(n % 2)).status_code

    started = time.monotonic()
    with ThreadPoolExecutor(16) as pool:
        statuses = Counter(pool.map(follow, range(FOLLOWERS)))
    assert statuses == {202: FOLLOWERS}
    print(f"\nfollows received in {time.monotonic() - started:.1f} s")
    wait_for(lambda: len(receiver.received) >= FOLLOWERS, timeout=120, what="an Accept for every Follow")
    accepts = set(receiver.received)
    followed = time.monotonic()
    with httpx.Client(base_url=cluster.url(1), headers={"Authorization": f"Bearer {cluster.token}"}) as client:
        posted = client.post("/api/v1/statuses", data={"status": "Hello, all thousand of you", "visibility": "public"})
    assert posted.status_code == 200, posted.text
    wait_for(lambda: len(receiver.received) >= 2 * FOLLOWERS, timeout=120, what="the post in every follower's inbox")
    delivered = time.monotonic()
    print(
        f"\n{FOLLOWERS} follows applied and accepted in {followed - started:.1f} s,"
        f" the post delivered to {FOLLOWERS} inboxes in {delivered - followed:.1f} s;"
        f" deliveries by worker: {dict(receiver.senders)}"
    )

    # Nothing more arrives once the queue is empty: every delivery row done, none pending or failed.
    states = wait_for(
        lambda: (s := _run(_delivery_states(cluster.database))).keys() == {"done"} and s,
        timeout=30,
        what="an empty queue",
    )
    assert states == {"done": 2 * FOLLOWERS}
    assert receiver.refused == []
    received = dict(receiver.received)
    duplicates = {key: count for key, count in received.items() if count != 1}
    assert duplicates == {}
    accept_ids = {activity_id for activity_id, _ in accepts}
    assert len(accept_ids) == FOLLOWERS
    for activity_id in accept_ids:
        activity = receiver.activities[activity_id]
        assert activity["type"] == "Accept"
    creates = {(activity_id, path) for activity_id, path in received if activity_id not in accept_ids}
    assert {path for _, path in creates} == {f"/actors/{n}/inbox" for n in range(FOLLOWERS)}
    assert len({activity_id for activity_id, _ in creates}) == 1
    # Both workers took their share of the queue.
    assert receiver.senders["worker0"] > 0 and receiver.senders["worker1"] > 0, receiver.senders


def _run(coroutine):
    import asyncio

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
