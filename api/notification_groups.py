"""Client API: grouped notifications (Mastodon 4.3's /api/v2/notifications).

A page holds up to `limit` groups: the notifications in the page's bounds are walked newest
first (oldest first with `min_id`), and each group is represented by the first of its
notifications met. Favourites and boosts of one status, and follows, share a group
(core/notification_groups.py) when the client lets them (`grouped_types`); every other
notification is a group of one, `ungrouped-{id}`. A group's count and sample accounts take
in all of its notifications up to the newest on the page, older ones too, so a group that
reaches past the page's end shows again on the next page, as Mastodon's does; clients merge
groups by their key.

Accounts and statuses come once each at the top level, the groups naming them by id. With
`expand_accounts=partial_avatars` only each group's newest account is rendered in full;
the other sample accounts come as `partial_accounts` (id, acct, url, avatars, locked, bot).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from tortoise.queryset import QuerySet

from api.auth import current_account, scoped
from api.errors import not_found
from api.markers import notifications_read_up_to
from api.notifications import filtered, visible_notifications
from api.pagination import Page, apply, page_params, paged_response, parse_limit
from api.params import query_list
from api.serializers.accounts import account_entity
from api.serializers.common import iso_ms
from api.serializers.filters import hidden_in
from api.serializers.notifications import WITH_STATUS
from api.serializers.reports import reports_of_notifications
from api.serializers.status_cache import status_entities
from core.notification_groups import GROUPABLE, UNGROUPED
from models.accounts import Account
from models.interactions import Notification

DEFAULT_LIMIT, MAX_LIMIT = 40, 80
UNREAD_DEFAULT, UNREAD_MAX = 100, 1000
SAMPLE_ACCOUNTS = 8  # Mastodon's NotificationGroup::SAMPLE_ACCOUNTS_SIZE
# Notifications read per query while collecting a page's groups, and at most for one page: a
# page of big groups (a post liked by thousands) stops there rather than reading them all.
SCAN_CHUNK = 200
SCAN_MAX = 5000
PARTIAL_FIELDS = ("id", "acct", "url", "avatar", "avatar_static", "locked", "bot")


@dataclass
class Group:
    key: str
    first: Notification  # the notification the group was met by on this page
    count: int = 1
    most_recent_id: int = 0
    most_recent_at: datetime | None = None
    sample_ids: list[int] = field(default_factory=list)
    page_min_id: int | None = None


def grouped_types(request: Request) -> frozenset[str]:
    """The kinds the client lets be grouped: all groupable ones unless it names some."""
    named = query_list(request, "grouped_types")
    return GROUPABLE & frozenset(named) if named else GROUPABLE


def key_in(notification: Notification, grouped: frozenset[str]) -> str:
    """The notification's group on this request: its own, unless its kind is not to be grouped here."""
    if notification.type in grouped and notification.group_key:
        return notification.group_key
    return f"{UNGROUPED}{notification.id}"


async def first_of_groups(query: QuerySet, page: Page, grouped: frozenset[str]) -> list[Notification]:
    """The first notification met of each of up to `page.limit` groups, newest first."""
    if page.limit <= 0:
        return []
    ascending = page.min_id is not None
    met: dict[str, Notification] = {}
    chunk = replace(page, limit=SCAN_CHUNK)
    scanned = 0
    while len(met) < page.limit and scanned < SCAN_MAX:
        found = list(await apply(query, chunk))  # pagination.apply: bounds, order, and min_id over since_id
        for notification in found:
            met.setdefault(key_in(notification, grouped), notification)
            if len(met) == page.limit:
                break
        if len(found) < SCAN_CHUNK:
            break
        # The next chunk starts past the last notification read.
        chunk = replace(chunk, min_id=found[-1].id) if ascending else replace(chunk, max_id=found[-1].id)
        scanned += len(found)
    firsts = list(met.values())
    return firsts[::-1] if ascending else firsts


