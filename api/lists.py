"""Client API: lists — create, rename, delete, their members, and the lists an account is in.

The list timeline itself is in api/timelines.py.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from tortoise.transactions import in_transaction

from api import pagination
from api.account_entities import account_or_404, accounts_json, base_url, parse_id
from api.auth import current_account, scoped
from api.errors import not_found, unprocessable
from api.params import flag, id_list, request_params, text
from core.feeds import leave_home_for_exclusive_list, return_home_from_exclusive_list
from models.accounts import Account
from models.lists import REPLIES_POLICIES, List, ListAccount
from models.relationships import Follow, FollowRequest

# Mastodon's per-account cap on lists (List::PER_ACCOUNT_LIMIT).
MAX_LISTS = 50
TITLE_MAX = 256
# GET /lists/:id/accounts: 40 by default, at most 80; limit=0 lists everyone, unpaged.
ACCOUNTS_LIMIT = 40


def list_entity(lst: List) -> dict[str, Any]:
    return {
        "id": str(lst.id),
        "title": lst.title,
        "replies_policy": lst.replies_policy,
        "exclusive": lst.exclusive,
    }


async def list_or_404(owner: Account, raw_id: str) -> List:
    lst = await List.get_or_none(id=parse_id(raw_id), account_id=owner.id)
    if lst is None:
        raise not_found()
    return lst


def _apply_params(lst: List, params: dict[str, Any], creating: bool) -> None:
    """Set what the request gives, then validate the whole list as Rails would, all errors in one message."""
    title = text(params, "title")
    if title is not None or creating:
        lst.title = (title or "").strip()
    policy = text(params, "replies_policy")
    if policy not in (None, ""):
        lst.replies_policy = policy
    if "exclusive" in params:
        lst.exclusive = flag(params, "exclusive", lst.exclusive)
    errors = []
    if not lst.title:
        errors.append("Title can't be blank")
    elif len(lst.title) > TITLE_MAX:
        errors.append(f"Title is too long (maximum is {TITLE_MAX} characters)")
    if lst.replies_policy not in REPLIES_POLICIES:
        errors.append("Replies policy is not included in the list")
    if errors:
        raise unprocessable(", ".join(errors))


async def _member_ids(lst: List) -> list[int]:
    return list(await ListAccount.filter(list_id=lst.id).values_list("account_id", flat=True))


@scoped("read:lists")
async def index(request: Request) -> Response:
    me = current_account(request)
    return JSONResponse([list_entity(lst) for lst in await List.filter(account_id=me.id).order_by("id")])


@scoped("write:lists")
async def create(request: Request) -> Response:
    me = current_account(request)
    lst = List(account_id=me.id, replies_policy="list", exclusive=False)
    _apply_params(lst, await request_params(request), creating=True)
    if await List.filter(account_id=me.id).count() >= MAX_LISTS:
        raise unprocessable("You have reached the maximum number of lists")
    await lst.save()
    return JSONResponse(list_entity(lst))


@scoped("read:lists")
async def show(request: Request) -> Response:
    return JSONResponse(list_entity(await list_or_404(current_account(request), request.path_params["id"])))


@scoped("write:lists")
async def update(request: Request) -> Response:
    me = current_account(request)
    lst = await list_or_404(me, request.path_params["id"])
    was_exclusive = lst.exclusive
    _apply_params(lst, await request_params(request), creating=False)
    await lst.save()
    if lst.exclusive != was_exclusive:
        for member in await _member_ids(lst):
            if lst.exclusive:
                await leave_home_for_exclusive_list(me.id, member)
            else:
                await return_home_from_exclusive_list(me.id, member)
    return JSONResponse(list_entity(lst))


@scoped("write:lists")
async def destroy(request: Request) -> Response:
    me = current_account(request)
    lst = await list_or_404(me, request.path_params["id"])
    members = await _member_ids(lst) if lst.exclusive else []
    await lst.delete()
    for member in members:
        await return_home_from_exclusive_list(me.id, member)
    return JSONResponse({})


@scoped("read:lists")
async def members(request: Request) -> Response:
    me = current_account(request)
    lst = await list_or_404(me, request.path_params["id"])
    rows = ListAccount.filter(list_id=lst.id, account__suspended=False)
    page = pagination.page_params(request, default=ACCOUNTS_LIMIT, maximum=2 * ACCOUNTS_LIMIT)
    if request.query_params.get("limit") == "0":
        ids = await rows.order_by("-account_id").values_list("account_id", flat=True)
        accounts = {a.id: a for a in await Account.filter(id__in=list(ids))}
        return JSONResponse(accounts_json([accounts[i] for i in ids if i in accounts], base_url(request)))
    # Paged by account id, as Mastodon's paginate_by_max_id over the list's accounts.
    ids = pagination.ordered(
        list(await pagination.apply(rows, page, "account_id").values_list("account_id", flat=True)), page
    )
    accounts = {a.id: a for a in await Account.filter(id__in=list(ids))}
    listed = [accounts[i] for i in ids if i in accounts]
    return pagination.paged_response(
        request, accounts_json(listed, base_url(request)), [a.id for a in listed], more=len(ids) == page.limit
    )


async def _requested_accounts(params: dict[str, Any]) -> list[int]:
    ids = id_list(params, "account_ids")
    found = set(await Account.filter(id__in=ids).values_list("id", flat=True)) if ids else set()
    # Account.find(ids) in Mastodon: one unknown id and nothing is added.
    if len(found) != len(ids):
        raise not_found()
    return ids


@scoped("write:lists")
async def add_members(request: Request) -> Response:
    me = current_account(request)
    lst = await list_or_404(me, request.path_params["id"])
    ids = await _requested_accounts(await request_params(request))
    followed = set(
        await Follow.filter(account_id=me.id, target_account_id__in=ids).values_list("target_account_id", flat=True)
    )
    requested = set(
        await FollowRequest.filter(account_id=me.id, target_account_id__in=ids).values_list(
            "target_account_id", flat=True
        )
    )
    # Only people one follows (or asked to follow) can be in one's lists, as in Mastodon's ListAccount.
    if any(i not in followed and i not in requested for i in ids):
        raise unprocessable("Account has not been followed")
    if await ListAccount.exists(list_id=lst.id, account_id__in=ids):
        raise unprocessable("Account has already been taken")
    async with in_transaction():
        for account_id in ids:
            await ListAccount.create(list_id=lst.id, account_id=account_id)
    if lst.exclusive:
        for account_id in ids:
            await leave_home_for_exclusive_list(me.id, account_id)
    return JSONResponse({})


@scoped("write:lists")
async def remove_members(request: Request) -> Response:
    me = current_account(request)
    lst = await list_or_404(me, request.path_params["id"])
    ids = id_list(await request_params(request), "account_ids")
    await ListAccount.filter(list_id=lst.id, account_id__in=ids).delete()
    if lst.exclusive:
        for account_id in ids:
            await return_home_from_exclusive_list(me.id, account_id)
    return JSONResponse({})


@scoped("read:lists")
async def lists_with_account(request: Request) -> Response:
    me = current_account(request)
    account = await account_or_404(request.path_params["id"])
    lists = await List.filter(account_id=me.id, memberships__account_id=account.id).order_by("id")
    return JSONResponse([list_entity(lst) for lst in lists])


routes: list[BaseRoute] = [
    Route("/api/v1/lists", index, methods=["GET"]),
    Route("/api/v1/lists", create, methods=["POST"]),
    Route("/api/v1/lists/{id}", show, methods=["GET"]),
    Route("/api/v1/lists/{id}", update, methods=["PUT", "PATCH"]),
    Route("/api/v1/lists/{id}", destroy, methods=["DELETE"]),
    Route("/api/v1/lists/{id}/accounts", members, methods=["GET"]),
    Route("/api/v1/lists/{id}/accounts", add_members, methods=["POST"]),
    Route("/api/v1/lists/{id}/accounts", remove_members, methods=["DELETE"]),
    Route("/api/v1/accounts/{id}/lists", lists_with_account, methods=["GET"]),
]
