"""The child process that signs deliveries (started by federation/signing_process.py).

    python -m federation.signing_child    (speaking on stdin and stdout)

Both ways a message is a 4-byte length and a pickle (parent and child are the same program).
A request is (bodies, pems, deliveries): each activity's body and each key's PEM once, and the
deliveries as (inbox URL, key id, activity) in order. The child computes each body's Digest
once per request, signs the deliveries in that order and answers in groups of HAND_OVER: a list
with, for each delivery, its signed headers or why signing failed. It imports nothing but the
signing code, to stay small in memory.
"""

from __future__ import annotations

import pickle
import struct
import sys
from typing import Any, BinaryIO

from federation.signatures import body_digest, sign

HAND_OVER = 4
LENGTH = struct.Struct(">I")


def frame(payload: Any) -> bytes:
    data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
    return LENGTH.pack(len(data)) + data


def sign_one(url: str, key_id: str, pem: str, body: bytes, digest: str | None = None) -> dict[str, str] | str:
    try:
        return sign("POST", url, body, key_id, pem, digest=digest)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"


def serve(stdin: BinaryIO, stdout: BinaryIO) -> None:
    """Answer each request until stdin closes."""
    while True:
        head = stdin.read(LENGTH.size)
        if len(head) < LENGTH.size:
            return
        bodies, pems, deliveries = pickle.loads(stdin.read(LENGTH.unpack(head)[0]))
        digests = {activity: body_digest(body) for activity, body in bodies.items()}
        answers: list[dict[str, str] | str] = []
        for url, key_id, activity in deliveries:
            answers.append(sign_one(url, key_id, pems[key_id], bodies[activity], digests[activity]))
            if len(answers) == HAND_OVER:
                stdout.write(frame(answers))
                stdout.flush()
                answers = []
        if answers:
            stdout.write(frame(answers))
            stdout.flush()


if __name__ == "__main__":
    serve(sys.stdin.buffer, sys.stdout.buffer)
