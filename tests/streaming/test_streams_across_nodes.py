"""Open streams see posts made on another node: server-sent events and the multiplexed WebSocket."""

from __future__ import annotations

import asyncio
import json
import threading

import httpx
import websockets

from tests.federation.people import Person


def _collect_sse(url: str, token: str, seen: list[dict], ready: threading.Event, stop: threading.Event) -> None:
    with httpx.Client(timeout=httpx.Timeout(5, read=20)) as client:
        with client.stream("GET", url, headers={"Authorization": f"Bearer {token}"}) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            ready.set()
            event = None
            for line in response.iter_lines():
                if stop.is_set():
                    return
                if line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: ") and event:
                    seen.append({"event": event, "data": json.loads(line[6:])})
                    if event == "update":
                        return


def test_a_post_from_another_node_reaches_an_open_sse_stream(start_node):
    eng, sales = start_node(), start_node()
    alice, bob = Person.on(eng, "alice"), Person.on(sales, "bob")
    alice.follow(bob)
    alice.wait_following(bob)

    seen: list[dict] = []
    ready, stop = threading.Event(), threading.Event()
    reader = threading.Thread(
        target=_collect_sse, args=(f"{eng.url}/api/v1/streaming/user", alice.token, seen, ready, stop), daemon=True
    )
    reader.start()
    assert ready.wait(10)
    post = bob.toot("Live from sales")
    reader.join(15)
    stop.set()
    updates = [e for e in seen if e["event"] == "update"]
    assert updates, f"no update event arrived; got {seen}"
    assert updates[0]["data"]["uri"] == post["uri"]
    assert updates[0]["data"]["account"]["acct"] == bob.handle


def test_the_websocket_multiplexes_user_and_public_streams(start_node):
    eng, sales = start_node(), start_node()
    alice, bob = Person.on(eng, "alice"), Person.on(sales, "bob")
    alice.follow(bob)
    alice.wait_following(bob)
    carol = Person.on(eng, "carol")

    async def scenario() -> list[dict]:
        uri = f"ws://{eng.domain}/api/v1/streaming?access_token={alice.token}"
        async with websockets.connect(uri) as socket:
            await socket.send(json.dumps({"type": "subscribe", "stream": "user"}))
            await socket.send(json.dumps({"type": "subscribe", "stream": "public:local"}))
            # Subscriptions are taken in order and not acknowledged: once a local post shows on
            # the second, both are in place (a fixed wait here was too short on a busy machine).
            await asyncio.to_thread(carol.toot, "Warming up")
            while "Warming up" not in json.loads(await asyncio.wait_for(socket.recv(), 15)).get("payload", ""):
                pass
            await asyncio.to_thread(bob.toot, "For alice's home")
            await asyncio.to_thread(carol.toot, "For the local timeline")
            messages = []
            while len([m for m in messages if m["event"] == "update"]) < 2:
                messages.append(json.loads(await asyncio.wait_for(socket.recv(), 15)))
            return messages

    messages = asyncio.run(scenario())
    by_stream = {tuple(m["stream"]): json.loads(m["payload"]) for m in messages if m["event"] == "update"}
    assert "For alice" in by_stream[("user",)]["content"]
    assert "For the local timeline" in by_stream[("public:local",)]["content"]


def test_a_stream_without_a_token_is_refused(start_node):
    eng = start_node()
    response = httpx.get(f"{eng.url}/api/v1/streaming/user", timeout=5)
    assert response.status_code == 401
    assert "error" in response.json()
    assert httpx.get(f"{eng.url}/api/v1/streaming/health", timeout=5).text == "OK"
