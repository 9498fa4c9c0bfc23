"""Facts about accounts that several layers need: their images and local lookups."""

from __future__ import annotations

from models.accounts import Account


def avatar_url(account: Account, base: str) -> str:
    if account.avatar_file:
        return f"{base}/media/{account.avatar_file}"
    return account.avatar_remote_url or f"{base}/static/avatar.png"


def header_url(account: Account, base: str) -> str:
    if account.header_file:
        return f"{base}/media/{account.header_file}"
    return account.header_remote_url or f"{base}/static/header.png"


async def local_account(username: str) -> Account | None:
    return await Account.filter(username__iexact=username, domain="", suspended=False).first()
