"""What every benchmark shares: the machine it ran on, percentiles, progress, resident memory,
processes on loopback ports, and a small keep-alive HTTP/1.1 load generator.

The load generator is plain asyncio streams writing pre-built request bytes (no client
library in the measured loop), so on a 2-core machine one core drives the load and the
other serves it, for the node and for its baseline alike.
"""

from __future__ import annotations

import asyncio
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {date.today().isoformat()}"


def header(title: str) -> None:
    print(f"== {title}")
    print(f"machine: {machine()}", flush=True)


def percentile(values: Sequence[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))]


def progress(label: str, done: int, total: int) -> None:
    end = "\n" if done >= total else ""
    print(f"\r  {label}: {done:,}/{total:,}", end=end, flush=True)


def rss_mb(pid: int) -> float:
    """Resident memory of a process in MB (VmRSS from /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def tree_rss_mb(pids: list[int]) -> float:
    """Resident memory of these processes and their living descendants together (a node's signing
    process, uvicorn's web processes), in MB."""
    return sum(rss_mb(pid) for pid in process_tree(pids))


def cpu_time(pids: list[int]) -> float:
    """User plus system CPU seconds these processes and their living descendants have used (from /proc)."""
    total = 0.0
    for pid in process_tree(pids):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def process_tree(pids: list[int]) -> list[int]:
    """These processes and all their living descendants (uvicorn's web processes are children of `serve`)."""
    found: list[int] = []
    for pid in pids:
        found.append(pid)
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            continue
        found += process_tree([int(child) for child in children])
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_listening(port: int, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port}")


def start_baseline(kind: str, port: int, *args: str) -> subprocess.Popen:
    """A bench/baselines.py server of `kind` on `port`, started and listening."""
    process = subprocess.Popen(
        [PYTHON, str(ROOT / "bench" / "baselines.py"), kind, "--port", str(port), *args],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    wait_listening(port, process)
    return process


def stop(process: subprocess.Popen | None) -> None:
    if process is not None and process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


def request_bytes(method: str, path: str, host: str, headers: dict[str, str], body: bytes = b"") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}"]
    lines += [f"{name}: {value}" for name, value in headers.items() if name.lower() != "host"]
    if body or method in ("POST", "PUT"):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


@dataclass
class LoadResult:
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    response_bytes: int = 0

    @property
    def count(self) -> int:
        return len(self.latencies_ms)

    @property
    def per_second(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0

    def ok(self, *codes: int) -> int:
        return sum(n for code, n in self.statuses.items() if code in codes)

    def summary(self) -> str:
        return (
            f"{self.per_second:8,.0f} req/s   p50 {percentile(self.latencies_ms, 50):6.1f} ms"
            f"   p99 {percentile(self.latencies_ms, 99):6.1f} ms   statuses {dict(sorted(self.statuses.items()))}"
        )


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, int]:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
            break
    else:
        if b"chunked" in head.lower():
            raise RuntimeError("chunked responses are not supported by the bench client")
    if length:
        await reader.readexactly(length)
    return status, length


async def load(
    port: int,
    requests: Sequence[bytes],
    concurrency: int,
    seconds: float | None = None,
    label: str = "requests",
) -> LoadResult:
    """Send `requests` over `concurrency` keep-alive connections.

    With `seconds`, the list is cycled until the time is up (a read benchmark); without, each
    request is sent exactly once (an ingest benchmark). Progress is printed about once a second.
    """
    result = LoadResult()
    total = len(requests)
    next_index = 0
    started = time.perf_counter()
    deadline = started + seconds if seconds else None

    async def connection() -> None:
        nonlocal next_index
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while True:
                if deadline is not None:
                    if time.perf_counter() >= deadline:
                        return
                    payload = requests[next_index % total]
                else:
                    if next_index >= total:
                        return
                    payload = requests[next_index]
                next_index += 1
                sent = time.perf_counter()
                writer.write(payload)
                status, length = await _read_response(reader)
                result.latencies_ms.append((time.perf_counter() - sent) * 1000)
                result.statuses[status] = result.statuses.get(status, 0) + 1
                result.response_bytes += length
        finally:
            writer.close()

    async def report() -> None:
        while True:
            await asyncio.sleep(1)
            if deadline is not None:
                done, of = int(time.perf_counter() - started), int(seconds or 0)
                print(f"\r  {label}: {done}/{of} s, {result.count:,} done", end="", flush=True)
            else:
                progress(label, result.count, total)

    reporter = asyncio.create_task(report())
    try:
        await asyncio.gather(*(connection() for _ in range(concurrency)))
    finally:
        reporter.cancel()
    result.seconds = time.perf_counter() - started
    print(f"\r  {label}: {result.count:,} in {result.seconds:.1f} s" + " " * 20, flush=True)
    return result


def run_load(
    port: int, requests: Sequence[bytes], concurrency: int, seconds: float | None = None, label: str = "requests"
) -> LoadResult:
    try:
        import uvloop

        return uvloop.run(load(port, requests, concurrency, seconds, label))
    except ImportError:
        return asyncio.run(load(port, requests, concurrency, seconds, label))


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


_WRK_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def run_wrk(url: str, headers: dict[str, str], connections: int, seconds: int, label: str) -> dict:
    """GET `url` with wrk (Debian's `wrk`, one thread): requests/s, p50 and p99 in ms, non-2xx count."""
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    print(f"  {label}: wrk for {seconds} s ...", flush=True)
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    figures = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), "non_2xx": 0}
    figures["requests"] = int(re.search(r"(\d+) requests in", out).group(1))
    for name, pct in (("p50", "50"), ("p99", "99")):
        value, unit = re.search(rf"\s{pct}%\s+([\d.]+)(us|ms|s)", out).groups()
        figures[name] = float(value) * _WRK_UNITS[unit]
    if match := re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out):
        figures["non_2xx"] = int(match.group(1))
    return figures


