"""Client API: the notification policy and filtered-notification requests (Mastodon 4.3).

This node filters no notifications: every one from anyone not blocked or muted is shown. The
policy says so (every `for_*` is `accept`, nothing pending), so clients that read it on their
notifications screen (Phanpy, Ivory, Mastodon's web app) work and show no filtered requests.
Asking for `filter` or `drop` is refused with 422 rather than stored and not acted on.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from api.auth import scoped
from api.errors import APIError, not_found
from api.params import request_params, text

POLICY_FIELDS = (
    "for_not_following",
    "for_not_followers",
    "for_new_accounts",
    "for_private_mentions",
    "for_limited_accounts",
)
CHOICES = ("accept", "filter", "drop")


def _policy() -> dict:
    return {name: "accept" for name in POLICY_FIELDS} | {
        "summary": {"pending_requests_count": 0, "pending_notifications_count": 0}
    }


@scoped("read:notifications")
async def show(request: Request) -> Response:
    return JSONResponse(_policy())


@scoped("write:notifications")
async def update(request: Request) -> Response:
    params = await request_params(request)
    for name in POLICY_FIELDS:
        value = text(params, name)
        if value is None or value == "accept":
            continue
        if value not in CHOICES:
            label = name.replace("_", " ").capitalize()
            raise APIError(422, f"Validation failed: {label} is not included in the list")
        raise APIError(422, f"Validation failed: this server filters no notifications, so {name} can only be accept")
    return JSONResponse(_policy())


@scoped("read:notifications")
async def requests(request: Request) -> Response:
    return JSONResponse([])  # nothing is ever filtered


@scoped("read:notifications")
async def merged(request: Request) -> Response:
    return JSONResponse({"merged": True})


@scoped(("read:notifications", "write:notifications"))
async def one_request(request: Request) -> Response:
    raise not_found()


@scoped("write:notifications")
async def many_requests(request: Request) -> Response:
    return JSONResponse({})  # accepting or dismissing requests of which there are none


routes: list[BaseRoute] = [
    Route("/api/v2/notifications/policy", show, methods=["GET"]),
    Route("/api/v2/notifications/policy", update, methods=["PATCH"]),
    Route("/api/v1/notifications/requests", requests, methods=["GET"]),
    Route("/api/v1/notifications/requests/merged", merged, methods=["GET"]),
    Route("/api/v1/notifications/requests/accept", many_requests, methods=["POST"]),
    Route("/api/v1/notifications/requests/dismiss", many_requests, methods=["POST"]),
    Route("/api/v1/notifications/requests/{id}", one_request, methods=["GET"]),
    Route("/api/v1/notifications/requests/{id}/accept", one_request, methods=["POST"]),
    Route("/api/v1/notifications/requests/{id}/dismiss", one_request, methods=["POST"]),
]
