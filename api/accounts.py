"""Client API: accounts — who I am, updating my profile, finding and listing accounts.

Follows, blocks and mutes are in api/relationships.py, follow requests in api/follow_requests.py,
featured accounts in api/endorsements.py; their routes are listed here so that fixed paths such
as /api/v1/accounts/relationships come before /api/v1/accounts/{id}.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from tortoise.expressions import Q

from api import endorsements, follow_requests, pagination, relationships
from api.account_entities import (
    account_json,
    account_or_404,
    accounts_in_order,
    accounts_json,
    base_url,
    paged_accounts,
)
from api.auth import has_scope, scoped, viewer
from api.errors import APIError, not_found
from api.params import flag, id_list, request_params, text
from api.profile import remove_profile_image, update_profile
from api.serializers.accounts import credential_account_entity
from federation.errors import FederationError
from models.accounts import Account, User
from models.relationships import Block, Follow, FollowRequest
from node import Node
from webfinger.resolve import find_account, split_acct


async def follow_requests_count(account: Account) -> int:
    return await FollowRequest.filter(target_account_id=account.id).count()


async def credential_json(request: Request, account: Account) -> dict[str, Any]:
    user = await User.get(account_id=account.id)
    return credential_account_entity(account, user, base_url(request), await follow_requests_count(account))


# ---- my own account ----------------------------------------------------------------------------


@scoped(None)
async def verify_credentials(request: Request) -> Response:
    # Mastodon 4.3 accepts the `profile` scope here besides read:accounts.
    scopes = request.state.caller.scopes
    if not (has_scope(scopes, "read:accounts") or "profile" in scopes):
        raise APIError(403, "This action is outside the authorized scopes")
    account = await Account.get(id=request.state.caller.account.id)
    return JSONResponse(await credential_json(request, account))


@scoped("write:accounts")
async def update_credentials(request: Request) -> Response:
    params = await request_params(request)
    account = await Account.get(id=request.state.caller.account.id)
    user = await User.get(account_id=account.id)
    await update_profile(request.app.state.node, account, user, params)
    return JSONResponse(await credential_json(request, account))


async def _without_image(request: Request, kind: str) -> Response:
    account = await Account.get(id=request.state.caller.account.id)
    await remove_profile_image(request.app.state.node, account, kind)
    return JSONResponse(await credential_json(request, account))


@scoped("write:accounts")
async def delete_avatar(request: Request) -> Response:
    return await _without_image(request, "avatar")


@scoped("write:accounts")
async def delete_header(request: Request) -> Response:
    return await _without_image(request, "header")


# ---- any account -------------------------------------------------------------------------------


@scoped("read:accounts", optional=True)
async def show(request: Request) -> Response:
    account = await account_or_404(request.path_params["id"])
    return JSONResponse(account_json(account, base_url(request)))


@scoped("read:accounts", optional=True)
async def index(request: Request) -> Response:
    ids = id_list(await request_params(request))
    return JSONResponse(accounts_json(await accounts_in_order(ids), base_url(request)))


@scoped("read:accounts", optional=True)
async def lookup(request: Request) -> Response:
    acct = text(await request_params(request), "acct") or ""
    username, domain = split_acct(acct)
    if not username:
        raise not_found()
    node = request.app.state.node
    try:
        account = await find_account(node, username, domain, resolve=True)
    except FederationError:
        account = None
    if account is None:
        raise not_found()
    return JSONResponse(account_json(account, base_url(request)))


async def _collection_hidden(request: Request, account: Account) -> bool:
    # Mastodon gives an empty list to someone the account blocks.
    me = viewer(request)
    return me is not None and await Block.exists(account_id=account.id, target_account_id=me.id)


@scoped("read:accounts", optional=True)
async def followers(request: Request) -> Response:
    account = await account_or_404(request.path_params["id"])
    page = pagination.page_params(request, default=40, maximum=80)
    if await _collection_hidden(request, account):
        return JSONResponse([])
    rows = Follow.filter(target_account_id=account.id, account__suspended=False)
    return await paged_accounts(request, rows, "account_id", page)


@scoped("read:accounts", optional=True)
async def following(request: Request) -> Response:
    account = await account_or_404(request.path_params["id"])
    page = pagination.page_params(request, default=40, maximum=80)
    if await _collection_hidden(request, account):
        return JSONResponse([])
    rows = Follow.filter(account_id=account.id, target_account__suspended=False)
    return await paged_accounts(request, rows, "target_account_id", page)


@scoped("read:accounts")
async def search(request: Request) -> Response:
    params = await request_params(request)
    query = (text(params, "q") or "").strip()
    try:
        limit = max(1, min(int(text(params, "limit") or 40), 80))
        offset = max(0, int(text(params, "offset") or 0))
    except ValueError as exc:
        raise APIError(400, "limit and offset must be integers") from exc
    me = request.state.caller.account
    found = await search_accounts(
        request.app.state.node,
        me,
        query,
        limit,
        offset,
        flag(params, "resolve", False),
        flag(params, "following", False),
    )
    return JSONResponse(accounts_json(found, base_url(request)))


async def search_accounts(
    node: Node, me: Account, query: str, limit: int, offset: int, resolve: bool, only_following: bool
) -> list[Account]:
    """Accounts whose handle or display name starts with `query`: an exact handle first, then local ones."""
    username, domain = split_acct(query)
    if not username:
        return []
    exact: Account | None = None
    if query.lstrip("@") and offset == 0:
        try:
            exact = await find_account(node, username, domain, resolve=resolve and domain is not None)
        except FederationError:
            exact = None
    handle = Q(username__istartswith=username)
    if domain:
        handle &= Q(domain__istartswith=domain) | (Q(domain="") if domain == node.settings.domain else Q(id=-1))
    matches = Account.filter(handle | Q(display_name__istartswith=query.lstrip("@")))
    matches = matches.filter(suspended=False, actor_type__not="Application")
    if only_following:
        matches = matches.filter(followers_rel__account_id=me.id)
    ordered = await matches.order_by("-followers_count", "id").offset(offset).limit(limit + 1)
    results: list[Account] = []
    if exact is not None and not exact.suspended:
        if not only_following or await Follow.exists(account_id=me.id, target_account_id=exact.id):
            results.append(exact)
    local_first = sorted(ordered, key=lambda a: not a.local)
    results += [a for a in local_first if exact is None or a.id != exact.id]
    return results[:limit]


@scoped("read:follows")
async def familiar_followers(request: Request) -> Response:
    me = request.state.caller.account
    ids = id_list(await request_params(request))
    mine = set(await Follow.filter(account_id=me.id).values_list("target_account_id", flat=True))
    answer = []
    for account_id in ids:
        their = await Follow.filter(target_account_id=account_id, account_id__in=list(mine)).values_list(
            "account_id", flat=True
        )
        shared = await Account.filter(id__in=list(their), suspended=False).order_by("id")
        answer.append({"id": str(account_id), "accounts": accounts_json(shared, base_url(request))})
    return JSONResponse(answer)


routes: list[BaseRoute] = [
    Route("/api/v1/accounts/verify_credentials", verify_credentials, methods=["GET"]),
    Route("/api/v1/accounts/update_credentials", update_credentials, methods=["PATCH", "PUT", "POST"]),
    Route("/api/v1/profile/avatar", delete_avatar, methods=["DELETE"]),
    Route("/api/v1/profile/header", delete_header, methods=["DELETE"]),
    Route("/api/v1/accounts/lookup", lookup, methods=["GET"]),
    Route("/api/v1/accounts/search", search, methods=["GET"]),
    Route("/api/v1/accounts/familiar_followers", familiar_followers, methods=["GET"]),
    *relationships.routes,
    *endorsements.routes,
    *follow_requests.routes,
    Route("/api/v1/accounts", index, methods=["GET"]),
    Route("/api/v1/accounts/{id}/followers", followers, methods=["GET"]),
    Route("/api/v1/accounts/{id}/following", following, methods=["GET"]),
    Route("/api/v1/accounts/{id}", show, methods=["GET"]),
]
