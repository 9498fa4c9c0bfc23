"""Deliveries signed in a child process: every signature verifies, each delivery is answered once,
a broken key fails alone, and a child that dies hands what it had not signed to a thread."""

from __future__ import annotations

import asyncio
import os
import signal
from types import SimpleNamespace

import pytest

from federation.delivery import Ready, Sender
from federation.keys import generate_key_pair
from federation.signatures import check_request, verify_signature
from federation.signing_process import ProcessSigner


def _key(n: int) -> tuple[str, str, str]:
    private, public = generate_key_pair()
    return f"https://a.example/users/u{n}#main-key", private, public


@pytest.fixture(scope="module")
def keys() -> list[tuple[str, str, str]]:
    return [_key(0), _key(1)]


def _deliveries(keys: list[tuple[str, str, str]], count: int, first_id: int = 1) -> list[tuple[SimpleNamespace, Ready]]:
    """`count` deliveries of two activities (one per key), each to its own inbox."""
    readies = [
        Ready(f'{{"id":"https://a.example/activities/{n}","type":"Create"}}'.encode(), key_id, private)
        for n, (key_id, private, _) in enumerate(keys)
    ]
    prepared = []
    for n in range(count):
        job = SimpleNamespace(id=first_id + n, activity_id=n % 2, inbox_url=f"https://node{n}.example/users/f/inbox")
        prepared.append((job, readies[n % 2]))
    return prepared


def _verifies(job: SimpleNamespace, ready: Ready, headers: dict[str, str], public_pem: str) -> bool:
    lower = {name.lower(): value for name, value in headers.items()}
    params, text = check_request("POST", "/users/f/inbox", lower, ready.body)
    return params.key_id == ready.key_id and verify_signature(params, text, public_pem)


class Collected:
    """What comes back from a signer, and an event set once `expected` deliveries were answered."""

    def __init__(self, expected: int) -> None:
        self.signed: list = []
        self.taken: list = []
        self.expected = expected
        self.all_back = asyncio.Event()

    def __call__(self, signed: list, taken: list) -> None:
        self.signed += signed
        self.taken += taken
        if len(self.taken) >= self.expected:
            self.all_back.set()


def _sign_here(prepared):
    return Sender.signed(*prepared)


async def test_every_delivery_comes_back_signed_once_and_verifies(keys) -> None:
    prepared = _deliveries(keys, 40)
    back = Collected(len(prepared))
    signer = await ProcessSigner.start(_sign_here, back)
    assert signer is not None
    signer.submit(prepared[:7])
    signer.submit(prepared[7:])
    await asyncio.wait_for(back.all_back.wait(), 30)
    await signer.close()

    assert [job.id for job, _ in back.taken] == [job.id for job, _ in prepared]
    assert [job.id for job, _, _ in back.signed] == [job.id for job, _ in prepared]
    public = {key_id: public for key_id, _, public in keys}
    for job, ready, headers in back.signed:
        assert headers["Content-Type"] == "application/activity+json"
        assert headers["Host"] == job.inbox_url.split("/")[2]
        assert _verifies(job, ready, headers, public[ready.key_id])
    # A signature made with the other key does not pass for this one.
    job, ready, headers = back.signed[0]
    assert not _verifies(job, ready, headers, public[keys[1][0]])
    assert not signer.broken


async def test_a_broken_key_fails_alone(keys) -> None:
    prepared = _deliveries(keys, 6)
    bad = (prepared[2][0], Ready(prepared[2][1].body, "https://a.example/users/x#main-key", "not a PEM"))
    prepared[2] = bad
    back = Collected(len(prepared))
    signer = await ProcessSigner.start(_sign_here, back)
    assert signer is not None
    signer.submit(prepared)
    await asyncio.wait_for(back.all_back.wait(), 30)
    await signer.close()
    assert len(back.taken) == 6
    assert [job.id for job, _, _ in back.signed] == [1, 2, 4, 5, 6]


async def test_a_child_that_dies_hands_its_deliveries_to_a_thread(keys) -> None:
    first = _deliveries(keys, 4)
    back = Collected(4)
    signer = await ProcessSigner.start(_sign_here, back)
    assert signer is not None
    signer.submit(first)
    await asyncio.wait_for(back.all_back.wait(), 30)

    os.kill(signer.pid, signal.SIGKILL)
    later = _deliveries(keys, 30, first_id=100)
    back.expected, back.all_back = 4 + len(later), asyncio.Event()
    signer.submit(later)  # the parent has not noticed yet: written to a dead pipe, then taken over
    await asyncio.wait_for(back.all_back.wait(), 30)
    more = _deliveries(keys, 5, first_id=200)
    back.expected, back.all_back = back.expected + len(more), asyncio.Event()
    signer.submit(more)
    await asyncio.wait_for(back.all_back.wait(), 30)
    await signer.close()

    assert signer.broken
    ids = [job.id for job, _ in back.taken]
    assert sorted(ids) == sorted(job.id for job, _ in first + later + more)
    assert len(ids) == len(set(ids))
    public = {key_id: public for key_id, _, public in keys}
    assert len(back.signed) == len(ids)
    assert all(_verifies(job, ready, headers, public[ready.key_id]) for job, ready, headers in back.signed)
