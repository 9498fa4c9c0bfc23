"""For the in-process inbox tests: a node under test as a real app, the other servers an httpx.MockTransport."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from settings import Settings
from tests.fake_remote import Fediverse, InProcessNode, in_process_node


@pytest.fixture
def fediverse() -> Fediverse:
    return Fediverse()


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        domain="flurfunk.test", scheme="https", data_dir=tmp_path / "node", db_url=database_url, run_workers=False
    )


@pytest.fixture
async def local(settings: Settings, fediverse: Fediverse) -> AsyncIterator[InProcessNode]:
    async with in_process_node(settings, fediverse) as node:
        yield node
