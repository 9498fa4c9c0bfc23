"""`serve --workers N` runs N web processes, each accepting on a socket of its own (web_processes.py):
connections opened together are spread over them by the kernel, a process that dies is
replaced, and SIGTERM stops them all."""

from __future__ import annotations

import select
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.nodes import ROOT, NodeProcess, free_port, wait_for
from web_processes import listening_socket

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def test_connections_opened_together_reach_every_process_socket():
    port = free_port()
    first, second = listening_socket("127.0.0.1", port), listening_socket("127.0.0.1", port)
    clients = []
    try:
        for sock in (first, second):
            sock.listen(64)
        clients = [socket.create_connection(("127.0.0.1", port)) for _ in range(32)]
        accepted = {first: 0, second: 0}
        deadline = time.monotonic() + 5
        while sum(accepted.values()) < len(clients) and time.monotonic() < deadline:
            for sock in select.select([first, second], [], [], 0.5)[0]:
                sock.accept()[0].close()
                accepted[sock] += 1
        assert sum(accepted.values()) == 32
        # One shared accept queue lets one process take them all; two sockets split them.
        assert accepted[first] > 0 and accepted[second] > 0, accepted
    finally:
        for sock in (*clients, first, second):
            sock.close()


def _listening_inodes(port: int) -> set[str]:
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[1].endswith(f":{port:04X}") and fields[3] == "0A":  # LISTEN
            inodes.add(fields[9])
    return inodes


def _sockets_of(pid: int) -> set[str]:
    found = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = fd.readlink().name
        except OSError:
            continue
        if target.startswith("socket:["):
            found.add(target[8:-1])
    return found


def _children(pid: int) -> list[int]:
    # The spawned web processes; multiprocessing's resource tracker, if any, holds no socket.
    return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def _listening_processes(parent: int, port: int) -> dict[int, set[str]]:
    listening = _listening_inodes(port)
    return {child: own for child in _children(parent) if (own := _sockets_of(child) & listening)}


def test_each_web_process_listens_on_its_own_socket_and_one_that_dies_is_replaced(tmp_path):
    node = NodeProcess(tmp_path / "node")
    node.data_dir.mkdir(parents=True)
    log = open(node.data_dir / "server.log", "ab")
    serve = ["serve", "--workers", "2", "--no-worker", "--port", str(node.port), "--log-level", "warning"]
    parent = subprocess.Popen([sys.executable, "server.py", *serve], cwd=ROOT, env=node.env(), stdout=log, stderr=log)
    try:
        listening = wait_for(
            lambda: len(found := _listening_processes(parent.pid, node.port)) == 2 and found,
            timeout=60,
            what="two web processes listening",
        )
        first, second = listening.values()
        assert first.isdisjoint(second)  # a socket each, not one shared
        assert not _sockets_of(parent.pid) & _listening_inodes(node.port)  # the parent only watches
        assert httpx.get(f"{node.url}/health", timeout=5).status_code == 200

        gone = next(iter(listening))
        subprocess.run(["kill", "-KILL", str(gone)], check=True)
        replaced = wait_for(
            lambda: len(found := _listening_processes(parent.pid, node.port)) == 2 and gone not in found and found,
            timeout=60,
            what="a new web process in place of the killed one",
        )
        assert len(replaced) == 2
        assert httpx.get(f"{node.url}/health", timeout=5).status_code == 200

        parent.send_signal(signal.SIGTERM)
        assert parent.wait(timeout=40) == 0
        assert not _listening_inodes(node.port)
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
        log.close()
