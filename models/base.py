from __future__ import annotations

from datetime import UTC, datetime

from tortoise import fields
from tortoise.models import Model

from models.ids import new_id


def utcnow() -> datetime:
    return datetime.now(UTC)


class SnowflakeModel(Model):
    """A model whose primary key is a time-ordered id (see models.ids)."""

    id = fields.BigIntField(primary_key=True, generated=False)

    class Meta:
        abstract = True

    async def save(self, *args, **kwargs) -> None:  # type: ignore[override]
        if self.id is None:
            self.id = new_id()
        await super().save(*args, **kwargs)
