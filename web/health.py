"""GET /health, as Mastodon serves it for load balancers and uptime checks: "OK" while the
node can read its database, 503 with the reason otherwise."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from models.db import database

log = logging.getLogger("flurfunk.health")


async def health(request: Request) -> Response:
    try:
        await database().execute_query("SELECT 1")
    except Exception as exc:
        log.warning("health check: the database does not answer: %s", exc)
        return PlainTextResponse("database unavailable", status_code=503)
    return PlainTextResponse("OK")


routes = [Route("/health", health, methods=["GET", "HEAD"])]
