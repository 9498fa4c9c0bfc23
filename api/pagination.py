"""Mastodon's pagination: max_id, since_id, min_id, limit, and the Link header.

`min_id` pages forward (strictly newer, the oldest of them first, returned newest first);
`since_id` gives the newest items above it. The Link header's `next` asks for older items
(max_id of the last one), `prev` for newer (min_id of the first one). Lists paged by an
internal id (favourites, bookmarks, follows) pass that id as `cursor` for each item.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse
from tortoise.queryset import QuerySet

from api.errors import APIError


@dataclass(frozen=True)
class Page:
    max_id: int | None
    since_id: int | None
    min_id: int | None
    limit: int


def _id_param(request: Request, name: str) -> int | None:
    value = request.query_params.get(name)
    if value in (None, ""):
        return None
    try:
        return int(value)
    except ValueError:
        # Mastodon ignores ids it cannot parse as a page bound rather than failing.
        return None


def page_params(request: Request, default: int = 20, maximum: int = 40) -> Page:
    raw = request.query_params.get("limit")
    limit = default
    if raw not in (None, ""):
        try:
            limit = int(raw)
        except ValueError as exc:
            raise APIError(400, "limit must be an integer") from exc
    limit = max(1, min(limit, maximum))
    return Page(_id_param(request, "max_id"), _id_param(request, "since_id"), _id_param(request, "min_id"), limit)


def apply(query: QuerySet, page: Page, field: str = "id") -> QuerySet:
    """Filter and order a query for a page; reverse the result with `ordered` when min_id was used."""
    if page.max_id is not None:
        query = query.filter(**{f"{field}__lt": page.max_id})
    if page.since_id is not None:
        query = query.filter(**{f"{field}__gt": page.since_id})
    if page.min_id is not None:
        return query.filter(**{f"{field}__gt": page.min_id}).order_by(field).limit(page.limit)
    return query.order_by(f"-{field}").limit(page.limit)


def ordered(items: list, page: Page) -> list:
    """Items of a min_id page come oldest first from the database; clients want newest first."""
    return list(reversed(items)) if page.min_id is not None else items


def link_header(request: Request, cursors: Sequence[int]) -> str | None:
    """`cursors` are the page's items' paging ids, newest first."""
    if not cursors:
        return None
    base = str(request.url.replace(query=""))
    kept = [(k, v) for k, v in request.query_params.multi_items() if k not in ("max_id", "min_id", "since_id")]
    next_url = f"{base}?{urlencode(kept + [('max_id', str(cursors[-1]))])}"
    prev_url = f"{base}?{urlencode(kept + [('min_id', str(cursors[0]))])}"
    return f'<{next_url}>; rel="next", <{prev_url}>; rel="prev"'


def paged_response(request: Request, body: list, cursors: Sequence[int]) -> JSONResponse:
    response = JSONResponse(body)
    link = link_header(request, cursors)
    if link:
        response.headers["Link"] = link
    return response
