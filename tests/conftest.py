"""Shared fixtures: in-process nodes for fast tests, real node processes for federation tests."""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# The shared tools (mastodon_shapes) and the Mastodon OpenAPI description live beside the checkout.
SHARED_TOOLS = ROOT.parent / "shared" / "tools"
if not (SHARED_TOOLS / "mastodon_shapes.py").exists():
    raise RuntimeError(f"{SHARED_TOOLS}/mastodon_shapes.py is missing: the tests need ../shared beside the checkout")
sys.path.insert(0, str(SHARED_TOOLS))

from core.registration import create_local_account  # noqa: E402
from models.accounts import Account  # noqa: E402
from models.db import close_database, open_database  # noqa: E402
from oauth.tokens import cli_application, issue_token  # noqa: E402
from server import create_app  # noqa: E402
from settings import Settings  # noqa: E402
from tests.nodes import NodeProcess  # noqa: E402

# `FEDI_TEST_DB=postgres://user:password@host:port` runs every node of the suite on that
# PostgreSQL server, each in a database of its own; unset, nodes use SQLite in their data dir.
POSTGRES_SERVER = os.environ.get("FEDI_TEST_DB", "").rstrip("/")


async def _postgres(sql: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(f"{POSTGRES_SERVER}/postgres")
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


def _run(coroutine) -> None:
    # Fixtures may run inside the test's event loop; the admin connection gets a loop of its own.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, coroutine).result()


@pytest.fixture
def database_url() -> Iterator[str]:
    """A fresh database for one node: "" (SQLite in the data dir) or a new PostgreSQL database."""
    if not POSTGRES_SERVER:
        yield ""
        return
    name = f"flurfunk_test_{uuid.uuid4().hex[:12]}"
    _run(_postgres(f"CREATE DATABASE {name}"))
    yield f"{POSTGRES_SERVER}/{name}"
    _run(_postgres(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


def new_database_url(cleanups: list) -> str:
    """Like the database_url fixture, for tests and fixtures that start several nodes."""
    if not POSTGRES_SERVER:
        return ""
    name = f"flurfunk_test_{uuid.uuid4().hex[:12]}"
    _run(_postgres(f"CREATE DATABASE {name}"))
    cleanups.append(lambda: _run(_postgres(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
    return f"{POSTGRES_SERVER}/{name}"


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
async def db(tmp_path: Path, database_url: str) -> AsyncIterator[Settings]:
    """The node's database opened (schema created) without an app, for tests of the models layer."""
    settings = Settings(domain="flurfunk.test", scheme="https", data_dir=tmp_path / "node", db_url=database_url)
    settings.data_dir.mkdir(parents=True)
    await open_database(settings.database_url)
    yield settings
    await close_database()


@pytest.fixture
async def local_node(tmp_path: Path, database_url: str) -> AsyncIterator[LocalNode]:
    settings = Settings(
        domain="flurfunk.test", scheme="https", data_dir=tmp_path / "node", db_url=database_url, run_workers=False
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        yield LocalNode(app, settings)


@pytest.fixture
def start_node(tmp_path: Path) -> Iterator:
    """Start real `server.py serve` processes: start_node(**FEDI_env) -> NodeProcess.

    `port` (from tests.nodes.free_port) lets nodes that must name each other in their settings
    (FEDI_DIRECTORY_PEERS, FEDI_ALLOWED_DOMAINS) know their domains before they start.
    """
    started: list[NodeProcess] = []
    cleanups: list = []

    def start(port: int | None = None, **env: str) -> NodeProcess:
        database = new_database_url(cleanups)
        if database:
            env = {"FEDI_DB": database, **env}
        node = NodeProcess(tmp_path / f"node{len(started)}", extra_env=env, **({"port": port} if port else {}))
        started.append(node)
        return node.start()

    yield start
    for node in started:
        node.stop()
    for cleanup in cleanups:
        cleanup()
