"""Bearer tokens and OAuth scopes on every client API endpoint.

`@scoped("read:statuses")` on a handler: the request must carry a valid token whose
scopes include the one named or its parent (`read` covers `read:statuses`), otherwise 401
(no or bad token) or 403 (scope missing), with Mastodon's error bodies. `user=False`
lets app-only tokens (client_credentials) through.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from tortoise.fields import JSONField
from tortoise.models import Model

from api.errors import APIError
from core.lru import LRU
from models.accounts import Account, User
from models.base import utcnow
from models.oauth import AccessToken, Application
from models.reads import column_names, columns, instance_at, table, tuples

# Mastodon's scope hierarchy: a top-level scope covers all its granular children.
TOP_LEVEL = ("read", "write", "follow", "push", "profile")
# `follow` is the legacy scope for relationship changes; Mastodon accepts it where these are required.
FOLLOW_COVERS = {"read:blocks", "write:blocks", "read:follows", "write:follows", "read:mutes", "write:mutes"}
USE_RECORDED_EVERY = timedelta(hours=1)
_LAST_USED = AccessToken._meta.fields_map["last_used_at"]


# The models of _token_sql's row, in its order; each one's columns follow the one before's.
_JOINED = (AccessToken, Account, User, Application)


class Caller:
    """Who a request comes from. The account is built at once, as nearly every handler needs
    it; the token, user and application models from the same row only when asked for."""

    def __init__(self, row: Sequence[Any], account: Account | None, scopes: frozenset[str]) -> None:
        self._row = row
        self.account = account
        self.scopes = scopes

    @functools.cached_property
    def token(self) -> AccessToken:
        return _joined(AccessToken, self._row)  # type: ignore[return-value]

    @functools.cached_property
    def user(self) -> User | None:
        return _joined(User, self._row)  # type: ignore[return-value]

    @functools.cached_property
    def application(self) -> Application | None:
        return _joined(Application, self._row)  # type: ignore[return-value]


@functools.cache
def _start(model: type[Model]) -> int:
    """Where `model`'s columns begin in _token_sql's row."""
    return sum(len(column_names(m)) for m in _JOINED[: _JOINED.index(model)])


@functools.cache
def _at(model: type[Model], column: str) -> int:
    return _start(model) + column_names(model).index(column)


def _joined(model: type[Model], row: Sequence[Any]) -> Model | None:
    """`model`'s instance from the row; None for an outer-joined one that is absent (its id NULL)."""
    return instance_at(model, row, _start(model)) if row[_at(model, "id")] is not None else None


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


async def _note_use(caller: Caller, stored: Any) -> Any:
    """Record the token's use if the last record is old; the time recorded (as `stored` is)."""
    # Monthly active users and weekly logins (api/instance.py) count token use; one write an hour is enough.
    last_used: datetime | None = stored if isinstance(stored, datetime) else _LAST_USED.to_python_value(stored)
    now = utcnow()
    if last_used is None or now - last_used > USE_RECORDED_EVERY:
        caller.token.last_used_at = now
        await AccessToken.filter(id=caller.token.id).update(last_used_at=now)
        return now
    return stored


@functools.cache
def _token_sql() -> str:
    # Every authenticated request pays for this, so it is one query with joins, in fixed SQL text.
    return (
        f"SELECT {columns(AccessToken, 't', 't_')}, {columns(Account, 'a', 'a_')},"
        f" {columns(User, 'u', 'u_')}, {columns(Application, 'p', 'p_')} {_live_token()}"
    )


@functools.cache
def _live_token() -> str:
    """FROM … WHERE of both token queries: the token (`?`) if not revoked, its account, user and app."""
    return (
        f"FROM {table(AccessToken)} t"
        f" LEFT JOIN {table(Account)} a ON a.id = t.account_id"
        f" LEFT JOIN {table(User)} u ON u.account_id = t.account_id"
        f" LEFT JOIN {table(Application)} p ON p.id = t.application_id"
        " WHERE t.token = ? AND t.revoked_at IS NULL LIMIT 1"
    )


@functools.cache
def _check_sql() -> str:
    # What a kept row is checked against on every request: the token still there and not revoked
    # with the same scopes, its account's render version (bumped by every change of the row,
    # models/migrations/render_versions.py), and every column of its user and application.
    return (
        f"SELECT t.id, t.scopes, a.render_version, {columns(User, 'u', 'u_')}, {columns(Application, 'p', 'p_')}"
        f" {_live_token()}"
    )


@dataclass(slots=True)
class _Kept:
    """A token's row as last read, what it was checked against, and its account as built from it."""

    check: tuple[Any, ...]
    row: Sequence[Any]
    account: Account | None
    last_used_at: Any  # as stored, and as this process last wrote it


# Token → its row, per process. Every request still asks the database (a third of the full
# row's cost): only a row whose check is unchanged is used, so a revoked or deleted token,
# a suspended account, a changed user or application is seen at once, in every process.
_kept: LRU[str, _Kept] = LRU(512)


async def caller_for_token(token_value: str) -> Caller:
    """The caller a bearer token stands for; 401 for an unknown, revoked or disabled one."""
    checked = await tuples(_check_sql(), [token_value])
    if not checked:
        raise APIError(401, "The access token is invalid")
    check = tuple(checked[0])
    kept = _kept.get(token_value)
    if kept is None or kept.check != check:
        # Read after the check, so that a change in between shows as a different check next time.
        found = await tuples(_token_sql(), [token_value])
        if not found:
            raise APIError(401, "The access token is invalid")
        row = found[0]
        kept = _Kept(check, row, _joined(Account, row), row[_at(AccessToken, "last_used_at")])  # type: ignore[arg-type]
        _kept.put(token_value, kept)
    row, account = kept.row, _own_copy(kept.account)
    if account is not None and (account.suspended or row[_at(User, "id")] is None):
        raise APIError(401, "Your login is currently disabled")
    caller = Caller(row, account, frozenset(row[_at(AccessToken, "scopes")].split()))
    kept.last_used_at = await _note_use(caller, kept.last_used_at)
    return caller


def _own_copy(account: Account | None) -> Account | None:
    """A copy of a kept account for one request, which may change it (its lists and dicts copied too)."""
    if account is None:
        return None
    fresh = Account.__new__(Account)
    values = fresh.__dict__
    values.update(account.__dict__)
    values["_await_when_save"] = {}
    for name in _json_fields():
        if (value := values.get(name)) is not None:
            values[name] = orjson.loads(orjson.dumps(value))
    return fresh


@functools.cache
def _json_fields() -> tuple[str, ...]:
    """The account's fields that hold lists or dicts (JSON), which a handler could change in place."""
    return tuple(name for name, field in Account._meta.fields_map.items() if isinstance(field, JSONField))


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
