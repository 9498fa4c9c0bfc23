"""`serve --workers N`: N web processes on one port, each accepting on a listening socket of its own.

uvicorn's own process manager binds one socket and shares it: every process waits on the same
accept queue, and whichever wakes first takes whatever is waiting. Clients that open their
connections together (a load balancer's pool, a benchmark's 32) then mostly land on one
process while the other idles: in the inbox benchmark on PostgreSQL one of two web processes
took every connection. Here each process binds its own socket with SO_REUSEPORT, and the
kernel spreads new connections over them by their addresses, as nginx's `reuseport` does.

The parent only watches: a process that dies is started again (one that fails before it serves,
an unusable port for instance, stops them all), and SIGINT or SIGTERM stops every process,
each finishing its requests in flight as uvicorn does.
"""

from __future__ import annotations

import multiprocessing
import signal
import socket
import sys
import threading
from typing import Any

import uvicorn
from uvicorn.config import STARTUP_FAILURE

APP = "server:app_from_environment"
STOP_TIMEOUT = 30.0


def listening_socket(host: str, port: int) -> socket.socket:
    """A socket bound to `host`:`port` that other processes of this user may bind as well."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def _serve_one(options: dict[str, Any]) -> None:
    """One web process (spawned): its own socket, then uvicorn serving the app built from the environment."""
    config = uvicorn.Config(APP, factory=True, **options)
    try:
        sock = listening_socket(config.host, config.port)
    except OSError as exc:
        print(f"error: cannot listen on {config.host}:{config.port}: {exc}", file=sys.stderr, flush=True)
        sys.exit(STARTUP_FAILURE)
    uvicorn.Server(config).run(sockets=[sock])


def run_web_processes(count: int, options: dict[str, Any]) -> int:
    """Run `count` web processes with uvicorn `options` (host, port, …) until SIGINT or SIGTERM."""
    if not hasattr(socket, "SO_REUSEPORT"):  # not on Windows: uvicorn's shared socket instead
        uvicorn.run(APP, factory=True, workers=count, **options)
        return 0
    spawn = multiprocessing.get_context("spawn")
    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())

    def start() -> multiprocessing.process.BaseProcess:
        process = spawn.Process(target=_serve_one, args=(options,), daemon=False)
        process.start()
        return process

    processes = [start() for _ in range(count)]
    failed = False
    while not stopping.wait(0.5):
        for n, process in enumerate(processes):
            if process.is_alive():
                continue
            if process.exitcode == STARTUP_FAILURE:
                print("error: a web process could not start; stopping the others", file=sys.stderr, flush=True)
                failed = True
                stopping.set()
                break
            print(f"web process {process.pid} ended (exit code {process.exitcode}); starting another", flush=True)
            processes[n] = start()
    for process in processes:
        if process.is_alive():
            process.terminate()  # SIGTERM: uvicorn's graceful shutdown
    for process in processes:
        process.join(STOP_TIMEOUT)
        if process.is_alive():
            process.kill()
            process.join()
    return 1 if failed else 0
