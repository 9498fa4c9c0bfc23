"""The background loops that send deliveries and apply received activities.

`serve` runs them inside the web process; `serve --workers N` and `worker` run them in
processes of their own, as many as wanted (jobs are claimed safely, federation/queue.py).
Each wakes at once when work is queued in the same process (Node.wake_delivery / wake_inbox)
or, on PostgreSQL, in another (the event bus), and otherwise polls. Deliveries and inbox
processing run apart, so a slow remote inbox never delays applying what arrived; up to
`concurrency` deliveries are in flight at once, the next ones claimed and signed meanwhile
(federation/delivery_loop.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from core.polls import notify_ended_polls
from directory.exchange import PULL_SECONDS, pull_directories
from federation.delivery_loop import POLL_SECONDS, DeliveryLoop
from federation.queue_cleanup import CLEANUP_SECONDS as QUEUE_CLEANUP_SECONDS
from federation.queue_cleanup import remove_finished_queue_rows
from inbox.processing import process_due
from media.cleanup import remove_unattached_media
from node import Node
from outbox.scheduled import publish_due

log = logging.getLogger("flurfunk.worker")
# How `server.py worker` announces itself once its code is loaded (bench/common.py waits for it).
WORKER_STARTED = "Flurfunk worker for"
# Uploads left out of any post are removed after a day (media/cleanup.py); looking hourly is plenty.
MEDIA_CLEANUP_SECONDS = 3600.0
DELIVERY_CONCURRENCY = 32


async def run_workers(node: Node, stop: asyncio.Event, concurrency: int = DELIVERY_CONCURRENCY) -> None:
    await asyncio.gather(
        _every(node, stop, _unattached_media, MEDIA_CLEANUP_SECONDS),
        _every(node, stop, _finished_queue_rows, QUEUE_CLEANUP_SECONDS),
        # The company directory: this node's entries put right, then every peer's pulled.
        _every(node, stop, pull_directories, PULL_SECONDS),
        _loop(node, stop, process_due, node.inbox_ready),
        _deliveries(node, stop, concurrency),
        # Nothing wakes this one: it looks for polls that ended once per poll interval.
        _loop(node, stop, _ended_polls, asyncio.Event()),
        # Scheduled statuses whose time has come, looked for on the same beat.
        _loop(node, stop, publish_due, asyncio.Event()),
    )


async def _ended_polls(node: Node) -> int:
    return await notify_ended_polls()


async def _unattached_media(node: Node) -> int:
    return await remove_unattached_media(node.settings.media_dir)


async def _finished_queue_rows(node: Node) -> int:
    return await remove_finished_queue_rows()


async def _every(node: Node, stop: asyncio.Event, work: Callable[[Node], Awaitable[int]], seconds: float) -> None:
    """Run `work` now and then every `seconds` until stopped."""
    while not stop.is_set():
        try:
            await work(node)
        except Exception:
            log.exception("periodic worker pass failed")
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=seconds)


async def _loop(node: Node, stop: asyncio.Event, work: Callable[[Node], Awaitable[int]], ready: asyncio.Event) -> None:
    while not stop.is_set():
        ready.clear()
        try:
            done = await work(node)
        except Exception:  # keep the worker alive; the rows say what went wrong
            log.exception("worker pass failed")
            done = 0
        if done:
            continue
        waiters = [asyncio.ensure_future(ready.wait()), asyncio.ensure_future(stop.wait())]
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait(waiters, timeout=POLL_SECONDS, return_when=asyncio.FIRST_COMPLETED)
        for waiter in waiters:
            waiter.cancel()


async def _deliveries(node: Node, stop: asyncio.Event, concurrency: int) -> None:
    await DeliveryLoop(node, concurrency).run(stop)
