"""Client API: follow requests waiting for my approval (my account is locked, or was when they came)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from api import pagination
from api.account_entities import account_or_404, paged_accounts
from api.auth import current_account, scoped
from api.errors import not_found
from api.serializers.relationships import relationship
from models.relationships import FollowRequest
from outbox import follows as outbox_follows


@scoped("read:follows")
async def index(request: Request) -> Response:
    page = pagination.page_params(request, default=40, maximum=80)
    rows = FollowRequest.filter(target_account_id=current_account(request).id, account__suspended=False)
    return await paged_accounts(request, rows, "account_id", page)


@scoped("write:follows")
async def authorize(request: Request) -> Response:
    me = current_account(request)
    requester = await account_or_404(request.path_params["account_id"])
    if not await outbox_follows.authorize(request.app.state.node, me, requester):
        raise not_found()  # Mastodon: FollowRequest.find_by! finds no request from that account
    return JSONResponse(await relationship(me, requester))


@scoped("write:follows")
async def reject(request: Request) -> Response:
    me = current_account(request)
    requester = await account_or_404(request.path_params["account_id"])
    if not await outbox_follows.reject(request.app.state.node, me, requester):
        raise not_found()
    return JSONResponse(await relationship(me, requester))


routes: list[BaseRoute] = [
    Route("/api/v1/follow_requests", index, methods=["GET"]),
    Route("/api/v1/follow_requests/{account_id}/authorize", authorize, methods=["POST"]),
    Route("/api/v1/follow_requests/{account_id}/reject", reject, methods=["POST"]),
]
