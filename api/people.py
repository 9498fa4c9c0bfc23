"""Client API: the company people search and Mastodon's profile directory over every node.

    GET /api/v1/flurfunk/people?q=&department=&location=&skill=&limit=&offset=
    GET /api/v1/directory?local=&order=active|new&limit=&offset=

Both need a user token with read:accounts. Mastodon serves its directory to anonymous
callers, but a company's people directory (departments, titles, locations, skills of
every node) is for the company's people: as Mastodon does in limited-federation mode,
anonymous calls get 401.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from api.auth import scoped
from api.pagination import parse_limit
from api.params import flag
from api.serializers.accounts import account_entity
from api.serializers.people import person_entity
from models.directory import DirectoryEntry
from people.query import Query
from people.search import directory_page, search_people

PEOPLE_LIMIT = (20, 80)
DIRECTORY_LIMIT = (40, 80)  # Mastodon's DirectoriesController: 40 by default, at most 80


def _offset(request: Request) -> int:
    # Ruby's to_i: a leading number, anything else 0; a negative offset starts at the top.
    match = re.match(r"\s*([+-]?\d+)", request.query_params.get("offset") or "")
    return max(0, int(match.group(1))) if match else 0


def _offset_links(request: Request, offset: int, limit: int, full: bool) -> str | None:
    """A Link header for offset paging: `next` after a full page, `prev` unless on the first."""
    base = request.app.state.node.settings.base_url + request.url.path
    kept = [(k, v) for k, v in request.query_params.multi_items() if k not in ("offset", "access_token")]
    links = []
    if full:
        links.append(f'<{base}?{urlencode([*kept, ("offset", str(offset + limit))])}>; rel="next"')
    if offset > 0:
        links.append(f'<{base}?{urlencode([*kept, ("offset", str(max(0, offset - limit)))])}>; rel="prev"')
    return ", ".join(links) or None


async def _entries(ids: list[int]) -> list[DirectoryEntry]:
    found = {e.id: e for e in await DirectoryEntry.filter(id__in=ids).prefetch_related("account")}
    return [found[i] for i in ids if i in found]


def _paged(request: Request, body: list, offset: int, limit: int) -> JSONResponse:
    response = JSONResponse(body)
    link = _offset_links(request, offset, limit, full=len(body) == limit and limit > 0)
    if link:
        response.headers["Link"] = link
    return response


@scoped("read:accounts")
async def people(request: Request) -> JSONResponse:
    params = request.query_params
    query = Query.parse(
        params.get("q") or "",
        department=params.get("department"),
        location=params.get("location"),
        skill=params.get("skill"),
    )
    limit = parse_limit(params.get("limit"), *PEOPLE_LIMIT)
    offset = _offset(request)
    entries = await _entries(await search_people(query, limit, offset))
    base = request.app.state.node.settings.base_url
    return _paged(request, [person_entity(e, e.account, base) for e in entries], offset, limit)


@scoped("read:accounts")
async def directory(request: Request) -> JSONResponse:
    params = request.query_params
    limit = parse_limit(params.get("limit"), *DIRECTORY_LIMIT)
    offset = _offset(request)
    order = "new" if params.get("order") == "new" else "active"  # Mastodon: anything else is `active`
    ids = await directory_page(flag(dict(params), "local", False), order, limit, offset)
    base = request.app.state.node.settings.base_url
    entries = await _entries(ids)
    return _paged(request, [account_entity(e.account, base) for e in entries], offset, limit)


routes: list[BaseRoute] = [
    Route("/api/v1/flurfunk/people", people, methods=["GET"]),
    Route("/api/v1/directory", directory, methods=["GET"]),
]