async def groups_of(
    me: Account, firsts: list[Notification], grouped: frozenset[str], bounds: tuple[int | None, int | None] | None
) -> list[Group]:
    """The groups the notifications `firsts` stand for, with their counts and samples.

    `bounds` (lowest, highest id; None for open) is the page's range: a group counts its
    notifications up to the highest, and its page_min_id is its oldest from the lowest on.
    None: a group on its own, counted whole, without the page fields.
    """
    groups = [Group(key_in(n, grouped), n) for n in firsts]
    shared = {g.key: g for g in groups if not g.key.startswith(UNGROUPED)}
    low, high = bounds if bounds is not None else (None, None)
    if shared:
        members = visible_notifications(me).filter(group_key__in=list(shared))
        if high is not None:
            members = members.filter(id__lte=high)
        rows = await members.order_by("-id").values_list("group_key", "id", "from_account_id", "created_at")
        for group in shared.values():
            group.count = 0
        for key, notification_id, sender_id, created_at in rows:
            group = shared[key]
            if group.count == 0:
                group.most_recent_id, group.most_recent_at = notification_id, created_at
            group.count += 1
            if len(group.sample_ids) < SAMPLE_ACCOUNTS and sender_id not in group.sample_ids:
                group.sample_ids.append(sender_id)
            if low is None or notification_id >= low:
                group.page_min_id = notification_id
    for group in groups:
        if group.key not in shared or group.count == 0:  # a group of one (or whose others are gone)
            group.count, group.sample_ids = 1, [group.first.from_account_id]
            group.most_recent_id, group.most_recent_at = group.first.id, group.first.created_at
            group.page_min_id = group.first.id
    return groups


async def results(request: Request, me: Account, groups: list[Group], paginated: bool, partial: bool) -> dict[str, Any]:
    """The GroupedNotificationsResults of these groups: accounts and statuses once each, then the groups."""
    node = request.app.state.node
    base = node.settings.base_url
    status_ids = {g.first.status_id for g in groups if g.first.type in WITH_STATUS and g.first.status_id}
    statuses = await status_entities(request.app.state.rendered_statuses, base, me, status_ids)
    reports = await reports_of_notifications((g.first.id for g in groups if g.first.type == "admin.report"), base)
    senders = {s for g in groups for s in g.sample_ids}
    accounts = {a.id: a for a in await Account.filter(id__in=senders)} if senders else {}

    body_groups, shown_statuses, full, rest = [], {}, {}, {}
    for group in groups:
        kind, status_id = group.first.type, group.first.status_id
        sample = [s for s in group.sample_ids if s in accounts]
        if not sample:
            continue
        entity: dict[str, Any] = {
            "group_key": group.key,
            "notifications_count": group.count,
            "type": kind,
            "most_recent_notification_id": group.most_recent_id,
        }
        if paginated:
            entity["page_min_id"] = str(group.page_min_id or group.most_recent_id)
            entity["page_max_id"] = str(group.most_recent_id)
            entity["latest_page_notification_at"] = iso_ms(group.most_recent_at) if group.most_recent_at else None
        entity["sample_account_ids"] = [str(s) for s in sample]
        if kind in WITH_STATUS:
            status = statuses.get(status_id) if status_id else None
            if status is None or hidden_in(status, "notifications"):
                continue
            entity["status_id"] = str(status_id)
            shown_statuses[status_id] = status
        if kind == "admin.report":
            entity["report"] = reports.get(group.first.id)
        body_groups.append(entity)
        full.setdefault(sample[0], accounts[sample[0]])
        for sender in sample[1:]:
            (rest if partial else full).setdefault(sender, accounts[sender])
    body: dict[str, Any] = {
        "accounts": [account_entity(a, base) for a in full.values()],
        "statuses": list(shown_statuses.values()),
        "notification_groups": body_groups,
    }
    if partial:
        body["partial_accounts"] = [_partial(account_entity(a, base)) for i, a in rest.items() if i not in full]
    return body


