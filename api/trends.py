"""Client API: what is trending here, from this node's own activity (Mastodon 4.3's trends endpoints).

Mastodon scores trends with decaying counters in Redis and a review queue; here the ranking is read
straight from the database: hashtags by how many different people used them in public posts this
week, posts by their favourites and boosts over the last days. There is no link preview data, so
no links trend.
"""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route
from tortoise.expressions import F
from tortoise.functions import Count

from api.auth import scoped, viewer
from api.pagination import parse_limit
from api.serializers.statuses import StatusSerializer
from api.serializers.tags import HISTORY_DAYS, tag_entities
from api.timelines import without_ignored
from models.base import utcnow
from models.statuses import Status, StatusTag, Tag

# Mastodon's trends controllers: 10 tags or links (at most 20), 20 statuses (at most 40) a page.
TAGS_LIMIT, STATUSES_LIMIT, LINKS_LIMIT = 10, 20, 10
STATUS_WINDOW = timedelta(days=2)
OFFSET = re.compile(r"\s*\+?(\d+)")


def _page(request: Request, default: int) -> tuple[int, int]:
    params = request.query_params
    # Rails' to_i: the leading number, else 0 (a negative offset counts as none).
    match = OFFSET.match(params.get("offset") or "")
    return int(match.group(1)) if match else 0, parse_limit(params.get("limit"), default, 2 * default)


def _response(request: Request, body: list, offset: int, limit: int) -> JSONResponse:
    """Offset paging with Mastodon's Link header: `next` after a full page, `prev` once past the first page."""
    response = JSONResponse(body)
    kept = [(k, v) for k, v in request.query_params.multi_items() if k not in ("offset", "access_token")]
    base = request.app.state.node.settings.base_url + request.url.path
    links = []
    if limit and len(body) == limit:
        links.append(f'<{base}?{urlencode(kept + [("offset", str(offset + limit))])}>; rel="next"')
    if offset > limit:
        links.append(f'<{base}?{urlencode(kept + [("offset", str(offset - limit))])}>; rel="prev"')
    if links:
        response.headers["Link"] = ", ".join(links)
    return response


async def trending_tags(offset: int, limit: int) -> list[Tag]:
    """Tags of public posts this week, by the number of different accounts that used them."""
    since = utcnow() - timedelta(days=HISTORY_DAYS)
    rows = (
        await StatusTag.filter(
            status__created_at__gte=since,
            status__visibility="public",
            status__account__suspended=False,
            status__account__discoverable=True,
        )
        .annotate(accounts=Count("status__account_id", distinct=True), uses=Count("id"))
        .group_by("tag_id")
        .order_by("-accounts", "-uses", "tag_id")
        .offset(offset)
        .limit(limit)
        .values_list("tag_id", flat=True)
    )
    by_id = {t.id: t for t in await Tag.filter(id__in=list(rows))}
    return [by_id[i] for i in rows if i in by_id]


@scoped(None, optional=True)
async def tags(request: Request) -> JSONResponse:
    offset, limit = _page(request, TAGS_LIMIT)
    found = await trending_tags(offset, limit) if limit else []
    me = viewer(request)
    body = await tag_entities(found, request.app.state.node.settings.base_url, with_following=me is not None, viewer=me)
    return _response(request, body, offset, limit)


@scoped(None, optional=True)
async def statuses(request: Request) -> JSONResponse:
    """Public posts of the last days by favourites plus boosts; sensitive posts and hidden authors stay out."""
    offset, limit = _page(request, STATUSES_LIMIT)
    me = viewer(request)
    found: list[Status] = []
    if limit:
        query = Status.filter(
            visibility="public",
            reblog_id=None,
            sensitive=False,
            created_at__gte=utcnow() - STATUS_WINDOW,
            account__suspended=False,
            account__discoverable=True,
        ).annotate(score=F("favourites_count") + F("reblogs_count"))
        query = without_ignored(query.filter(score__gt=0), me)
        found = list(await query.order_by("-score", "-id").offset(offset).limit(limit))
    body = await StatusSerializer(request.app.state.node.settings.base_url, me).many(found)
    return _response(request, body, offset, limit)


@scoped(None, optional=True)
async def links(request: Request) -> JSONResponse:
    return JSONResponse([])


routes: list[BaseRoute] = [
    Route("/api/v1/trends", tags, methods=["GET"]),  # the older name of trends/tags, still served
    Route("/api/v1/trends/tags", tags, methods=["GET"]),
    Route("/api/v1/trends/statuses", statuses, methods=["GET"]),
    Route("/api/v1/trends/links", links, methods=["GET"]),
]
