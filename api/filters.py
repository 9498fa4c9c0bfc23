"""Client API: filters — v2 filters with their keywords and statuses, and the v1 filters older apps use.

A v1 filter is one keyword of a v2 filter (Mastodon's mapping since 4.0): its id is the
keyword's, `phrase` the keyword, `irreversible` the `hide` action. Every change tells the
owner's open streams `filters_changed`, so apps reload them.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from tortoise.transactions import in_transaction

from api.auth import current_account, scoped
from api.errors import not_found, unprocessable
from api.params import flag, request_params, text, truthy
from api.serializers.filters import filter_entity, filter_status_entity, keyword_entity, v1_filter_entity
from core.events import publish
from core.visibility import can_see
from models.accounts import Account
from models.base import utcnow
from models.filters import ACTIONS, CONTEXTS, Filter, FilterKeyword, FilterStatus
from models.statuses import Status

_LEADING_INT = re.compile(r"\s*([+-]?\d+)")
TITLE_MAX = 256
KEYWORD_MAX = 512


async def _changed(account: Account) -> None:
    await publish("filters_changed", 0, [account.id])


def _expires_at(raw: Any):
    """Mastodon's Expireable#expires_in=: blank clears the expiry, otherwise `to_i` seconds from now."""
    if raw is None or str(raw).strip() == "":
        return None
    match = _LEADING_INT.match(str(raw))
    return utcnow() + timedelta(seconds=int(match.group(1)) if match else 0)


def _context(raw: Any) -> list[str]:
    values = raw if isinstance(raw, list) else ([] if raw in (None, "") else [raw])
    return [str(v) for v in values]


def _assign_filter(filter: Filter, params: dict[str, Any], creating: bool) -> list[str]:
    """Set the filter's own attributes from v2 parameters; the validation errors, as Rails words them."""
    if "title" in params or creating:
        filter.title = (text(params, "title") or "").strip()
    if "context" in params or creating:
        filter.context = _context(params.get("context"))
    action = text(params, "filter_action")
    if action not in (None, ""):
        filter.action = action
    if "expires_in" in params:
        filter.expires_at = _expires_at(params.get("expires_in"))
    return _filter_errors(filter)


def _filter_errors(filter: Filter) -> list[str]:
    errors = []
    if not filter.title:
        errors.append("Title can't be blank")
    elif len(filter.title) > TITLE_MAX:
        errors.append(f"Title is too long (maximum is {TITLE_MAX} characters)")
    if not filter.context:
        errors.append("Context can't be blank")
    if not filter.context or any(c not in CONTEXTS for c in filter.context):
        errors.append("Context None or invalid context supplied")
    if filter.action not in ACTIONS:
        errors.append("Filter action is not included in the list")
    return errors


def _keyword_errors(keyword: str, prefix: str = "") -> list[str]:
    name = f"{prefix}keyword" if prefix else "Keyword"
    if not keyword.strip():
        return [f"{name} can't be blank"]
    if len(keyword) > KEYWORD_MAX:
        return [f"{name} is too long (maximum is {KEYWORD_MAX} characters)"]
    return []


def _fail(errors: list[str]) -> None:
    if errors:
        raise unprocessable(", ".join(errors))


def _nested(raw: Any) -> list[dict[str, Any]]:
    """keywords_attributes as a JSON list or Rails' indexed form (`keywords_attributes[0][keyword]=...`)."""
    if isinstance(raw, list):
        return [item for item in raw if isinstance(item, dict)]
    if isinstance(raw, dict):
        return [
            raw[k] for k in sorted(raw, key=lambda k: int(k) if str(k).isdigit() else 0) if isinstance(raw[k], dict)
        ]
    return []


async def filter_or_404(owner: Account, raw_id: Any) -> Filter:
    found = await Filter.get_or_none(id=int(raw_id), account_id=owner.id)
    if found is None:
        raise not_found()
    return found


async def _full_entity(filter: Filter) -> dict[str, Any]:
    keywords = await FilterKeyword.filter(custom_filter_id=filter.id).order_by("id")
    statuses = await FilterStatus.filter(custom_filter_id=filter.id).order_by("id")
    return filter_entity(filter, keywords, statuses)


