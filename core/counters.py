"""Denormalised counters (followers, statuses, favourites...) changed atomically in SQL."""

from __future__ import annotations

from typing import Any

from tortoise.expressions import F
from tortoise.models import Model


async def bump(model: type[Model], object_id: int, field: str, delta: int = 1, **also: Any) -> None:
    await model.filter(id=object_id).update(**{field: F(field) + delta}, **also)
    if delta < 0:  # never below zero, whatever was missed
        await model.filter(id=object_id, **{f"{field}__lt": 0}).update(**{field: 0})
