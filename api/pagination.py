"""Mastodon's pagination: max_id, since_id, min_id, limit, and the Link header.

`min_id` pages forward (strictly newer, the oldest of them first, returned newest first);
`since_id` gives the newest items above it. The Link header's `next` asks for older items
(max_id of the last one), `prev` for newer (min_id of the first one). Lists paged by an
internal id (favourites, bookmarks, follows) pass that id as `cursor` for each item.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from tortoise.queryset import QuerySet

from api.json_response import JSONResponse

# Parameters that never go into the Link header: the page bounds are replaced, and a token
# passed in the query string must not leak into URLs that clients log or share.
_NOT_CARRIED = ("max_id", "min_id", "since_id", "access_token")
_LEADING_INT = re.compile(r"\s*([+-]?\d+)")


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


def parse_limit(raw: str | None, default: int, maximum: int) -> int:
    """Mastodon's limit_param: `params[:limit].to_i.abs`, capped at the maximum.

    Ruby's String#to_i reads a leading integer and gives 0 for anything else, so
    `limit=abc` (and `limit=0`) asks for an empty page, `limit=-5` for five, `limit=500` for the maximum.
    """
    if raw is None:
        return default
    match = _LEADING_INT.match(raw)
    return min(abs(int(match.group(1))) if match else 0, maximum)


def page_params(request: Request, default: int = 20, maximum: int = 40) -> Page:
    return Page(
        _id_param(request, "max_id"),
        _id_param(request, "since_id"),
        _id_param(request, "min_id"),
        parse_limit(request.query_params.get("limit"), default, maximum),
    )


def apply(query: QuerySet, page: Page, field: str = "id") -> QuerySet:
    """Filter and order a query for a page; reverse the result with `ordered` when min_id was used.

    As Mastodon's to_a_paginated_by_id: with min_id, since_id is not looked at.
    """
    if page.limit <= 0:
        # Tortoise reads limit(0) as "no limit"; a page of nothing is what was asked for.
        return query.filter(**{f"{field}__isnull": True})
    if page.max_id is not None:
        query = query.filter(**{f"{field}__lt": page.max_id})
    if page.min_id is not None:
        return query.filter(**{f"{field}__gt": page.min_id}).order_by(field).limit(page.limit)
    if page.since_id is not None:
        query = query.filter(**{f"{field}__gt": page.since_id})
    return query.order_by(f"-{field}").limit(page.limit)


def _int64(value: int) -> int:
    # Page bounds come from the query string; both databases keep ids in signed 64 bits.
    return max(-(2**63), min(value, 2**63 - 1))


def page_sql(page: Page, column: str) -> tuple[str, list[int]]:
    """`apply` for plain SQL (models/reads.py): ` AND …` conditions, then ORDER BY and LIMIT, and their parameters."""
    if page.limit <= 0:
        return " AND 1 = 0", []
    sql, params = "", []
    if page.max_id is not None:
        sql, params = f" AND {column} < ?", [_int64(page.max_id)]
    if page.min_id is not None:
        return f"{sql} AND {column} > ? ORDER BY {column} LIMIT {int(page.limit)}", [*params, _int64(page.min_id)]
    if page.since_id is not None:
        sql, params = f"{sql} AND {column} > ?", [*params, _int64(page.since_id)]
    return f"{sql} ORDER BY {column} DESC LIMIT {int(page.limit)}", params


def ordered(items: list, page: Page) -> list:
    """Items of a min_id page come oldest first from the database; clients want newest first."""
    return list(reversed(items)) if page.min_id is not None else items


def _base_url(request: Request) -> str:
    # The configured public URL, not the one the request came in on: behind a proxy that is
    # plain http on some internal host, and clients would page against the wrong address.
    node = getattr(request.app.state, "node", None)
    if node is not None:
        # request.url.path, without building and parsing the whole URL for it (4 µs of every page).
        path = request.scope["path"].replace("?", "%3F").replace("#", "%23").replace("\\", "%5C")
        return node.settings.base_url + path
    return str(request.url.replace(query=""))


def link_header(request: Request, cursors: Sequence[int], more: bool = True) -> str | None:
    """`cursors` are the page's items' paging ids, newest first. `more=False` leaves out `next`."""
    if not cursors:
        return None
    base = _base_url(request)
    kept = urlencode([(k, v) for k, v in request.query_params.multi_items() if k not in _NOT_CARRIED])
    query = f"{base}?{kept}&" if kept else f"{base}?"
    links = []
    if more:
        links.append(f'<{query}max_id={int(cursors[-1])}>; rel="next"')
    links.append(f'<{query}min_id={int(cursors[0])}>; rel="prev"')
    return ", ".join(links)


def paged_json(request: Request, body: bytes, cursors: Sequence[int]) -> Response:
    """paged_response for a page already encoded (api/serializers/status_cache.cached_page_json)."""
    link = link_header(request, cursors)
    return Response(body, media_type="application/json", headers={"Link": link} if link else None)


def paged_response(request: Request, body: list | dict, cursors: Sequence[int], more: bool = True) -> JSONResponse:
    """A page with its Link header. Lists whose `next` Mastodon only offers on a full page pass
    `more`; grouped notifications page an object (GroupedNotificationsResults)."""
    response = JSONResponse(body)
    link = link_header(request, cursors, more)
    if link:
        response.headers["Link"] = link
    return response
