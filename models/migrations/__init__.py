"""Schema migrations: ordered steps that bring an older database up to the current models.

A fresh database gets the current models' schema in one go (Tortoise's generator, as fast as
before), plus the render-version columns and triggers and the indexes of references that no
model describes (render_versions.py, reference_indexes.py), and every step below is recorded
as applied, since that includes them. An existing database runs the steps it has not
recorded, in order, in `schema_migrations`.

Adding a field or a table to a model therefore means adding a step here that does the same to
an existing database, with the helpers of models.migrations.ops (they are idempotent, so a step
written against today's models stays correct when a later step changes the same table).
Steps are never edited or removed once released: nodes out there have recorded them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from tortoise.backends.base.client import BaseDBAsyncClient

from models.migrations import (
    m0001_initial,
    m0002_render_versions,
    m0003_reference_indexes,
    m0004_notification_groups,
    m0005_account_domain_blocks,
    m0006_account_pins,
    m0007_render_version_order,
    m0008_boosts_by_account,
    m0009_home_feed_one_index,
)


@dataclass(frozen=True)
class Migration:
    name: str
    description: str
    apply: Callable[[BaseDBAsyncClient], Awaitable[None]]

    @classmethod
    def from_module(cls, module) -> Migration:
        name = module.__name__.rsplit(".", 1)[-1].removeprefix("m")
        return cls(name, (module.__doc__ or "").strip().splitlines()[0], module.apply)


MIGRATIONS: list[Migration] = [
    Migration.from_module(m0001_initial),
    Migration.from_module(m0002_render_versions),
    Migration.from_module(m0003_reference_indexes),
    Migration.from_module(m0004_notification_groups),
    Migration.from_module(m0005_account_domain_blocks),
    Migration.from_module(m0006_account_pins),
    Migration.from_module(m0007_render_version_order),
    Migration.from_module(m0008_boosts_by_account),
    Migration.from_module(m0009_home_feed_one_index),
]
