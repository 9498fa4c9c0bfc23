"""Real node processes for federation tests: `python server.py serve` on a loopback port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class NodeProcess:
    data_dir: Path
    port: int = field(default_factory=free_port)
    extra_env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen | None = None

    @property
    def domain(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.domain}"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("FEDI_")}
        env.update(FEDI_DOMAIN=self.domain, FEDI_SCHEME="http", FEDI_DATA_DIR=str(self.data_dir), **self.extra_env)
        return env

    def cli(self, *args: str) -> str:
        """Run `python server.py ARGS` against this node's data; returns stdout."""
        done = subprocess.run(
            [sys.executable, "server.py", *args], cwd=ROOT, env=self.env(), capture_output=True, text=True, timeout=60
        )
        if done.returncode != 0:
            raise RuntimeError(f"server.py {' '.join(args)} failed: {done.stderr}")
        return done.stdout

    def start(self) -> NodeProcess:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.data_dir / "server.log", "ab")
        self.process = subprocess.Popen(
            [sys.executable, "server.py", "serve", "--port", str(self.port), "--log-level", "warning"],
            cwd=ROOT,
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"node {self.domain} exited: {self.log()}")
            try:
                if httpx.get(f"{self.url}/.well-known/nodeinfo", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError(f"node {self.domain} did not start: {self.log()}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def log(self) -> str:
        path = self.data_dir / "server.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def add_user(self, name: str, password: str = "correct horse battery") -> str:
        """Create a user and return an access token for it."""
        self.cli("user", "add", name, "--password", password)
        return self.cli("token", name).strip()

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=15)


def wait_for(condition, timeout: float = 15.0, interval: float = 0.1, what: str = "condition"):
    """Poll `condition()` until it returns something truthy; return that."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(interval)
