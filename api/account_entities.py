"""The accounts a client API URL names, and accounts rendered singly or as pages of relation rows.

Shared by the account, relationship and follow request endpoints.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from api import pagination
from api.errors import not_found
from api.serializers.accounts import account_entity
from core.accounts import avatar_url, header_url
from models.accounts import Account


def parse_id(raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise not_found() from None


async def account_or_404(raw_id: str, suspended_ok: bool = True) -> Account:
    account = await Account.get_or_none(id=parse_id(raw_id))
    if account is None or (account.suspended and not suspended_ok):
        raise not_found()
    return account


def account_json(account: Account, base: str) -> dict[str, Any]:
    entity = account_entity(account, base)
    if account.suspended:
        # Mastodon still shows a suspended account, with suspended: true and its profile blanked
        # (REST::AccountSerializer for `unavailable?` accounts).
        default = Account(username=account.username, domain=account.domain, uri=account.uri)
        entity.update(
            display_name="",
            note="",
            fields=[],
            emojis=[],
            locked=False,
            bot=False,
            discoverable=False,
            indexable=False,
            avatar=avatar_url(default, base),
            avatar_static=avatar_url(default, base),
            header=header_url(default, base),
            header_static=header_url(default, base),
            suspended=True,
        )
    return entity


def accounts_json(accounts: Sequence[Account], base: str) -> list[dict[str, Any]]:
    return [account_json(a, base) for a in accounts]


async def accounts_in_order(ids: Sequence[int]) -> list[Account]:
    by_id = {a.id: a for a in await Account.filter(id__in=list(ids))}
    return [by_id[i] for i in ids if i in by_id]


def base_url(request: Request) -> str:
    return request.app.state.node.settings.base_url


async def paged_accounts(request: Request, rows_query, account_field: str, page: pagination.Page) -> Response:
    """A page of accounts listed through relation rows (follows, blocks...), paged by the row id."""
    rows = pagination.ordered(await pagination.apply(rows_query, page).values("id", account_field), page)
    accounts = {a.id: a for a in await Account.filter(id__in=[r[account_field] for r in rows])}
    listed = [accounts[r[account_field]] for r in rows if r[account_field] in accounts]
    # As Mastodon: `next` only when the page came back full.
    return pagination.paged_response(
        request, accounts_json(listed, base_url(request)), [r["id"] for r in rows], more=len(rows) == page.limit
    )
