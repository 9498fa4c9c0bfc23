"""Deliveries are rows: they survive a restart, back off on failure, and give up on permanent errors."""

from __future__ import annotations

import json

import httpx

from federation.delivery import deliver_due, enqueue
from federation.signatures import check_request, verify_signature
from models.base import utcnow
from models.queues import DONE, FAILED, PENDING, Delivery, OutgoingActivity
from server import create_app
from settings import Settings
from tests.conftest import LocalNode


def _settings(tmp_path) -> Settings:
    return Settings(domain="eng.test", scheme="https", data_dir=tmp_path / "eng", run_workers=False)


async def _queue_one(tmp_path, transport) -> int:
    app = create_app(_settings(tmp_path), transport=transport)
    async with app.router.lifespan_context(app):
        node = LocalNode(app, app.state.node.settings)
        alice, _ = await node.user("alice")
        activity = {"id": "https://eng.test/users/alice#likes/1", "type": "Like", "actor": alice.uri, "object": "x"}
        queued = await enqueue(
            app.state.node,
            alice,
            activity,
            ["https://sales.test/inbox", "https://sales.test/inbox", "https://eng.test/inbox"],
        )
        assert queued == 1  # once per inbox, never to ourselves
        await deliver_due(app.state.node)
        return (await Delivery.get()).id


async def test_a_failed_delivery_is_kept_with_its_error_and_sent_after_a_restart(tmp_path):
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    delivery_id = await _queue_one(tmp_path, httpx.MockTransport(down))

    received: list[httpx.Request] = []

    def up(request: httpx.Request) -> httpx.Response:
        received.append(request)
        return httpx.Response(202)

    # A new app on the same data directory: the queue is in the database, not in memory.
    app = create_app(_settings(tmp_path), transport=httpx.MockTransport(up))
    async with app.router.lifespan_context(app):
        row = await Delivery.get(id=delivery_id)
        assert row.state == PENDING
        assert row.attempts == 1
        assert "ConnectError" in row.last_error
        assert 25 <= (row.next_attempt_at - utcnow()).total_seconds() <= 31
        assert await deliver_due(app.state.node) == 0  # not due yet

        await Delivery.filter(id=delivery_id).update(next_attempt_at=utcnow())
        assert await deliver_due(app.state.node) == 1
        row = await Delivery.get(id=delivery_id)
        assert row.state == DONE and row.last_status == 202

    [request] = received
    assert request.url == "https://sales.test/inbox"
    assert request.headers["content-type"] == "application/activity+json"
    body = request.content
    assert json.loads(body)["type"] == "Like"
    headers = {k.lower(): v for k, v in request.headers.items()}
    params, text = check_request("POST", "/inbox", headers, body)
    assert params.key_id == "https://eng.test/users/alice#main-key"
    assert params.headers == ("(request-target)", "host", "date", "digest")
    outgoing = await _public_key(tmp_path)
    assert verify_signature(params, text, outgoing)


async def _public_key(tmp_path) -> str:
    app = create_app(_settings(tmp_path))
    async with app.router.lifespan_context(app):
        activity = await OutgoingActivity.get().prefetch_related("actor")
        return activity.actor.public_key_pem


async def test_a_permanent_refusal_is_not_retried(tmp_path):
    await _queue_one(tmp_path, httpx.MockTransport(lambda request: httpx.Response(410, text="Gone")))
    app = create_app(_settings(tmp_path))
    async with app.router.lifespan_context(app):
        row = await Delivery.get()
        assert row.state == FAILED
        assert row.last_status == 410
        assert "Gone" in row.last_error


async def test_too_many_requests_is_retried_when_the_server_asks(tmp_path):
    await _queue_one(tmp_path, httpx.MockTransport(lambda request: httpx.Response(429, headers={"Retry-After": "600"})))
    app = create_app(_settings(tmp_path))
    async with app.router.lifespan_context(app):
        row = await Delivery.get()
        assert row.state == PENDING
        assert 590 <= (row.next_attempt_at - utcnow()).total_seconds() <= 601
