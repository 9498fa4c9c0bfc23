"""Client API: notifications (list, one, dismiss, clear, unread count)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route
from tortoise.expressions import Q, Subquery
from tortoise.queryset import QuerySet

from api.auth import current_account, scoped
from api.errors import not_found
from api.markers import notifications_read_up_to
from api.pagination import apply, ordered, page_params, paged_response, parse_limit
from api.params import query_list
from api.serializers.filters import hidden_in
from api.serializers.notifications import notification_entities
from core.domain_blocks import accounts_on_blocked_domains
from models.accounts import Account
from models.base import utcnow
from models.interactions import Notification
from models.relationships import Block, Mute

# Mastodon 4.1+: 40 by default, at most 80.
DEFAULT_LIMIT = 40
# unread_count is capped: 100 by default, at most 1000 (Mastodon 4.3).
UNREAD_DEFAULT, UNREAD_MAX = 100, 1000


def visible_notifications(me: Account) -> QuerySet:
    """`me`'s notifications, without those from suspended, blocked, or notification-muted accounts,
    or from accounts on domains `me` blocks."""
    muting = Mute.filter(account_id=me.id, hide_notifications=True).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=utcnow())
    )
    return (
        Notification.filter(account_id=me.id, from_account__suspended=False)
        .exclude(from_account_id__in=Subquery(Block.filter(account_id=me.id).values("target_account_id")))
        .exclude(from_account_id__in=Subquery(muting.values("target_account_id")))
        .exclude(from_account_id__in=Subquery(accounts_on_blocked_domains(me.id)))
    )


def filtered(request: Request, query: QuerySet) -> QuerySet:
    """types[], exclude_types[] and account_id, as Notification.browserable reads them."""
    types, excluded = query_list(request, "types"), query_list(request, "exclude_types")
    if types:
        query = query.filter(type__in=types)
    if excluded:
        query = query.exclude(type__in=excluded)
    account_id = request.query_params.get("account_id")
    if account_id:
        # An id that is no number matches no sender rather than being ignored.
        query = query.filter(from_account_id=int(account_id)) if account_id.isdigit() else query.filter(id__isnull=True)
    return query


def _base(request: Request) -> str:
    return request.app.state.node.settings.base_url


@scoped("read:notifications")
async def index(request: Request) -> JSONResponse:
    me = current_account(request)
    page = page_params(request, default=DEFAULT_LIMIT, maximum=2 * DEFAULT_LIMIT)
    notifications = ordered(list(await apply(filtered(request, visible_notifications(me)), page)), page)
    body = [
        entity
        for entity in await notification_entities(
            notifications, _base(request), me, request.app.state.rendered_statuses
        )
        if not (entity.get("status") and hidden_in(entity["status"], "notifications"))
    ]
    # Unlike the favourites list, Mastodon offers `next` on every non-empty notifications page.
    return paged_response(request, body, [n.id for n in notifications])


async def _mine(request: Request, me: Account) -> Notification:
    notification = await visible_notifications(me).get_or_none(id=request.path_params["id"])
    if notification is None:
        raise not_found()
    return notification


@scoped("read:notifications")
async def show(request: Request) -> JSONResponse:
    me = current_account(request)
    notification = await _mine(request, me)
    return JSONResponse((await notification_entities([notification], _base(request), me))[0])


@scoped("write:notifications")
async def dismiss(request: Request) -> JSONResponse:
    me = current_account(request)
    deleted = await Notification.filter(account_id=me.id, id=request.path_params["id"]).delete()
    if not deleted:
        raise not_found()
    return JSONResponse({})


@scoped("write:notifications")
async def clear(request: Request) -> JSONResponse:
    await Notification.filter(account_id=current_account(request).id).delete()
    return JSONResponse({})


@scoped("read:notifications")
async def unread_count(request: Request) -> JSONResponse:
    # Unread is what came after the notifications marker (POST /api/v1/markers), up to the cap.
    me = current_account(request)
    limit = parse_limit(request.query_params.get("limit"), UNREAD_DEFAULT, UNREAD_MAX)
    unread = visible_notifications(me).filter(id__gt=await notifications_read_up_to(me.id))
    ids = await filtered(request, unread).limit(max(limit, 1)).values_list("id", flat=True)
    return JSONResponse({"count": min(len(ids), limit)})


routes: list[BaseRoute] = [
    Route("/api/v1/notifications", index, methods=["GET"]),
    Route("/api/v1/notifications/clear", clear, methods=["POST"]),
    Route("/api/v1/notifications/unread_count", unread_count, methods=["GET"]),
    Route("/api/v1/notifications/{id:int}", show, methods=["GET"]),
    Route("/api/v1/notifications/{id:int}/dismiss", dismiss, methods=["POST"]),
]
