"""Client API: posting, reading, editing and deleting statuses, their history, source and thread.

Favourites, boosts, bookmarks, pins and conversation mutes are in api/status_actions.py,
an account's statuses in api/account_statuses.py.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route
from tortoise.exceptions import IntegrityError

from api import scheduled_statuses
from api.auth import Caller, current_account, scoped, viewer
from api.errors import APIError, not_found
from api.serializers.status_history import status_edits, status_source
from api.serializers.statuses import StatusSerializer
from api.status_params import (
    Params,
    attachable_media,
    check_text,
    check_visibility,
    language_of,
    media_ids,
    poll_spec,
)
from core.visibility import can_see, visible
from models.accounts import Account, User
from models.base import utcnow
from models.reads import instances, table
from models.statuses import IdempotencyKey, MediaAttachment, Status, StatusEdit
from outbox import statuses as outbox

# Mastodon keeps an Idempotency-Key for an hour (PostStatusService, redis setex 3600).
IDEMPOTENCY_WINDOW = timedelta(hours=1)
# Mastodon's ContextsController limits: the whole thread for a logged-in viewer, less for anonymous ones.
ANCESTORS_LIMIT = 40
DESCENDANTS_LIMIT = 4096
ANONYMOUS_DESCENDANTS_LIMIT = 60
ANONYMOUS_DESCENDANTS_DEPTH = 20
MANY_LIMIT = 20
REPLY_NOT_FOUND = "The post you are trying to reply to does not appear to exist."


def parse_id(value: str | None) -> int:
    """A status or account id from the path; anything that is not one is simply not found."""
    try:
        return int(value or "")
    except ValueError as exc:
        raise not_found() from exc


async def visible_status(request: Request, status_id: int | None = None) -> Status:
    """The status named in the path, if the caller may see it; 404 otherwise (Mastodon hides, never forbids)."""
    status_id = parse_id(request.path_params["id"]) if status_id is None else status_id
    status = await Status.get_or_none(id=status_id)
    if status is None or not await can_see(status, viewer(request)):
        raise not_found()
    return status


async def own_status(request: Request) -> Status:
    status = await Status.get_or_none(id=parse_id(request.path_params["id"]), account_id=current_account(request).id)
    if status is None:
        raise not_found()
    return status


async def status_json(request: Request, status: Status, source: bool = False) -> dict[str, Any]:
    entity = await StatusSerializer(request.app.state.node.settings.base_url, viewer(request)).one(status)
    if source:
        entity["text"] = status.text
    return entity


async def _user(request: Request) -> User:
    caller: Caller = request.state.caller
    return caller.user or await User.get(account_id=current_account(request).id)


async def _reply_target(value: str | None, account: Account) -> Status | None:
    if not value:
        return None
    try:
        parent = await Status.get_or_none(id=int(value))
    except ValueError:
        parent = None
    # A boost cannot be replied to; Mastodon answers as for a post it cannot find.
    if parent is None or parent.reblog_id or not await can_see(parent, account):
        raise APIError(404, REPLY_NOT_FOUND)
    return parent


async def _earlier_post(account: Account, key: str | None) -> Status | None:
    if not key:
        return None
    row = await IdempotencyKey.get_or_none(
        account_id=account.id, key=key, created_at__gte=utcnow() - IDEMPOTENCY_WINDOW
    ).prefetch_related("status")
    return row.status if row else None


async def _remember_key(account: Account, key: str, status: Status) -> None:
    await IdempotencyKey.filter(account_id=account.id, key=key).delete()
    try:
        await IdempotencyKey.create(account_id=account.id, key=key, status=status)
    except IntegrityError:
        pass  # a concurrent request with the same key stored its own; both posts exist, as in Mastodon


@scoped("write:statuses")
async def create_status(request: Request) -> JSONResponse:
    account = current_account(request)
    node = request.app.state.node
    key = request.headers.get("idempotency-key", "").strip()[:190] or None
    earlier = await _earlier_post(account, key)
    if earlier is not None:
        return JSONResponse(await status_json(request, earlier))

    params = await Params.read(request)
    user = await _user(request)
    text = params.text("status") or ""
    spoiler_text = params.text("spoiler_text") or ""
    if not text.strip() and spoiler_text.strip():
        # Mastodon (PostStatusService#preprocess_attributes!): a post with only a content warning says it as text.
        text, spoiler_text = spoiler_text, ""
    visibility = check_visibility(params.text("visibility") or user.default_visibility)
    in_reply_to = await _reply_target(params.text("in_reply_to_id"), account)
    media = await attachable_media(account, media_ids(params.many("media_ids")))
    poll = poll_spec(params, bool(media))
    check_text(text, spoiler_text, bool(media), node.settings.max_toot_chars)

    raw_time = params.text("scheduled_at")
    moment = scheduled_statuses.parse_time(raw_time) if raw_time else None
    if moment is not None and not scheduled_statuses.is_due_now(moment):
        # Mastodon answers with a ScheduledStatus instead; the worker posts it at that time.
        scheduled = await scheduled_statuses.schedule(
            request,
            account,
            moment,
            text=text,
            spoiler_text=spoiler_text,
            sensitive=params.flag("sensitive", user.default_sensitive),
            visibility=visibility,
            language=language_of(params.text("language"), user.default_language),
            in_reply_to=in_reply_to,
            media=media,
            poll=poll,
        )
        return JSONResponse(scheduled)

    caller: Caller = request.state.caller
    status = await outbox.create_status(
        node,
        account,
        text,
        visibility=visibility,
        spoiler_text=spoiler_text,
        sensitive=params.flag("sensitive", user.default_sensitive),
        language=language_of(params.text("language"), user.default_language),
        in_reply_to=in_reply_to,
        media=media,
        application_name=caller.application.name if caller.application else None,
        poll=poll,
    )
    if key:
        await _remember_key(account, key, status)
    return JSONResponse(await status_json(request, status))


@scoped("read:statuses", optional=True)
async def show_status(request: Request) -> JSONResponse:
    return JSONResponse(await status_json(request, await visible_status(request)))


@scoped("read:statuses", optional=True)
async def show_statuses(request: Request) -> JSONResponse:
    """GET /api/v1/statuses?id[]=...: those that exist and may be seen, in the order asked, others left out."""
    ids: list[int] = []
    for value in (await Params.read(request)).many("id")[:MANY_LIMIT]:
        try:
            ids.append(int(value))
        except ValueError:
            continue
    found = {s.id: s for s in await Status.filter(id__in=ids)}
    who = viewer(request)
    shown = await visible([found[i] for i in dict.fromkeys(ids) if i in found], who)
    return JSONResponse(await StatusSerializer(request.app.state.node.settings.base_url, who).many(shown))


@scoped("write:statuses")
async def delete_status(request: Request) -> JSONResponse:
    """Mastodon answers with the deleted status and its source text, so clients can offer "delete & redraft"."""
    status = await own_status(request)
    entity = await status_json(request, status, source=True)
    delete_media = (await Params.read(request)).flag("delete_media")
    media = list(await MediaAttachment.filter(status_id=status.id)) if delete_media else []
    await outbox.delete_status(request.app.state.node, status)
    if media:
        await _remove_media(request.app.state.node.settings.media_dir, media)
    return JSONResponse(entity)


async def _remove_media(media_dir: Path, media: list[MediaAttachment]) -> None:
    await MediaAttachment.filter(id__in=[m.id for m in media]).delete()
    for item in media:
        for name in (item.file, item.preview_file):
            if name:
                (media_dir / name).unlink(missing_ok=True)


@scoped("write:statuses")
async def edit_status(request: Request) -> JSONResponse:
    status = await own_status(request)
    if status.reblog_id:
        raise not_found()
    account = current_account(request)
    node = request.app.state.node
    params = await Params.read(request)
    text = params.text("status") if params.has("status") else status.text
    spoiler_text = params.text("spoiler_text") if params.has("spoiler_text") else status.spoiler_text
    media: list[MediaAttachment] | None = None
    if params.has("media_ids"):
        media = await attachable_media(account, media_ids(params.many("media_ids")), status_id=status.id)
        has_media = bool(media)
    else:
        has_media = await MediaAttachment.exists(status_id=status.id)
    check_text(text or "", spoiler_text or "", has_media, node.settings.max_toot_chars)
    await outbox.edit_status(
        node,
        status,
        text or "",
        spoiler_text or "",
        params.flag("sensitive", status.sensitive) if params.has("sensitive") else status.sensitive,
        language_of(params.text("language"), status.language),
        media,
    )
    return JSONResponse(await status_json(request, status))


@scoped("read:statuses", optional=True)
async def status_history(request: Request) -> JSONResponse:
    status = await visible_status(request)
    edits = list(await StatusEdit.filter(status_id=status.id).order_by("created_at", "id"))
    media = list(await MediaAttachment.filter(status_id=status.id).order_by("id"))
    base = request.app.state.node.settings.base_url
    return JSONResponse(status_edits(status, await status.account, edits, media, base))


@scoped("read:statuses")
async def status_source_view(request: Request) -> JSONResponse:
    return JSONResponse(status_source(await own_status(request)))


async def _ancestors(status: Status, who: Account | None) -> list[Status]:
    """The statuses it replies to, up the thread to the first post (at most ANCESTORS_LIMIT), oldest first.

    One recursive query walks the chain (a query per ancestor before); a loop in the chain
    ends it at the first status seen again.
    """
    found = await instances(Status, _ANCESTORS_SQL, [status.id, ANCESTORS_LIMIT])
    chain: list[Status] = []
    seen = {status.id}
    for parent in found:  # nearest first
        if parent.id in seen:
            break
        seen.add(parent.id)
        chain.append(parent)
    chain.reverse()
    return await visible(chain, who)


_ANCESTORS_SQL = (
    "WITH RECURSIVE chain(id, parent, depth) AS ("
    f" SELECT id, in_reply_to_id, 0 FROM {table(Status)} WHERE id = ?"
    f" UNION ALL SELECT s.id, s.in_reply_to_id, c.depth + 1 FROM {table(Status)} s"
    " JOIN chain c ON s.id = c.parent WHERE c.depth < ?)"
    f" SELECT s.* FROM chain c JOIN {table(Status)} s ON s.id = c.id WHERE c.depth > 0 ORDER BY c.depth"
)


async def _descendants(status: Status, who: Account | None) -> list[Status]:
    """Replies, replies to them and so on, depth first in order of posting (as Mastodon lists a thread)."""
    limit = DESCENDANTS_LIMIT if who else ANONYMOUS_DESCENDANTS_LIMIT
    max_depth = DESCENDANTS_LIMIT if who else ANONYMOUS_DESCENDANTS_DEPTH
    children: dict[int, list[Status]] = {}
    frontier, depth, total = [status.id], 0, 0
    while frontier and depth < max_depth and total < limit:
        replies = await Status.filter(in_reply_to_id__in=frontier).order_by("id").limit(limit - total)
        for reply in replies:
            children.setdefault(reply.in_reply_to_id, []).append(reply)
        total += len(replies)
        frontier = [r.id for r in replies if r.id not in children]
        depth += 1
    ordered: list[Status] = []
    stack = list(reversed(children.get(status.id, [])))
    while stack:
        current = stack.pop()
        ordered.append(current)
        stack.extend(reversed(children.get(current.id, [])))
    return await visible(ordered, who)


@scoped("read:statuses", optional=True)
async def status_context(request: Request) -> JSONResponse:
    status = await visible_status(request)
    who = viewer(request)
    serializer = StatusSerializer(request.app.state.node.settings.base_url, who)
    return JSONResponse(
        {
            "ancestors": await serializer.many(await _ancestors(status, who)),
            "descendants": await serializer.many(await _descendants(status, who)),
        }
    )


routes: list[BaseRoute] = [
    Route("/api/v1/statuses", create_status, methods=["POST"]),
    Route("/api/v1/statuses", show_statuses, methods=["GET"]),
    Route("/api/v1/statuses/{id}", show_status, methods=["GET"]),
    Route("/api/v1/statuses/{id}", delete_status, methods=["DELETE"]),
    Route("/api/v1/statuses/{id}", edit_status, methods=["PUT"]),
    Route("/api/v1/statuses/{id}/history", status_history, methods=["GET"]),
    Route("/api/v1/statuses/{id}/source", status_source_view, methods=["GET"]),
    Route("/api/v1/statuses/{id}/context", status_context, methods=["GET"]),
]
