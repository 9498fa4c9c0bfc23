"""A thread that signs deliveries one after another, handing them back to the event loop.

RSA signing releases the GIL, so on a second core it costs the event loop nothing. The thread
takes deliveries from its own queue and never waits for the event loop between them: when each
chunk was handed to a thread pool and the next one given only once the loop had noticed the
last, the signer sat idle whenever the loop was busy (in a burst, signing a delivery took about
three times its CPU time in wall time). Signed deliveries go back in groups, so the loop is
woken once per group rather than once per signature.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable, Iterable
from typing import Generic, TypeVar

log = logging.getLogger("flurfunk.delivery")
# At most this many signed deliveries wait in the thread before the loop gets them; fewer when
# nothing more is waiting to be signed.
HAND_OVER = 4

In = TypeVar("In")
Out = TypeVar("Out")


class Signer(Generic[In, Out]):
    """Runs `sign` on each item given to `submit`, in order, on a thread of its own. The results
    reach `done(results, taken)` on the event loop, `taken` being the items they came from
    (an item whose signing fails is logged and left out)."""

    broken = False  # as a signing process that died (federation/signing_process.py); a thread does not

    def __init__(self, sign: Callable[[In], Out], done: Callable[[list[Out], list[In]], None]) -> None:
        self._sign = sign
        self._done = done
        self._loop = asyncio.get_running_loop()
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="delivery-signer", daemon=True)
        self._thread.start()

    def submit(self, items: Iterable[In]) -> None:
        for item in items:
            self._queue.put(item)

    async def close(self) -> None:
        """Stop once what was submitted is signed (its results still reach `done`)."""
        self._queue.put(_STOP)
        await asyncio.to_thread(self._thread.join)

    def _run(self) -> None:
        signed: list[Out] = []
        taken: list[In] = []
        while True:
            item = self._queue.get()
            if item is _STOP:
                break
            taken.append(item)  # type: ignore[arg-type]
            try:
                signed.append(self._sign(item))  # type: ignore[arg-type]
            except Exception:  # its lease runs out and it is tried again
                log.exception("signing a delivery failed")
            if len(taken) >= HAND_OVER or self._queue.empty():
                self._hand_over(signed, taken)
                signed, taken = [], []
        if taken:
            self._hand_over(signed, taken)

    def _hand_over(self, signed: list[Out], taken: list[In]) -> None:
        try:
            self._loop.call_soon_threadsafe(self._done, signed, taken)
        except RuntimeError:  # the loop is closed: the deliveries' leases run out
            pass


_STOP = object()