@contextmanager
def fresh_postgres(server: str) -> Iterator[str]:
    """A new database on the PostgreSQL server `server` for the run, dropped afterwards."""
    import asyncpg

    # A query string stays at the end: `postgres://user:pw@/?host=/var/run/postgresql` for the socket.
    base, _, query = server.partition("?")
    base = base.rstrip("/")
    name = f"flurfunk_bench_{uuid.uuid4().hex[:10]}"

    def url(database: str) -> str:
        return f"{base}/{database}" + (f"?{query}" if query else "")

    async def admin(sql: str) -> None:
        connection = await asyncpg.connect(url("postgres"))
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    asyncio.run(admin(f"CREATE DATABASE {name}"))
    try:
        yield url(name)
    finally:
        asyncio.run(admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


def start_processes(node, web: int, workers: int) -> list[subprocess.Popen]:
    """`serve --workers WEB --no-worker` plus WORKERS `worker` processes for `node` (a tests.nodes.NodeProcess)."""
    from workers import WORKER_STARTED

    log = open(node.data_dir / "server.log", "ab")
    serve = [PYTHON, "server.py", "serve", "--port", str(node.port), "--log-level", "warning", "--no-worker"]
    processes = [subprocess.Popen([*serve, "--workers", str(web)], cwd=ROOT, env=node.env(), stdout=log, stderr=log)]
    wait_listening(node.port, processes[0])
    started = (node.data_dir / "server.log").read_text(errors="replace").count(WORKER_STARTED)
    for _ in range(workers):
        command = [PYTHON, "server.py", "worker"]
        processes.append(subprocess.Popen(command, cwd=ROOT, env=node.env(), stdout=log, stderr=log))
    # Measured from when the workers run, as they would on a node long started: their imports
    # (about a second of CPU) are neither waited for nor counted.
    deadline = time.monotonic() + 60
    while (node.data_dir / "server.log").read_text(errors="replace").count(WORKER_STARTED) < started + workers:
        if time.monotonic() > deadline or any(p.poll() is not None for p in processes):
            raise RuntimeError(f"the worker processes did not start; see {node.data_dir / 'server.log'}")
        time.sleep(0.05)
    time.sleep(0.5)  # from the line printed to the loops running: the database opened, the instance actor read
    return processes

