"""Client API: the home, public, hashtag and list timelines, and the favourites and bookmarks lists.

Every list is one query for the page of statuses, then StatusSerializer for the whole page.
Statuses caught by one of the viewer's `hide` filters for the timeline's context are left
out of the page; the Link header still pages over them, so no page repeats or skips.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from tortoise.expressions import F, Q, Subquery
from tortoise.models import Model
from tortoise.queryset import QuerySet

from api.auth import current_account, scoped, viewer
from api.lists import list_or_404
from api.pagination import Page, apply, ordered, page_params, page_sql, paged_json, paged_response
from api.params import query_flag, query_list
from api.serializers.filters import hidden_in
from api.serializers.status_cache import cached_page_json, home_keys, keys_of
from api.serializers.statuses import StatusSerializer
from core.domain_blocks import accounts_on_blocked_domains
from core.feeds import list_statuses
from models.accounts import Account
from models.interactions import Bookmark, Favourite, HomeFeedEntry
from models.reads import instances, table
from models.relationships import Block, Mute
from models.statuses import MediaAttachment, Status, StatusTag


def normalize_tag(name: str) -> str:
    return name.strip().lstrip("#").lower()


def without_ignored(query: QuerySet, me: Account | None, field: str = "account_id") -> QuerySet:
    """Leave out what comes from accounts `me` blocks or mutes, or who block `me`, or on domains
    `me` blocks (Mastodon's account and domain filters)."""
    if me is None:
        return query
    return (
        query.exclude(**{f"{field}__in": Subquery(Block.filter(account_id=me.id).values("target_account_id"))})
        .exclude(**{f"{field}__in": Subquery(Block.filter(target_account_id=me.id).values("account_id"))})
        .exclude(**{f"{field}__in": Subquery(Mute.filter(account_id=me.id).values("target_account_id"))})
        .exclude(**{f"{field}__in": Subquery(accounts_on_blocked_domains(me.id))})
    )


async def statuses_in_order(ids: Sequence[int]) -> list[Status]:
    found = {s.id: s for s in await Status.filter(id__in=list(ids))} if ids else {}
    return [found[i] for i in ids if i in found]


def unhidden(body: list[dict], context: str) -> list[dict]:
    return [entity for entity in body if not hidden_in(entity, context)]


async def status_page(
    request: Request, query: QuerySet, page: Page, me: Account | None, context: str | None = "public"
) -> Response:
    """A page of a Status query, paged by status id, with the Link header timelines always carry when non-empty.

    The page's ids come from the query; their entities, where unchanged, from the rendered ones
    kept (api/serializers/status_cache.py); a viewer with filters gets the full rendering, less
    what their `hide` filters hide in `context` (None: nothing is left out).
    """
    ids = ordered(list(await apply(query, page).values_list("id", flat=True)), page)
    base = request.app.state.node.settings.base_url
    if not ids:
        return paged_response(request, [], ids)
    encoded = await cached_page_json(request.app.state.rendered_statuses, base, me, keys_of(ids))
    if encoded is not None:
        return paged_json(request, encoded[0], ids)
    body = await StatusSerializer(base, me).many(await statuses_in_order(ids))
    return paged_response(request, unhidden(body, context) if context is not None else body, ids)


@scoped("read:statuses")
async def home(request: Request) -> JSONResponse:
    me = current_account(request)
    base = request.app.state.node.settings.base_url
    # Fan-out on write filled the feed; reading it is one range scan over (account_id, status_id),
    # in fixed SQL text (models/reads.py): this is the page every client polls.
    page = page_params(request)
    bounds, params = page_sql(page, "h.status_id")
    encoded = await cached_page_json(request.app.state.rendered_statuses, base, me, home_keys(bounds, [me.id, *params]))
    if encoded is not None:
        return paged_json(request, *encoded)
    # The viewer has filters, which are matched against the statuses themselves: the full path.
    bounds, params = page_sql(page, "status_id")
    in_feed = f"SELECT status_id FROM {table(HomeFeedEntry)} WHERE account_id = ?{bounds}"
    statuses = await instances(Status, f"SELECT * FROM {table(Status)} WHERE id IN ({in_feed})", [me.id, *params])
    statuses.sort(key=lambda s: s.id, reverse=True)
    body = unhidden(await StatusSerializer(base, me).many(statuses), "home")
    return paged_response(request, body, [s.id for s in statuses])


@scoped("read:lists")
async def list_timeline(request: Request) -> JSONResponse:
    me = current_account(request)
    lst = await list_or_404(me, request.path_params["list_id"])
    # A list is a slice of home, so home is the context its filters apply in (as Mastodon).
    return await status_page(request, list_statuses(lst), page_params(request), me, context="home")


def public_statuses(request: Request, me: Account | None) -> QuerySet:
    """What both the public and the hashtag timelines start from: public posts of accounts in good standing."""
    query = Status.filter(visibility="public", reblog_id=None, account__suspended=False)
    local, remote = query_flag(request, "local"), query_flag(request, "remote")
    if local and not remote:
        query = query.filter(local=True)
    elif remote and not local:
        query = query.filter(local=False)
    if query_flag(request, "only_media"):
        query = query.filter(id__in=Subquery(MediaAttachment.filter(status_id__not_isnull=True).values("status_id")))
    return without_ignored(query, me)


@scoped("read:statuses", optional=True)
async def public(request: Request) -> JSONResponse:
    me = viewer(request)
    # Mastodon's PublicFeed leaves out replies to other people; a thread's own continuation stays.
    query = public_statuses(request, me).filter(
        Q(in_reply_to_uri__isnull=True) | Q(in_reply_to_account_id=F("account_id"))
    )
    return await status_page(request, query, page_params(request), me)


def _tagged(names: Sequence[str]) -> Subquery:
    return Subquery(StatusTag.filter(tag__name__in=list(names)).values("status_id"))


@scoped("read:statuses", optional=True)
async def tag(request: Request) -> JSONResponse:
    me = viewer(request)
    name = normalize_tag(request.path_params["hashtag"])
    any_of = [name, *(normalize_tag(n) for n in query_list(request, "any"))]
    query = public_statuses(request, me).filter(id__in=_tagged(any_of))
    for other in query_list(request, "all"):
        query = query.filter(id__in=_tagged([normalize_tag(other)]))
    none_of = [normalize_tag(n) for n in query_list(request, "none")]
    if none_of:
        query = query.exclude(id__in=_tagged(none_of))
    return await status_page(request, query, page_params(request), me)


async def _marked_statuses(request: Request, model: type[Model]) -> JSONResponse:
    """Favourites and bookmarks: paged by the row's own id, as Mastodon does, so the Link header carries those."""
    me = current_account(request)
    page = page_params(request)
    rows = ordered(list(await apply(model.filter(account_id=me.id), page).values_list("id", "status_id")), page)
    statuses = {s.id: s for s in await statuses_in_order([status_id for _, status_id in rows])}
    kept = [(row_id, statuses[status_id]) for row_id, status_id in rows if status_id in statuses]
    body = await StatusSerializer(request.app.state.node.settings.base_url, me).many([s for _, s in kept])
    # Mastodon offers `next` here only after a full page (records_continue?).
    return paged_response(request, body, [row_id for row_id, _ in kept], more=len(rows) == page.limit)


@scoped("read:favourites")
async def favourites(request: Request) -> JSONResponse:
    return await _marked_statuses(request, Favourite)


@scoped("read:bookmarks")
async def bookmarks(request: Request) -> JSONResponse:
    return await _marked_statuses(request, Bookmark)


routes: list[BaseRoute] = [
    Route("/api/v1/timelines/home", home, methods=["GET"]),
    Route("/api/v1/timelines/public", public, methods=["GET"]),
    Route("/api/v1/timelines/tag/{hashtag}", tag, methods=["GET"]),
    Route("/api/v1/timelines/list/{list_id}", list_timeline, methods=["GET"]),
    Route("/api/v1/favourites", favourites, methods=["GET"]),
    Route("/api/v1/bookmarks", bookmarks, methods=["GET"]),
]
