"""Opening and closing the node's database."""

from __future__ import annotations

from tortoise import Tortoise

from models import MODEL_MODULES


def tortoise_config(database_url: str) -> dict:
    return {
        "connections": {"default": database_url},
        "apps": {"models": {"models": MODEL_MODULES, "default_connection": "default"}},
        "use_tz": True,
        "timezone": "UTC",
    }


async def open_database(database_url: str, create_schema: bool = True) -> None:
    # The global fallback lets request tasks, which do not inherit the lifespan task's
    # context variables, reach the connection opened here.
    await Tortoise.init(config=tortoise_config(database_url), _enable_global_fallback=True)
    if create_schema:
        await Tortoise.generate_schemas(safe=True)


async def close_database() -> None:
    await Tortoise.close_connections()
