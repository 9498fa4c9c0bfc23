"""Bearer tokens and OAuth scopes on every client API endpoint.

`@scoped("read:statuses")` on a handler: the request must carry a valid token whose
scopes include the one named or its parent (`read` covers `read:statuses`), otherwise 401
(no or bad token) or 403 (scope missing), with Mastodon's error bodies. `user=False`
lets app-only tokens (client_credentials) through.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from api.errors import APIError
from models.accounts import Account, User
from models.base import utcnow
from models.oauth import AccessToken, Application
from models.reads import column_names, columns, instance_at, table, tuples

# Mastodon's scope hierarchy: a top-level scope covers all its granular children.
TOP_LEVEL = ("read", "write", "follow", "push", "profile")
# `follow` is the legacy scope for relationship changes; Mastodon accepts it where these are required.
FOLLOW_COVERS = {"read:blocks", "write:blocks", "read:follows", "write:follows", "read:mutes", "write:mutes"}
USE_RECORDED_EVERY = timedelta(hours=1)


@dataclass(frozen=True)
class Caller:
    token: AccessToken
    account: Account | None
    user: User | None
    application: Application | None
    scopes: frozenset[str]


def has_scope(granted: frozenset[str], needed: str) -> bool:
    if needed in granted:
        return True
    # The parent is everything before the last colon: `read` for read:statuses, `admin:read` for admin:read:accounts.
    parent = needed.rsplit(":", 1)[0] if ":" in needed else needed
    if parent in granted:
        return True
    if needed in FOLLOW_COVERS and "follow" in granted:
        return True
    if needed.startswith("admin:") and "admin" in granted:
        return True
    return False


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip() or None
    return request.query_params.get("access_token") or None


async def authenticate(request: Request) -> Caller | None:
    """The caller behind the request's token; None without a token. Bad or revoked tokens: 401."""
    cached = request.scope.get("flurfunk.caller")
    if cached is not None:
        return cached
    token_value = bearer_token(request)
    if token_value is None:
        return None
    caller = await caller_for_token(token_value)
    request.scope["flurfunk.caller"] = caller
    return caller


async def _note_use(token: AccessToken) -> None:
    # Monthly active users and weekly logins (api/instance.py) count token use; one write an hour is enough.
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > USE_RECORDED_EVERY:
        token.last_used_at = now
        await AccessToken.filter(id=token.id).update(last_used_at=now)


@functools.cache
def _token_sql() -> str:
    # Every authenticated request pays for this, so it is one query with joins, in fixed SQL text.
    return (
        f"SELECT {columns(AccessToken, 't', 't_')}, {columns(Account, 'a', 'a_')},"
        f" {columns(User, 'u', 'u_')}, {columns(Application, 'p', 'p_')}"
        f" FROM {table(AccessToken)} t"
        f" LEFT JOIN {table(Account)} a ON a.id = t.account_id"
        f" LEFT JOIN {table(User)} u ON u.account_id = t.account_id"
        f" LEFT JOIN {table(Application)} p ON p.id = t.application_id"
        " WHERE t.token = ? AND t.revoked_at IS NULL LIMIT 1"
    )


async def caller_for_token(token_value: str) -> Caller:
    """The caller a bearer token stands for; 401 for an unknown, revoked or disabled one."""
    found = await tuples(_token_sql(), [token_value])
    if not found:
        raise APIError(401, "The access token is invalid")
    row = found[0]
    # The four models' columns follow each other in the row, in _token_sql's order; an
    # outer-joined model whose id column is NULL is absent.
    token = instance_at(AccessToken, row, 0)
    start = len(column_names(AccessToken))
    parts: list[Any] = []
    for model in (Account, User, Application):
        names = column_names(model)
        parts.append(instance_at(model, row, start) if row[start + names.index("id")] is not None else None)
        start += len(names)
    account, user, application = parts
    if account is not None and (account.suspended or user is None):
        raise APIError(401, "Your login is currently disabled")
    await _note_use(token)
    return Caller(token, account, user, application, frozenset(token.scopes.split()))


Handler = Callable[..., Awaitable[Response]]


def scoped(
    scope: str | tuple[str, ...] | None, user: bool = True, optional: bool = False
) -> Callable[[Handler], Handler]:
    """Guard a handler. `optional`: anonymous calls pass too (caller is then None).

    A tuple of scopes means any one of them suffices, as Mastodon's `doorkeeper_authorize! :profile, :read` does.
    """
    accepted = (scope,) if isinstance(scope, str) else scope

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def wrapper(request: Request) -> Response:
            caller = await authenticate(request)
            if caller is None:
                if optional:
                    request.state.caller = None
                    return await handler(request)
                raise APIError(401, "The access token is invalid")
            if accepted and not any(has_scope(caller.scopes, one) for one in accepted):
                raise APIError(403, "This action is outside the authorized scopes")
            if user and caller.account is None:
                raise APIError(422, "This method requires an authenticated user")
            request.state.caller = caller
            return await handler(request)

        return wrapper

    return decorate


def current_account(request: Request) -> Account:
    """The logged-in account of a handler guarded with @scoped(..., user=True)."""
    caller: Caller | None = getattr(request.state, "caller", None)
    if caller is None or caller.account is None:
        raise APIError(401, "The access token is invalid")
    return caller.account


def viewer(request: Request) -> Account | None:
    caller: Caller | None = getattr(request.state, "caller", None)
    return caller.account if caller else None
