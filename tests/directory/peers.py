"""Real nodes that are each other's directory peers, and what their people search finds."""

from __future__ import annotations

import subprocess
import sys

from tests.nodes import ROOT, NodeProcess, free_port


def start_peers(start_node, count: int, **env: str) -> list[NodeProcess]:
    """`count` nodes, each listing all the others in FEDI_DIRECTORY_PEERS."""
    ports = [free_port() for _ in range(count)]
    domains = [f"127.0.0.1:{port}" for port in ports]
    return [
        start_node(port=port, FEDI_DIRECTORY_PEERS=",".join(d for d in domains if d != own), **env)
        for port, own in zip(ports, domains, strict=True)
    ]


def pull(node: NodeProcess) -> subprocess.CompletedProcess:
    """`python server.py directory pull` on the node, whatever its exit status."""
    return subprocess.run(
        [sys.executable, "server.py", "directory", "pull"],
        cwd=ROOT,
        env=node.env(),
        capture_output=True,
        text=True,
        timeout=60,
    )


def people(node: NodeProcess, token: str, **params: str) -> list[dict]:
    """The people search of `node` (GET /api/v1/flurfunk/people)."""
    with node.client(token) as client:
        response = client.get("/api/v1/flurfunk/people", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def handles(found: list[dict]) -> set[str]:
    return {person["acct"] for person in found}
