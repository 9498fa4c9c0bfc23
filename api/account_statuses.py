"""Client API: GET /api/v1/accounts/:id/statuses — an account's posts and boosts, as the caller may see them.

Which visibilities show follows Mastodon's AccountStatusesFilter: the author sees everything;
others see public and unlisted posts, followers also followers-only ones, and anyone
mentioned in a post sees it whatever its visibility. For a remote account this is what
this node has received.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from tortoise.expressions import F, Q
from tortoise.queryset import QuerySet

from api.auth import scoped, viewer
from api.errors import not_found
from api.pagination import page_params, paged_response
from api.params import query_flag
from api.statuses import parse_id
from api.timelines import status_page
from core.relations import blocks_either_way, follows
from models.accounts import Account
from models.interactions import Pin
from models.statuses import MediaAttachment, Mention, Status, StatusTag


async def _visible_to(query: QuerySet, author: Account, who: Account | None) -> QuerySet:
    if who is not None and who.id == author.id:
        return query
    shown = ["public", "unlisted"]
    if who is not None and await follows(who.id, author.id):
        shown.append("private")
    condition = Q(visibility__in=shown)
    if who is not None:
        mentioning = Mention.filter(account_id=who.id, status__account_id=author.id).values_list("status_id", flat=True)
        condition |= Q(id__in=list(await mentioning))
    return query.filter(condition)


@scoped("read:statuses", optional=True)
async def account_statuses(request: Request) -> Response:
    author = await Account.get_or_none(id=parse_id(request.path_params["id"]), suspended=False)
    if author is None:
        raise not_found()
    who = viewer(request)
    page = page_params(request)
    if who is not None and who.id != author.id and await blocks_either_way(who.id, author.id):
        return paged_response(request, [], [])

    query = Status.filter(account_id=author.id)
    if query_flag(request, "pinned"):
        query = query.filter(id__in=list(await Pin.filter(account_id=author.id).values_list("status_id", flat=True)))
    if query_flag(request, "exclude_replies"):
        # Mastodon keeps self-replies (threads) when replies are excluded.
        query = query.filter(Q(in_reply_to_uri__isnull=True) | Q(in_reply_to_account_id=F("account_id")))
    if query_flag(request, "exclude_reblogs"):
        query = query.filter(reblog_id__isnull=True)
    if query_flag(request, "only_media"):
        with_media = MediaAttachment.filter(status__account_id=author.id, status_id__isnull=False)
        query = query.filter(id__in=list(await with_media.values_list("status_id", flat=True)))
    tagged = request.query_params.get("tagged", "").strip().lstrip("#").lower()
    if tagged:
        tagged_ids = StatusTag.filter(tag__name=tagged, status__account_id=author.id).values_list(
            "status_id", flat=True
        )
        query = query.filter(id__in=list(await tagged_ids))
    query = await _visible_to(query, author, who)

    # Profiles are read about as often as timelines: the same kept entities serve them.
    return await status_page(request, query, page, who, context=None)


routes: list[BaseRoute] = [
    Route("/api/v1/accounts/{id}/statuses", account_statuses, methods=["GET"]),
]
