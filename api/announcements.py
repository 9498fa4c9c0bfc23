"""Client API: announcements. This node has no announcement store yet, so there are none to show or dismiss."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from api.auth import scoped
from api.errors import not_found


@scoped("read")
async def index(request: Request) -> JSONResponse:
    return JSONResponse([])


@scoped("write:accounts")
async def dismiss(request: Request) -> JSONResponse:
    raise not_found()


@scoped("write:favourites")
async def react(request: Request) -> JSONResponse:
    raise not_found()


routes: list[BaseRoute] = [
    Route("/api/v1/announcements", index, methods=["GET"]),
    Route("/api/v1/announcements/{id}/dismiss", dismiss, methods=["POST"]),
    Route("/api/v1/announcements/{id}/reactions/{name}", react, methods=["PUT", "DELETE"]),
]
