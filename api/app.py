"""All client API routes in one list, and the middleware they need (CORS)."""

from __future__ import annotations

from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from api import (
    account_statuses,
    accounts,
    announcements,
    conversations,
    filters,
    instance,
    lists,
    markers,
    media,
    notifications,
    people,
    polls,
    reports,
    scheduled_statuses,
    search,
    status_actions,
    statuses,
    suggestions,
    tags,
    timelines,
    trends,
)
from api.errors import APIError, handle_api_error


async def unknown_endpoint(request: Request) -> JSONResponse:
    return JSONResponse({"error": "Record not found"}, status_code=404)


routes: list[BaseRoute] = [
    *instance.routes,
    *accounts.routes,
    *statuses.routes,
    *status_actions.routes,
    *account_statuses.routes,
    *timelines.routes,
    *notifications.routes,
    *tags.routes,
    *search.routes,
    *lists.routes,
    *markers.routes,
    *filters.routes,
    *media.routes,
    *polls.routes,
    *conversations.routes,
    *reports.routes,
    *trends.routes,
    *suggestions.routes,
    *announcements.routes,
    *scheduled_statuses.routes,
    *people.routes,
    # Anything else under /api answers like Mastodon does for an unknown path: JSON, not HTML.
    Route("/api/{rest:path}", unknown_endpoint, methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
]

exception_handlers = {APIError: handle_api_error}

middleware = [
    Middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
        allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "Accept"],
        expose_headers=["Link", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"],
        max_age=86400,
    )
]