# ---- v2 filters ----------------------------------------------------------------------------


@scoped("read:filters")
async def index(request: Request) -> Response:
    me = current_account(request)
    filters = await Filter.filter(account_id=me.id).order_by("id")
    ids = [f.id for f in filters]
    keywords = await FilterKeyword.filter(custom_filter_id__in=ids).order_by("id") if ids else []
    statuses = await FilterStatus.filter(custom_filter_id__in=ids).order_by("id") if ids else []
    return JSONResponse(
        [
            filter_entity(
                f,
                [k for k in keywords if k.custom_filter_id == f.id],
                [s for s in statuses if s.custom_filter_id == f.id],
            )
            for f in filters
        ]
    )


@scoped("read:filters")
async def show(request: Request) -> Response:
    return JSONResponse(await _full_entity(await filter_or_404(current_account(request), request.path_params["id"])))


async def _apply_keywords(filter: Filter, attributes: list[dict[str, Any]], creating: bool) -> None:
    """Rails' accepts_nested_attributes_for: `id` updates (or with `_destroy` removes) a keyword, none adds one."""
    existing = {} if creating else {k.id: k for k in await FilterKeyword.filter(custom_filter_id=filter.id)}
    errors: list[str] = []
    plan: list[tuple[str, FilterKeyword]] = []
    for item in attributes:
        raw_id = item.get("id")
        if raw_id not in (None, ""):
            keyword = existing.get(int(str(raw_id))) if str(raw_id).isdigit() else None
            if keyword is None:
                raise not_found()
            if truthy(item.get("_destroy")):
                plan.append(("delete", keyword))
                continue
        else:
            keyword = FilterKeyword(keyword="", whole_word=True)
        if "keyword" in item or keyword.id is None:
            keyword.keyword = str(item.get("keyword") or "")
        if "whole_word" in item:
            keyword.whole_word = flag(item, "whole_word", True)
        errors += _keyword_errors(keyword.keyword, "Keywords ")
        plan.append(("save", keyword))
    _fail(errors)
    for action, keyword in plan:
        if action == "delete":
            await keyword.delete()
        else:
            keyword.custom_filter_id = filter.id
            await keyword.save()


@scoped("write:filters")
async def create(request: Request) -> Response:
    me = current_account(request)
    params = await request_params(request)
    filter = Filter(account_id=me.id, action="warn")
    errors = _assign_filter(filter, params, creating=True)
    attributes = _nested(params.get("keywords_attributes"))
    errors += [e for item in attributes for e in _keyword_errors(str(item.get("keyword") or ""), "Keywords ")]
    _fail(errors)
    async with in_transaction():
        await filter.save()
        await _apply_keywords(filter, attributes, creating=True)
    await _changed(me)
    return JSONResponse(await _full_entity(filter))


@scoped("write:filters")
async def update(request: Request) -> Response:
    me = current_account(request)
    filter = await filter_or_404(me, request.path_params["id"])
    params = await request_params(request)
    _fail(_assign_filter(filter, params, creating=False))
    async with in_transaction():
        await _apply_keywords(filter, _nested(params.get("keywords_attributes")), creating=False)
        await filter.save()
    await _changed(me)
    return JSONResponse(await _full_entity(filter))


@scoped("write:filters")
async def destroy(request: Request) -> Response:
    me = current_account(request)
    await (await filter_or_404(me, request.path_params["id"])).delete()
    await _changed(me)
    return JSONResponse({})


# ---- v2 keywords ---------------------------------------------------------------------------


async def keyword_or_404(owner: Account, raw_id: Any) -> FilterKeyword:
    keyword = await FilterKeyword.get_or_none(id=int(raw_id), custom_filter__account_id=owner.id).prefetch_related(
        "custom_filter"
    )
    if keyword is None:
        raise not_found()
    return keyword


@scoped("read:filters")
async def keywords(request: Request) -> Response:
    filter = await filter_or_404(current_account(request), request.path_params["id"])
    return JSONResponse(
        [keyword_entity(k) for k in await FilterKeyword.filter(custom_filter_id=filter.id).order_by("id")]
    )


