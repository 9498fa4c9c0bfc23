"""Shared fixtures: in-process nodes for fast tests, real node processes for federation tests."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT.parent / "shared" / "tools"))

from core.registration import create_local_account  # noqa: E402
from models.accounts import Account  # noqa: E402
from oauth.tokens import cli_application, issue_token  # noqa: E402
from server import create_app  # noqa: E402
from settings import Settings  # noqa: E402
from tests.nodes import NodeProcess  # noqa: E402


class LocalNode:
    """An app running in this process, reached through httpx.ASGITransport (no sockets)."""

    def __init__(self, app, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    @property
    def node(self):
        return self.app.state.node

    def client(self, token: str | None = None) -> httpx.AsyncClient:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app), base_url=self.settings.base_url, headers=headers
        )

    async def user(self, name: str, password: str = "correct horse battery", **kwargs) -> tuple[Account, str]:
        """A new local account and an access token (read write follow push) for it."""
        account = await create_local_account(self.settings.base_url, name, password, **kwargs)
        token = await issue_token(account, await cli_application(), "read write follow push")
        return account, token.token


@pytest.fixture
async def local_node(tmp_path: Path) -> AsyncIterator[LocalNode]:
    settings = Settings(domain="flurfunk.test", scheme="https", data_dir=tmp_path / "node", run_workers=False)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        yield LocalNode(app, settings)


@pytest.fixture
def start_node(tmp_path: Path) -> Iterator:
    """Start real `server.py serve` processes: start_node(**FEDI_env) -> NodeProcess."""
    started: list[NodeProcess] = []

    def start(**env: str) -> NodeProcess:
        node = NodeProcess(tmp_path / f"node{len(started)}", extra_env=env)
        started.append(node)
        return node.start()

    yield start
    for node in started:
        node.stop()
