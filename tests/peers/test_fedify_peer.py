"""Federation with a real ActivityPub server nobody here wrote: a Fedify app (tests/peers/fedify/peer.mjs)
and a Flurfunk node, separate processes on loopback, each verifying the other's HTTP signatures.

`make test` installs the peer's npm packages (`make peer-deps`). Missing node or packages fail the
test with that instruction rather than skipping it: a skipped interop test proves nothing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from mastodon_shapes import check

from federation.keys import generate_key_pair
from federation.signatures import sign
from tests.nodes import NodeProcess, free_port, wait_for

PEER_DIR = Path(__file__).resolve().parent / "fedify"


@dataclass
class FedifyPeer:
    process: subprocess.Popen
    port: int
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def actor(self) -> str:
        return f"{self.url}/users/peer"

    @property
    def handle(self) -> str:
        return f"peer@127.0.0.1:{self.port}"

    def _call(self, method: str, path: str, **params: str) -> Any:
        response = httpx.request(method, self.url + path, params=params, timeout=15)
        assert response.status_code < 300, f"{method} {path}: {response.status_code} {response.text}\n{self.log()}"
        return response.json()

    def follow(self, target: str) -> dict:
        return self._call("POST", "/control/follow", target=target)

    def post(self, text: str) -> dict:
        return self._call("POST", "/control/post", text=text)

    def received(self, kind: str | None = None) -> list[dict]:
        return [a for a in self._call("GET", "/control/received") if kind is None or a["type"] == kind]

    def state(self) -> dict:
        return self._call("GET", "/control/state")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:] if self.log_path.exists() else ""


@pytest.fixture
def fedify_peer(tmp_path: Path) -> Iterator[FedifyPeer]:
    node_bin = shutil.which("node")
    if node_bin is None:
        pytest.fail("Node.js is not installed; the Fedify peer needs node >= 20")
    if not (PEER_DIR / "node_modules" / "@fedify" / "fedify").is_dir():
        pytest.fail(f"the Fedify peer's npm packages are missing; run `make peer-deps` (npm ci in {PEER_DIR})")
    port = free_port()
    log_path = tmp_path / "fedify-peer.log"
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            [node_bin, "peer.mjs"],
            cwd=PEER_DIR,
            env={**os.environ, "PORT": str(port)},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    peer = FedifyPeer(process, port, log_path)
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                pytest.fail(f"the Fedify peer exited with {process.returncode}:\n{peer.log()}")
            try:
                if httpx.get(f"{peer.url}/control/state", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the Fedify peer did not start:\n{peer.log()}")
            time.sleep(0.1)
        yield peer
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


@dataclass
class User:
    node: NodeProcess
    name: str
    token: str

    @property
    def actor(self) -> str:
        return f"{self.node.url}/users/{self.name}"

    def api(self, method: str, path: str, **kwargs: Any) -> Any:
        with self.node.client(self.token) as client:
            response = client.request(method, path, **kwargs)
        assert response.status_code == 200, f"{method} {path}: {response.status_code} {response.text}"
        return response.json()

    def peer_account(self, peer: FedifyPeer) -> dict:
        """The peer's account on this node, resolved through the peer's WebFinger."""
        return self.api("GET", "/api/v1/accounts/lookup", params={"acct": peer.handle})

    def relationship(self, account_id: str) -> dict:
        return self.api("GET", "/api/v1/accounts/relationships", params={"id[]": account_id})[0]


@pytest.fixture
def alice(start_node) -> User:
    node = start_node()
    return User(node, "alice", node.add_user("alice"))


def test_a_flurfunk_user_follows_the_fedify_peer_and_sees_its_notes(alice, fedify_peer):
    peer_account = alice.peer_account(fedify_peer)
    check("Account", peer_account)
    assert peer_account["acct"] == fedify_peer.handle
    assert peer_account["display_name"] == "Fedify Peer"

    # (a) The Follow reaches the peer signed by alice; Fedify verified it (else no listener runs)
    # and answers Accept, which our inbox verifies in turn.
    check("Relationship", alice.api("POST", f"/api/v1/accounts/{peer_account['id']}/follow"))
    follow = wait_for(lambda: fedify_peer.received("Follow"), what="the peer receiving alice's Follow")[0]
    assert follow["actor"] == alice.actor
    assert follow["object"] == fedify_peer.actor
    assert wait_for(lambda: alice.actor in fedify_peer.state()["followers"], what="alice among the peer's followers")
    relationship = wait_for(
        lambda: (r := alice.relationship(peer_account["id"]))["following"] and r,
        what="alice's follow of the peer accepted",
    )
    check("Relationship", relationship)
    assert not relationship["requested"]

    # (c) A note the peer posts to its followers lands in alice's home timeline.
    note = fedify_peer.post("Hello from Fedify & friends")["note"]

    def in_home() -> dict | None:
        home = alice.api("GET", "/api/v1/timelines/home", params={"limit": 40})
        return next((s for s in home if s["uri"] == note), None)

    status = wait_for(in_home, what="the peer's note in alice's home timeline")
    check("Status", status)
    assert "Hello from Fedify &amp; friends" in status["content"]
    assert status["account"]["acct"] == fedify_peer.handle
    assert status["visibility"] == "public"


def test_the_fedify_peer_follows_a_flurfunk_user_and_receives_her_posts(alice, fedify_peer):
    # (b) The peer's Follow (signed by Fedify, verified by our inbox) is accepted, and Fedify
    # verifies the signed Accept we send back.
    fedify_peer.follow(alice.actor)
    wait_for(
        lambda: fedify_peer.state()["follows"].get(alice.actor, {}).get("state") == "accepted",
        what="the peer's follow of alice accepted",
    )
    accept = fedify_peer.received("Accept")[0]
    assert accept["actor"] == alice.actor
    assert accept["object"] == fedify_peer.state()["follows"][alice.actor]["id"]

    me = alice.api("GET", "/api/v1/accounts/verify_credentials")
    followers = alice.api("GET", f"/api/v1/accounts/{me['id']}/followers")
    assert [f["acct"] for f in followers] == [fedify_peer.handle]
    peer_id = followers[0]["id"]
    assert alice.relationship(peer_id)["followed_by"]

    # (d) alice's public post is delivered to the peer as a Create(Note), signed by alice.
    status = alice.api("POST", "/api/v1/statuses", json={"status": "Hello Fedify, from <Flurfunk>"})
    check("Status", status)
    create = wait_for(lambda: fedify_peer.received("Create"), what="the peer receiving alice's Create")[0]
    assert create["actor"] == alice.actor
    assert create["objectType"] == "Note"
    assert create["object"] == status["uri"]
    assert create["attributedTo"] == alice.actor
    assert "Hello Fedify, from &lt;Flurfunk&gt;" in create["content"]


def test_the_fedify_peer_refuses_a_delivery_signed_with_a_key_alice_does_not_publish(alice, fedify_peer):
    # Proves the peer really checks our signatures, so the accepted deliveries above mean something.
    forged_key, _ = generate_key_pair()
    activity = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{alice.actor}/statuses/1/activity",
        "type": "Create",
        "actor": alice.actor,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "object": {
            "id": f"{alice.actor}/statuses/1",
            "type": "Note",
            "attributedTo": alice.actor,
            "content": "forged",
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
        },
    }
    body = json.dumps(activity).encode()
    inbox = f"{fedify_peer.url}/inbox"
    headers = sign("POST", inbox, body, f"{alice.actor}#main-key", forged_key)
    response = httpx.post(inbox, content=body, headers={**headers, "Content-Type": "application/activity+json"})
    assert response.status_code == 401, response.text
    unsigned = httpx.post(inbox, content=body, headers={"Content-Type": "application/activity+json"})
    assert unsigned.status_code == 401
    assert fedify_peer.received() == []