@scoped("write:filters")
async def add_keyword(request: Request) -> Response:
    me = current_account(request)
    filter = await filter_or_404(me, request.path_params["id"])
    params = await request_params(request)
    keyword = FilterKeyword(custom_filter_id=filter.id, keyword=text(params, "keyword") or "", whole_word=True)
    keyword.whole_word = flag(params, "whole_word", True)
    _fail(_keyword_errors(keyword.keyword))
    await keyword.save()
    await _changed(me)
    return JSONResponse(keyword_entity(keyword))


@scoped("read:filters")
async def show_keyword(request: Request) -> Response:
    return JSONResponse(keyword_entity(await keyword_or_404(current_account(request), request.path_params["id"])))


@scoped("write:filters")
async def update_keyword(request: Request) -> Response:
    me = current_account(request)
    keyword = await keyword_or_404(me, request.path_params["id"])
    params = await request_params(request)
    if "keyword" in params:
        keyword.keyword = text(params, "keyword") or ""
    keyword.whole_word = flag(params, "whole_word", keyword.whole_word)
    _fail(_keyword_errors(keyword.keyword))
    await keyword.save()
    await _changed(me)
    return JSONResponse(keyword_entity(keyword))


@scoped("write:filters")
async def destroy_keyword(request: Request) -> Response:
    me = current_account(request)
    await (await keyword_or_404(me, request.path_params["id"])).delete()
    await _changed(me)
    return JSONResponse({})


# ---- v2 statuses ---------------------------------------------------------------------------


async def filter_status_or_404(owner: Account, raw_id: Any) -> FilterStatus:
    row = await FilterStatus.get_or_none(id=int(raw_id), custom_filter__account_id=owner.id)
    if row is None:
        raise not_found()
    return row


@scoped("read:filters")
async def statuses(request: Request) -> Response:
    filter = await filter_or_404(current_account(request), request.path_params["id"])
    rows = await FilterStatus.filter(custom_filter_id=filter.id).order_by("id")
    return JSONResponse([filter_status_entity(r) for r in rows])


@scoped("write:filters")
async def add_status(request: Request) -> Response:
    me = current_account(request)
    filter = await filter_or_404(me, request.path_params["id"])
    raw = text(await request_params(request), "status_id") or ""
    status = await Status.get_or_none(id=int(raw)) if raw.strip().isdigit() else None
    if status is None:
        raise unprocessable("Status must exist")
    # CustomFilterStatus#validate_status_access: only statuses the owner may see.
    if not await can_see(status, me):
        raise unprocessable("Status is invalid")
    if await FilterStatus.exists(custom_filter_id=filter.id, status_id=status.id):
        raise unprocessable("Status has already been taken")
    row = await FilterStatus.create(custom_filter_id=filter.id, status_id=status.id)
    await _changed(me)
    return JSONResponse(filter_status_entity(row))


@scoped("read:filters")
async def show_status(request: Request) -> Response:
    return JSONResponse(
        filter_status_entity(await filter_status_or_404(current_account(request), request.path_params["id"]))
    )


@scoped("write:filters")
async def destroy_status(request: Request) -> Response:
    me = current_account(request)
    await (await filter_status_or_404(me, request.path_params["id"])).delete()
    await _changed(me)
    return JSONResponse({})


# ---- v1 filters ----------------------------------------------------------------------------


@scoped("read:filters")
async def v1_index(request: Request) -> Response:
    me = current_account(request)
    rows = await FilterKeyword.filter(custom_filter__account_id=me.id).order_by("id").prefetch_related("custom_filter")
    return JSONResponse([v1_filter_entity(k.custom_filter, k) for k in rows])


@scoped("read:filters")
async def v1_show(request: Request) -> Response:
    keyword = await keyword_or_404(current_account(request), request.path_params["id"])
    return JSONResponse(v1_filter_entity(keyword.custom_filter, keyword))


def _assign_v1(filter: Filter, params: dict[str, Any], creating: bool) -> None:
    if "context" in params or creating:
        filter.context = _context(params.get("context"))
    if "irreversible" in params or creating:
        filter.action = "hide" if flag(params, "irreversible", False) else "warn"
    if "expires_in" in params:
        filter.expires_at = _expires_at(params.get("expires_in"))


