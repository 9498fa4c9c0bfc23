"""Signing a delivery loop's deliveries in a child process (federation/signing_child.py).

A signing thread (federation/signer.py) shares the interpreter lock with the event loop. In a
burst of 1,000 deliveries, with about 50 queued for it at any moment, the thread took 880 us of
wall time for each signature whose CPU time was 470 us (317 us in a plain loop): half of the
time it waited for the lock, and the lock's hand-overs cost the loop too. A child process has
an interpreter of its own. It costs one pipe message per batch each way and, while it runs, the
resident memory of a small interpreter with `cryptography` loaded; it is started when a delivery
loop first has several deliveries to sign at once, and stops with the loop or after a minute
with nothing to sign (federation/delivery_loop.py).

Each result says which delivery it is for. Should the child die, what it had not answered and
anything submitted after is signed on a thread instead (`broken` tells the loop to start a new
child for its next deliveries); should it not start, the loop uses a thread (`start` returns None).
"""

from __future__ import annotations

import asyncio
import logging
import os
import pickle
import sys
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path

from federation.delivery import HEADERS, Prepared, Signed
from federation.signer import Signer
from federation.signing_child import LENGTH, frame

log = logging.getLogger("flurfunk.delivery")
ROOT = Path(__file__).resolve().parent.parent


def request(prepared: Sequence[Prepared]) -> bytes:
    """The child's request for `prepared`: each activity's body and each key once."""
    bodies: dict[int, bytes] = {}
    pems: dict[str, str] = {}
    deliveries = []
    for job, ready in prepared:
        bodies.setdefault(job.activity_id, ready.body)
        pems.setdefault(ready.key_id, ready.private_key_pem)
        deliveries.append((job.inbox_url, ready.key_id, job.activity_id))
    return frame((bodies, pems, deliveries))


class ProcessSigner:
    """Signs deliveries in order in a child process; `done(signed, taken)` gets them on the loop,
    `taken` being the deliveries they came from (one whose signing failed is logged and left out,
    as the thread does). `sign_here` signs one on the thread, should the child die."""

    def __init__(
        self,
        process: asyncio.subprocess.Process,
        sign_here: Callable[[Prepared], Signed],
        done: Callable[[list[Signed], list[Prepared]], None],
    ) -> None:
        self._process = process
        self._sign_here = sign_here
        self._done = done
        self._asked: deque[Prepared] = deque()  # sent to the child, not answered yet (in order)
        self._thread: Signer[Prepared, Signed] | None = None
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def start(
        cls, sign_here: Callable[[Prepared], Signed], done: Callable[[list[Signed], list[Prepared]], None]
    ) -> ProcessSigner | None:
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
        try:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "federation.signing_child",
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                cwd=ROOT,
                env=env,
            )
        except OSError:
            log.exception("could not start the signing process; signing deliveries on a thread")
            return None
        return cls(process, sign_here, done)

    @property
    def pid(self) -> int:
        return self._process.pid

    @property
    def broken(self) -> bool:
        return self._thread is not None

    def submit(self, prepared: Sequence[Prepared]) -> None:
        if not prepared:
            return
        if self._thread is not None:
            self._thread.submit(prepared)
            return
        self._asked.extend(prepared)
        assert self._process.stdin is not None
        self._process.stdin.write(request(prepared))

    async def close(self) -> None:
        """Stop once everything submitted is signed (its results still reach `done`)."""
        stdin = self._process.stdin
        if stdin is not None and not stdin.is_closing():
            stdin.close()
        await self._reader
        await self._process.wait()
        if self._thread is not None:
            await self._thread.close()

    async def _read(self) -> None:
        stdout = self._process.stdout
        assert stdout is not None
        try:
            while True:
                head = await stdout.readexactly(LENGTH.size)
                answers = pickle.loads(await stdout.readexactly(LENGTH.unpack(head)[0]))
                signed, taken = [], []
                for answer in answers:
                    job, ready = self._asked.popleft()
                    taken.append((job, ready))
                    if isinstance(answer, dict):
                        signed.append((job, ready, {**HEADERS, **answer}))
                    else:  # its lease runs out and it is tried again
                        log.error("signing delivery %s failed: %s", job.id, answer)
                self._done(signed, taken)
        except asyncio.IncompleteReadError:
            pass  # the child ended: after close, or it died
        except Exception:
            log.exception("reading from the signing process failed")
        stdin = self._process.stdin
        if self._asked or (stdin is not None and not stdin.is_closing()):
            # It ended without being asked to: the thread takes over, the unanswered first.
            log.warning("the signing process ended; signing %d deliveries on a thread", len(self._asked))
            self._thread = Signer(self._sign_here, self._done)
            left, self._asked = list(self._asked), deque()
            self._thread.submit(left)
