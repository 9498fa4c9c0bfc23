"""Client API: follow suggestions (v2 with the reason, v1 as plain accounts) and dismissing one."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from api.account_entities import account_json, parse_id
from api.auth import current_account, scoped
from api.pagination import parse_limit
from core.suggestions import dismiss, suggestions_for

# Mastodon's SuggestionsController: 40 by default, at most 80.
DEFAULT_LIMIT = 40
# The pre-4.3 single `source`, still sent: "staff" for what the organisation puts forward, else "global".
LEGACY_SOURCE = {"featured": "staff", "most_followed": "global"}


def _limit(request: Request) -> int:
    return parse_limit(request.query_params.get("limit"), DEFAULT_LIMIT, 2 * DEFAULT_LIMIT)


@scoped("read")
async def index_v2(request: Request) -> JSONResponse:
    base = request.app.state.node.settings.base_url
    found = await suggestions_for(current_account(request), _limit(request))
    return JSONResponse(
        [
            {
                "source": LEGACY_SOURCE.get(s.source, "global"),
                "sources": [s.source],
                "account": account_json(s.account, base),
            }
            for s in found
        ]
    )


@scoped("read")
async def index_v1(request: Request) -> JSONResponse:
    base = request.app.state.node.settings.base_url
    found = await suggestions_for(current_account(request), _limit(request))
    return JSONResponse([account_json(s.account, base) for s in found])


@scoped(("write", "write:accounts"))
async def remove(request: Request) -> JSONResponse:
    # Mastodon answers {} whether or not the account was among the suggestions.
    await dismiss(current_account(request), parse_id(request.path_params["account_id"]))
    return JSONResponse({})


routes: list[BaseRoute] = [
    Route("/api/v2/suggestions", index_v2, methods=["GET"]),
    Route("/api/v1/suggestions", index_v1, methods=["GET"]),
    Route("/api/v1/suggestions/{account_id}", remove, methods=["DELETE"]),
]
