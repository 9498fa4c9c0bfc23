"""The delivery loop signs ahead on its own thread: every delivery still goes out once, signed,
and those claimed but not sent when the loop stops are given back rather than left leased."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx

from federation.delivery import enqueue
from federation.delivery_loop import DeliveryLoop
from federation.signatures import check_request, verify_signature
from models.queues import DONE, PENDING, Delivery
from server import create_app
from settings import Settings
from tests.conftest import LocalNode


def _app(tmp_path, handler):
    settings = Settings(domain="eng.test", scheme="https", data_dir=tmp_path / "eng", run_workers=False)
    return create_app(settings, transport=httpx.MockTransport(handler))


async def _queue(app, activities: int, inboxes: int):
    node = LocalNode(app, app.state.node.settings)
    alice, _ = await node.user("alice")
    for n in range(activities):
        activity = {"id": f"https://eng.test/users/alice#likes/{n}", "type": "Like", "actor": alice.uri, "object": "x"}
        await enqueue(app.state.node, alice, activity, [f"https://node{i}.test/inbox" for i in range(inboxes)])
    return alice


async def _until(condition, timeout: float = 15.0):
    async with asyncio.timeout(timeout):
        while not await condition():
            await asyncio.sleep(0.01)


async def test_a_burst_goes_out_once_per_inbox_and_activity_every_one_signed(tmp_path):
    received: Counter[tuple[str, bytes]] = Counter()
    requests: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        received[(str(request.url), request.content)] += 1
        requests.append(request)
        return httpx.Response(202)

    app = _app(tmp_path, handler)
    async with app.router.lifespan_context(app):
        alice = await _queue(app, activities=6, inboxes=25)
        stop = asyncio.Event()
        loop = asyncio.create_task(DeliveryLoop(app.state.node, concurrency=8).run(stop))
        await _until(lambda: _count(DONE, 150))
        stop.set()
        await loop
        assert await Delivery.filter(state=PENDING).count() == 0
    assert len(received) == 150 and set(received.values()) == {1}
    for request in requests[::17]:
        headers = {k.lower(): v for k, v in request.headers.items()}
        params, text = check_request("POST", request.url.raw_path.decode(), headers, request.content)
        assert verify_signature(params, text, alice.public_key_pem)


async def test_deliveries_claimed_but_not_sent_when_the_loop_stops_are_given_back(tmp_path):
    answer = asyncio.Event()
    sent: list[str] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        sent.append(str(request.url))
        await answer.wait()
        return httpx.Response(202)

    app = _app(tmp_path, handler)
    async with app.router.lifespan_context(app):
        await _queue(app, activities=1, inboxes=40)
        stop = asyncio.Event()
        loop = asyncio.create_task(DeliveryLoop(app.state.node, concurrency=4, ahead=8).run(stop))
        await _until(lambda: _leased(12))  # 4 on the wire, 8 claimed ahead
        async with asyncio.timeout(10):
            while len(sent) < 4:
                await asyncio.sleep(0.01)
        stop.set()
        await asyncio.sleep(0.05)
        answer.set()
        await loop
        assert await Delivery.filter(state=DONE).count() == len(sent) == 4
        assert await Delivery.filter(state=PENDING, claimed_until__isnull=True).count() == 36
    assert len(set(sent)) == 4


async def _count(state: str, expected: int) -> bool:
    return await Delivery.filter(state=state).count() >= expected


async def _leased(expected: int) -> bool:
    return await Delivery.filter(claimed_until__isnull=False).count() >= expected