def _partial(entity: dict[str, Any]) -> dict[str, Any]:
    return {name: entity[name] for name in PARTIAL_FIELDS} | {"avatar_description": entity.get("avatar_description")}


def _page_bounds(firsts: list[Notification], page: Page) -> tuple[int | None, int | None]:
    """Mastodon's pagination_range: from the page's oldest group to its newest, opened up
    toward the end of the list where the page is not full (nothing more lies that way)."""
    low, high = firsts[-1].id, firsts[0].id
    if len(firsts) < page.limit:
        if page.min_id is not None:
            high = page.max_id - 1 if page.max_id is not None else None
        else:
            low = page.since_id + 1 if page.since_id is not None else None
    return low, high


@scoped("read:notifications")
async def index(request: Request) -> Response:
    me = current_account(request)
    page = page_params(request, default=DEFAULT_LIMIT, maximum=MAX_LIMIT)
    grouped = grouped_types(request)
    firsts = await first_of_groups(filtered(request, visible_notifications(me)), page, grouped)
    groups = await groups_of(me, firsts, grouped, _page_bounds(firsts, page) if firsts else None)
    partial = request.query_params.get("expand_accounts") == "partial_avatars"
    body = await results(request, me, groups, paginated=True, partial=partial)
    return paged_response(request, body, [n.id for n in firsts])


def _by_group_key(query: QuerySet, group_key: str) -> QuerySet:
    """The notifications of `query` in the group `group_key`, as Mastodon's by_group_key finds them."""
    if group_key.startswith(UNGROUPED):
        wanted = group_key.removeprefix(UNGROUPED)
        return query.filter(id=int(wanted)) if wanted.isdigit() else query.filter(id__isnull=True)
    return query.filter(group_key=group_key)


def _members(me: Account, group_key: str) -> QuerySet:
    return _by_group_key(visible_notifications(me), group_key)


@scoped("read:notifications")
async def show(request: Request) -> Response:
    me = current_account(request)
    newest = await _members(me, request.path_params["group_key"]).order_by("-id").first()
    if newest is None:
        raise not_found()
    groups = await groups_of(me, [newest], GROUPABLE, None)
    return JSONResponse(await results(request, me, groups, paginated=False, partial=False))


@scoped("read:notifications")
async def accounts(request: Request) -> Response:
    me = current_account(request)
    senders = (
        await _members(me, request.path_params["group_key"]).order_by("-id").values_list("from_account_id", flat=True)
    )
    if not senders:
        raise not_found()
    found = {a.id: a for a in await Account.filter(id__in=set(senders))}
    base = request.app.state.node.settings.base_url
    return JSONResponse([account_entity(found[s], base) for s in dict.fromkeys(senders) if s in found])


@scoped("write:notifications")
async def dismiss(request: Request) -> Response:
    me = current_account(request)
    await _by_group_key(Notification.filter(account_id=me.id), request.path_params["group_key"]).delete()
    return JSONResponse({})


@scoped("read:notifications")
async def unread_count(request: Request) -> Response:
    """The groups among the notifications after the notifications marker, up to the cap."""
    me = current_account(request)
    limit = parse_limit(request.query_params.get("limit"), UNREAD_DEFAULT, UNREAD_MAX)
    page = Page(max_id=None, since_id=None, min_id=await notifications_read_up_to(me.id), limit=limit)
    firsts = await first_of_groups(filtered(request, visible_notifications(me)), page, grouped_types(request))
    return JSONResponse({"count": len(firsts)})


routes: list[BaseRoute] = [
    Route("/api/v2/notifications", index, methods=["GET"]),
    Route("/api/v2/notifications/unread_count", unread_count, methods=["GET"]),
    Route("/api/v2/notifications/{group_key}", show, methods=["GET"]),
    Route("/api/v2/notifications/{group_key}/accounts", accounts, methods=["GET"]),
    Route("/api/v2/notifications/{group_key}/dismiss", dismiss, methods=["POST"]),
]
