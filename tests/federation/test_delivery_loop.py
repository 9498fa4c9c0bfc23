"""The delivery loop signs ahead in a child process: every delivery still goes out once, signed,
also when the child dies; those claimed but not sent when the loop stops are given back rather
than left leased."""

from __future__ import annotations

import asyncio
import os
import signal
from collections import Counter

import httpx

from federation.delivery import enqueue
from federation.delivery_loop import DeliveryLoop
from federation.signatures import check_request, verify_signature
from federation.signing_process import ProcessSigner
from models.queues import DONE, PENDING, Delivery
from server import create_app
from settings import Settings
from tests.conftest import LocalNode


def _app(tmp_path, handler):
    settings = Settings(domain="eng.test", scheme="https", data_dir=tmp_path / "eng", run_workers=False)
    return create_app(settings, transport=httpx.MockTransport(handler))


async def _queue(app, activities: int, inboxes: int, alice=None, first: int = 0):
    """`activities` Likes by alice (made on the first call), each for `inboxes` inboxes."""
    if alice is None:
        alice, _ = await LocalNode(app, app.state.node.settings).user("alice")
    for n in range(first, first + activities):
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


async def test_after_the_signing_child_dies_the_next_burst_gets_a_new_one_and_nothing_is_lost(tmp_path):
    received: Counter[str] = Counter()

    async def handler(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.005)
        received[f"{request.url} {request.content!r}"] += 1
        return httpx.Response(202)

    app = _app(tmp_path, handler)
    async with app.router.lifespan_context(app):
        alice = await _queue(app, activities=6, inboxes=25)
        stop = asyncio.Event()
        delivery = DeliveryLoop(app.state.node, concurrency=8)
        loop = asyncio.create_task(delivery.run(stop))
        await _until(lambda: _is_signing_in_a_child(delivery))
        first = delivery._signer
        os.kill(first.pid, signal.SIGKILL)
        await _until(lambda: _count(DONE, 150))
        assert first.broken  # its thread signed what the child had not

        await _queue(app, activities=4, inboxes=25, alice=alice, first=6)
        await _until(lambda: _count(DONE, 250))
        second = delivery._signer
        assert isinstance(second, ProcessSigner) and second is not first and not second.broken
        await _until(lambda: _none_retiring(delivery))  # the broken one closed once its thread was done
        stop.set()
        await loop
    assert len(received) == 250 and set(received.values()) == {1}


async def _is_signing_in_a_child(delivery: DeliveryLoop) -> bool:
    return isinstance(delivery._signer, ProcessSigner)


async def _none_retiring(delivery: DeliveryLoop) -> bool:
    return not delivery._retiring


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
