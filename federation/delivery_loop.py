"""The delivery worker's loop: claim, sign in a child process, send, with each stage kept busy.

Three stages run side by side. Claimed deliveries are handed to the signing process
(federation/signing_process.py; a thread, federation/signer.py, should no process start), which
signs them one after another on a second core; signed ones wait in `signed` until one of the
`concurrency` sending slots is free. The next batch is claimed
while the ones before it are being signed and sent, so the signer is not left waiting for a
claim or for a slot to free up (before, the loop claimed only as many as had just finished, and
most batches were one or two deliveries, signed in the event loop).

No more than `concurrency + ahead` deliveries are leased at once, so the other workers' share of
the queue stays unleased. Deliveries claimed but not yet sent when the loop stops have their
leases given back, so another worker (or this one after a restart) takes them at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque

from federation.delivery import Prepared, Ready, Sender, Signed
from federation.queue import claim, release
from federation.signer import Signer
from federation.signing_process import ProcessSigner
from models.queues import Delivery
from node import Node

log = logging.getLogger("flurfunk.worker")
# How long an idle worker loop waits for a wake-up before it looks again (workers.py too).
POLL_SECONDS = 1.0
# Claiming for one or two freed slots would cost a query per delivery; a smaller room waits
# until more slots free up (unless nothing at all is under way).
CLAIM_AT_LEAST = 8
# A signing process with nothing to sign for this long is stopped (the next burst starts another).
SIGNER_IDLE = 60.0



class DeliveryLoop:
    def __init__(self, node: Node, concurrency: int, ahead: int | None = None) -> None:
        self.node = node
        self.sender = Sender(node)
        self.concurrency = concurrency
        self.ahead = concurrency if ahead is None else ahead
        self.signing: dict[int, Prepared] = {}  # handed to the signer, not back yet, by delivery id
        self.signed: deque[Signed] = deque()
        self.running: set[asyncio.Task] = set()
        self.stopping = False
        # The last claim found fewer due than asked: claim again when woken or on the next poll,
        # not each time a slot frees up.
        self.drained = False
        # Set when a delivery ends or signed ones come back. The loop waits on it and on two
        # events through futures kept from one wait to the next: asyncio.wait on every running
        # delivery would add and remove a callback on each of them at every wake-up.
        self.progress = asyncio.Event()
        self._waiters: dict[asyncio.Event, asyncio.Future] = {}
        self._signer: ProcessSigner | Signer[Prepared, Signed] | None = None
        # Signers replaced after their child died, closing once their thread has signed what it had.
        self._retiring: set[asyncio.Task] = set()
        self._signer_used = 0.0

    def _held(self) -> int:
        return len(self.signing) + len(self.signed) + len(self.running)

    async def run(self, stop: asyncio.Event) -> None:
        ready = self.node.delivery_ready
        while not stop.is_set():
            self.progress.clear()
            if ready.is_set():
                ready.clear()
                self.drained = False
            room = self.concurrency + self.ahead - self._held()
            if not self.drained and room > 0 and (room >= CLAIM_AT_LEAST or not self._held()):
                await self._claim(room)
                continue  # the claim took a moment: whatever finished meanwhile is handled first
            await self._wait(stop)
            if not self._held():
                await self._retire_idle_signer()
        await self._stop()

    async def _retire_idle_signer(self) -> None:
        """Stop a signing process that has had nothing to sign for SIGNER_IDLE seconds: an idle
        node does not keep its memory (about 28 MB) resident."""
        loop = asyncio.get_running_loop()
        if isinstance(self._signer, ProcessSigner) and loop.time() - self._signer_used > SIGNER_IDLE:
            signer, self._signer = self._signer, None
            await signer.close()

    async def _claim(self, limit: int) -> None:
        try:
            jobs = await claim(Delivery, limit)
            prepared = await self.sender.prepare(jobs)
        except Exception:
            log.exception("claiming deliveries failed")
            self.drained = True  # tried again on the next poll rather than at once
            return
        self.drained = len(jobs) < limit
        if not prepared:
            return
        if len(prepared) == 1 and not self._held():
            # A lone delivery is signed here: the hand-over to the thread would only add latency.
            self.signed.append(self.sender.signed(*prepared[0]))
            self._send_signed()
            return
        if self._signer is None or self._signer.broken:
            self._signer = await self._new_signer()
        self.signing.update((job.id, (job, ready)) for job, ready in prepared)
        self._signer.submit(prepared)
        self._signer_used = asyncio.get_running_loop().time()

    async def _new_signer(self) -> ProcessSigner | Signer[Prepared, Signed]:
        if self._signer is not None:  # a child that died: its thread finishes what it had, then stops
            closing = asyncio.create_task(self._signer.close())
            self._retiring.add(closing)
            closing.add_done_callback(self._retiring.discard)
        sign_here = self._sign_here
        return await ProcessSigner.start(sign_here, self._signed_back) or Signer(sign_here, self._signed_back)

    def _sign_here(self, prepared: Prepared) -> Signed:
        return self.sender.signed(*prepared)

    def _signed_back(self, signed: list[Signed], taken: list[Prepared]) -> None:
        for job, _ in taken:
            self.signing.pop(job.id, None)
        self.signed.extend(signed)
        self._send_signed()
        self.progress.set()

    def _send_signed(self) -> None:
        while self.signed and len(self.running) < self.concurrency and not self.stopping:
            job, ready, headers = self.signed.popleft()
            task = asyncio.create_task(_deliver(self.sender, job, ready, headers))
            self.running.add(task)
            task.add_done_callback(self._ended)

    def _ended(self, task: asyncio.Task) -> None:
        self.running.discard(task)
        self._send_signed()
        self.progress.set()

    async def _wait(self, stop: asyncio.Event) -> None:
        # A slot freed or signed ones back may make room for a claim; without either, only the
        # poll (retries coming due, or work queued by another process without a wake-up).
        waiters = {self._waiter(self.progress), self._waiter(self.node.delivery_ready), self._waiter(stop)}
        done, _ = await asyncio.wait(waiters, timeout=POLL_SECONDS, return_when=asyncio.FIRST_COMPLETED)
        if not done:
            self.drained = False

    def _waiter(self, event: asyncio.Event) -> asyncio.Future:
        waiter = self._waiters.get(event)
        if waiter is None or waiter.done():
            waiter = self._waiters[event] = asyncio.ensure_future(event.wait())
        return waiter

    async def _stop(self) -> None:
        for waiter in self._waiters.values():
            waiter.cancel()
        # Deliveries under way are finished (each is bounded by the HTTP timeout) rather than left
        # to their lease; those not yet sent are given back.
        self.stopping = True
        if self._signer is not None:
            await self._signer.close()
        if self._retiring:
            await asyncio.wait(self._retiring)
        await asyncio.sleep(0)  # the last signed ones come back
        unsent = list(self.signing) + [job.id for job, _, _ in self.signed]
        if self.running:
            await asyncio.wait(self.running)
        if unsent:
            try:
                await release(Delivery, unsent)
            except Exception:  # their leases run out instead
                log.exception("giving back %d claimed deliveries failed", len(unsent))
        await self.sender.close()


async def _deliver(sender: Sender, job: Delivery, ready: Ready, headers: dict[str, str]) -> None:
    try:
        await sender.attempt(job, ready, headers)
    except Exception:  # the lease runs out and the delivery is tried again
        log.exception("delivery %s failed", job.id)
