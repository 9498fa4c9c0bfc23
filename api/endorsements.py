"""Client API: featuring accounts on one's profile (Mastodon's endorsements, "account pins").

POST /api/v1/accounts/:id/endorse features an account the caller follows (and /pin, its name
before Mastodon 4.4); /unendorse and /unpin take it back; unfollowing does too
(core/follows.py). GET /api/v1/endorsements lists the caller's, GET /api/v1/accounts/:id/endorsements
anyone's, newest first, paged by the endorsement. Relationship entities say `endorsed`.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from tortoise.expressions import Subquery

from api import pagination
from api.account_entities import account_or_404, paged_accounts
from api.auth import current_account, scoped
from api.errors import unprocessable
from api.serializers.relationships import relationship
from models.accounts import Account
from models.relationships import AccountPin, Follow

# Mastodon's AccountPin validation (accounts.pin_errors.following).
NOT_FOLLOWING = "Validation failed: You must be already following the person you want to endorse"


@scoped("write:accounts")
async def endorse(request: Request) -> Response:
    me = current_account(request)
    target = await account_or_404(request.path_params["id"], suspended_ok=False)
    if not await Follow.exists(account_id=me.id, target_account_id=target.id):
        raise unprocessable(NOT_FOLLOWING)
    await AccountPin.get_or_create(account_id=me.id, target_account_id=target.id)
    return JSONResponse(await relationship(me, target))


@scoped("write:accounts")
async def unendorse(request: Request) -> Response:
    me = current_account(request)
    target = await account_or_404(request.path_params["id"], suspended_ok=False)
    await AccountPin.filter(account_id=me.id, target_account_id=target.id).delete()
    return JSONResponse(await relationship(me, target))


def featured_by(account_id: int):
    """The endorsements of `account_id` that are shown: of accounts in good standing it still follows."""
    return AccountPin.filter(
        account_id=account_id,
        target_account_id__in=Subquery(Follow.filter(account_id=account_id).values("target_account_id")),
    ).exclude(target_account_id__in=Subquery(Account.filter(suspended=True).values("id")))


@scoped("read:accounts")
async def own_endorsements(request: Request) -> Response:
    page = pagination.page_params(request, default=40, maximum=80)
    return await paged_accounts(request, featured_by(current_account(request).id), "target_account_id", page)


@scoped("read:accounts", optional=True)
async def account_endorsements(request: Request) -> Response:
    account = await account_or_404(request.path_params["id"], suspended_ok=False)
    page = pagination.page_params(request, default=40, maximum=80)
    return await paged_accounts(request, featured_by(account.id), "target_account_id", page)


routes: list[BaseRoute] = [
    Route("/api/v1/accounts/{id}/endorse", endorse, methods=["POST"]),
    Route("/api/v1/accounts/{id}/pin", endorse, methods=["POST"]),
    Route("/api/v1/accounts/{id}/unendorse", unendorse, methods=["POST"]),
    Route("/api/v1/accounts/{id}/unpin", unendorse, methods=["POST"]),
    Route("/api/v1/accounts/{id}/endorsements", account_endorsements, methods=["GET"]),
    Route("/api/v1/endorsements", own_endorsements, methods=["GET"]),
]
