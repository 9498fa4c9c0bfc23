"""Mastodon.py's own streaming client sees a post made on another node; a revoked token gets no stream."""

from __future__ import annotations

import threading

import httpx
from mastodon import Mastodon, StreamListener

from tests.federation.people import Person
from tests.nodes import wait_for


class Collector(StreamListener):
    def __init__(self) -> None:
        self.updates: list[dict] = []
        self.arrived = threading.Event()

    def on_update(self, status: dict) -> None:
        self.updates.append(status)
        self.arrived.set()


def test_mastodon_py_stream_user_sees_a_post_from_another_node(start_node):
    eng, sales = start_node(), start_node()
    alice, bob = Person.on(eng, "alice"), Person.on(sales, "bob")
    alice.follow(bob)
    alice.wait_following(bob)

    api = Mastodon(access_token=alice.token, api_base_url=eng.url, version_check_mode="created")
    collector = Collector()
    handle = api.stream_user(collector, run_async=True, reconnect_async=False)
    try:
        # Receiving means the node answered the stream request, which it does after registering it.
        wait_for(handle.is_receiving, what="the stream to open")
        post = bob.toot("Streamed across nodes")
        assert collector.arrived.wait(15), "no update arrived on Mastodon.py's stream"
        assert collector.updates[0]["uri"] == post["uri"]
        assert collector.updates[0]["account"]["acct"] == bob.handle
    finally:
        handle.close()


def test_a_revoked_token_gets_no_stream(start_node):
    eng = start_node()
    alice = Person.on(eng, "alice")
    assert httpx.get(f"{eng.url}/api/v1/streaming/health", timeout=5).status_code == 200
    app = httpx.post(
        f"{eng.url}/api/v1/apps", data={"client_name": "t", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob"}
    ).json()
    token = httpx.post(
        f"{eng.url}/oauth/token",
        data={
            "grant_type": "password",
            "username": "alice",
            "password": "correct horse battery",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "scope": "read",
        },
    ).json()["access_token"]
    revoked = httpx.post(
        f"{eng.url}/oauth/revoke",
        data={"token": token, "client_id": app["client_id"], "client_secret": app["client_secret"]},
    )
    assert revoked.status_code == 200
    response = httpx.get(f"{eng.url}/api/v1/streaming/user", headers={"Authorization": f"Bearer {token}"}, timeout=5)
    assert response.status_code == 401
    assert "error" in response.json()
    # Revoking that app's token leaves alice's other tokens working.
    assert alice.get("/api/v1/accounts/verify_credentials")["username"] == "alice"
