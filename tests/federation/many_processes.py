"""One node as several processes, and a remote server standing in for many people: for the
tests that run a node's web processes and workers side by side (tests/federation/test_many_processes*.py).

The Receiver serves its actors' documents, signs their activities, and at their inboxes
verifies the signature of every delivery and counts it, noting which worker process sent it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

from federation.keys import generate_key_pair
from federation.signatures import check_request, sign, verify_signature
from tests.nodes import ROOT, free_port, wait_for

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
        env.update(FEDI_DOMAIN=self.domain, FEDI_SCHEME="http", FEDI_DATA_DIR=str(self.data_dir))
        if self.database:  # else the SQLite file in the data directory
            env["FEDI_DB"] = self.database
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


def followed_by_all_then_post(cluster: Cluster, receiver: Receiver, followers: int, send_to: list[str]) -> set[str]:
    """`followers` of the receiver's actors follow alice (their Follows spread over `send_to`, as
    behind a load balancer), and alice posts once all are accepted; returns the Accepts' ids."""
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
        return receiver.signed_post(n, inbox, activity, send_to=send_to[n % len(send_to)]).status_code

    started = time.monotonic()
    with ThreadPoolExecutor(16) as pool:
        statuses = Counter(pool.map(follow, range(followers)))
    assert statuses == {202: followers}
    wait_for(lambda: len(receiver.received) >= followers, timeout=120, what="an Accept for every Follow")
    accept_ids = {activity_id for activity_id, _ in receiver.received}
    followed = time.monotonic()
    with httpx.Client(base_url=send_to[-1], headers={"Authorization": f"Bearer {cluster.token}"}) as client:
        posted = client.post("/api/v1/statuses", data={"status": "Hello, all of you", "visibility": "public"})
    assert posted.status_code == 200, posted.text
    wait_for(lambda: len(receiver.received) >= 2 * followers, timeout=120, what="the post in every follower's inbox")
    print(
        f"\n{followers} follows applied and accepted in {followed - started:.1f} s,"
        f" the post delivered to {followers} inboxes in {time.monotonic() - followed:.1f} s;"
        f" deliveries by worker: {dict(receiver.senders)}"
    )
    return accept_ids


def assert_each_delivered_once(receiver: Receiver, followers: int, accept_ids: set[str]) -> None:
    """An Accept to each follower and the one post to each follower's inbox, none twice, none refused."""
    assert receiver.refused == []
    received = dict(receiver.received)
    assert {key: count for key, count in received.items() if count != 1} == {}
    assert len(accept_ids) == followers
    assert all(receiver.activities[activity_id]["type"] == "Accept" for activity_id in accept_ids)
    creates = {(activity_id, path) for activity_id, path in received if activity_id not in accept_ids}
    assert {path for _, path in creates} == {f"/actors/{n}/inbox" for n in range(followers)}
    assert len({activity_id for activity_id, _ in creates}) == 1


@contextmanager
def running_receiver(cluster: Cluster) -> Iterator[Receiver]:
    """A Receiver serving on its own thread, which knows the cluster's worker processes by pid."""
    pids = {process.pid: name for name, process in cluster.processes if name.startswith("worker")}
    server = Receiver(pids)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        server.client.close()