@scoped("write:filters")
async def v1_create(request: Request) -> Response:
    me = current_account(request)
    params = await request_params(request)
    phrase = text(params, "phrase") or ""
    filter = Filter(account_id=me.id, title=phrase.strip())
    _assign_v1(filter, params, creating=True)
    _fail(_filter_errors(filter) or _keyword_errors(phrase))
    async with in_transaction():
        await filter.save()
        keyword = await FilterKeyword.create(
            custom_filter_id=filter.id, keyword=phrase, whole_word=flag(params, "whole_word", True)
        )
    await _changed(me)
    return JSONResponse(v1_filter_entity(filter, keyword))


@scoped("write:filters")
async def v1_update(request: Request) -> Response:
    me = current_account(request)
    keyword = await keyword_or_404(me, request.path_params["id"])
    filter: Filter = keyword.custom_filter
    params = await request_params(request)
    before = (list(filter.context), filter.action, filter.expires_at)
    _assign_v1(filter, params, creating=False)
    if (list(filter.context), filter.action, filter.expires_at) != before:
        # As Mastodon: a filter with several keywords is not reshaped through one of them.
        if await FilterKeyword.filter(custom_filter_id=filter.id).count() > 1:
            raise unprocessable(
                "These parameters cannot be changed from this application because they apply to more than one "
                "filter keyword. Use a more recent application or the web interface."
            )
    if "phrase" in params:
        keyword.keyword = text(params, "phrase") or ""
    keyword.whole_word = flag(params, "whole_word", keyword.whole_word)
    _fail(_filter_errors(filter) + _keyword_errors(keyword.keyword))
    async with in_transaction():
        await filter.save()
        await keyword.save()
    await _changed(me)
    return JSONResponse(v1_filter_entity(filter, keyword))


@scoped("write:filters")
async def v1_destroy(request: Request) -> Response:
    me = current_account(request)
    keyword = await keyword_or_404(me, request.path_params["id"])
    await keyword.delete()
    # A v1 filter made its v2 filter; with its last keyword gone, nothing of the filter is left to show.
    custom_filter_id = keyword.custom_filter_id
    if not await FilterKeyword.exists(custom_filter_id=custom_filter_id) and not await FilterStatus.exists(
        custom_filter_id=custom_filter_id
    ):
        await Filter.filter(id=custom_filter_id).delete()
    await _changed(me)
    return JSONResponse({})


routes: list[BaseRoute] = [
    Route("/api/v2/filters", index, methods=["GET"]),
    Route("/api/v2/filters", create, methods=["POST"]),
    Route("/api/v2/filters/keywords/{id:int}", show_keyword, methods=["GET"]),
    Route("/api/v2/filters/keywords/{id:int}", update_keyword, methods=["PUT", "PATCH"]),
    Route("/api/v2/filters/keywords/{id:int}", destroy_keyword, methods=["DELETE"]),
    Route("/api/v2/filters/statuses/{id:int}", show_status, methods=["GET"]),
    Route("/api/v2/filters/statuses/{id:int}", destroy_status, methods=["DELETE"]),
    Route("/api/v2/filters/{id:int}", show, methods=["GET"]),
    Route("/api/v2/filters/{id:int}", update, methods=["PUT", "PATCH"]),
    Route("/api/v2/filters/{id:int}", destroy, methods=["DELETE"]),
    Route("/api/v2/filters/{id:int}/keywords", keywords, methods=["GET"]),
    Route("/api/v2/filters/{id:int}/keywords", add_keyword, methods=["POST"]),
    Route("/api/v2/filters/{id:int}/statuses", statuses, methods=["GET"]),
    Route("/api/v2/filters/{id:int}/statuses", add_status, methods=["POST"]),
    Route("/api/v1/filters", v1_index, methods=["GET"]),
    Route("/api/v1/filters", v1_create, methods=["POST"]),
    Route("/api/v1/filters/{id:int}", v1_show, methods=["GET"]),
    Route("/api/v1/filters/{id:int}", v1_update, methods=["PUT", "PATCH"]),
    Route("/api/v1/filters/{id:int}", v1_destroy, methods=["DELETE"]),
]
