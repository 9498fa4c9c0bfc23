"""Client API: what people do to a status — favourite, boost, bookmark, pin, mute its conversation —
and who favourited or boosted it.

Each action answers with the status as the caller now sees it, as Mastodon does.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from api.auth import current_account, scoped
from api.errors import forbidden, unprocessable
from api.pagination import apply, ordered, page_params, paged_response
from api.params import Params
from api.serializers.accounts import account_entity
from api.statuses import status_json, visible_status
from models.accounts import Account, User
from models.interactions import Bookmark, Favourite, Pin
from models.statuses import ConversationMute, Status, conversation_key
from outbox import interactions
from outbox import statuses as outbox
from outbox.pins import pin_status, unpin_status

# Mastodon's StatusPinValidator: at most five pinned posts per local account.
MAX_PINNED = 5


async def _target(request: Request) -> Status:
    """The status acted on: a boost stands for the post it boosts (Mastodon's ReblogService does the same)."""
    status = await visible_status(request)
    if status.reblog_id:
        status = await visible_status(request, status.reblog_id)
    return status


async def _answer(request: Request, status: Status) -> JSONResponse:
    await status.refresh_from_db()
    return JSONResponse(await status_json(request, status))


@scoped("write:favourites")
async def favourite(request: Request) -> JSONResponse:
    status = await _target(request)
    await interactions.favourite(request.app.state.node, current_account(request), status)
    return await _answer(request, status)


@scoped("write:favourites")
async def unfavourite(request: Request) -> JSONResponse:
    status = await _target(request)
    await interactions.unfavourite(request.app.state.node, current_account(request), status)
    return await _answer(request, status)


@scoped("write:statuses")
async def reblog(request: Request) -> JSONResponse:
    account = current_account(request)
    status = await _target(request)
    # Mastodon's StatusPolicy#reblog?: never a direct post, and a followers-only one only by its author.
    if status.visibility == "direct" or (status.visibility == "private" and status.account_id != account.id):
        raise forbidden()
    if status.visibility == "private":
        visibility = "private"
    else:
        user = await User.get(account_id=account.id)
        asked = (await Params.read(request)).text("visibility")
        visibility = asked if asked in ("public", "unlisted", "private") else user.default_visibility
    boost = await outbox.reblog(request.app.state.node, account, status, visibility)
    return JSONResponse(await status_json(request, boost))


@scoped("write:statuses")
async def unreblog(request: Request) -> JSONResponse:
    status = await _target(request)
    await outbox.unreblog(request.app.state.node, current_account(request), status)
    return await _answer(request, status)


@scoped("write:bookmarks")
async def bookmark(request: Request) -> JSONResponse:
    status = await _target(request)
    await Bookmark.get_or_create(account=current_account(request), status=status)
    return await _answer(request, status)


@scoped("write:bookmarks")
async def unbookmark(request: Request) -> JSONResponse:
    status = await _target(request)
    await Bookmark.filter(account_id=current_account(request).id, status_id=status.id).delete()
    return await _answer(request, status)


@scoped("write:accounts")
async def pin(request: Request) -> JSONResponse:
    account = current_account(request)
    status = await visible_status(request)
    # The checks and messages of Mastodon's StatusPinValidator; they fail with 422, not 403.
    if status.reblog_id:
        raise unprocessable("A boost cannot be pinned")
    if status.account_id != account.id:
        raise unprocessable("Someone else's post cannot be pinned")
    if status.visibility == "direct":
        raise unprocessable("Posts that are only visible to mentioned users cannot be pinned")
    if await Pin.exists(account_id=account.id, status_id=status.id):
        raise unprocessable("Status has already been taken")
    if await Pin.filter(account_id=account.id).count() >= MAX_PINNED:
        raise unprocessable("You have already pinned the maximum number of posts")
    await pin_status(request.app.state.node, account, status)
    return await _answer(request, status)


@scoped("write:accounts")
async def unpin(request: Request) -> JSONResponse:
    status = await visible_status(request)
    await unpin_status(request.app.state.node, current_account(request), status)
    return await _answer(request, status)


@scoped("write:mutes")
async def mute_conversation(request: Request) -> JSONResponse:
    status = await _target(request)
    await ConversationMute.get_or_create(account=current_account(request), conversation_uri=conversation_key(status))
    return await _answer(request, status)


@scoped("write:mutes")
async def unmute_conversation(request: Request) -> JSONResponse:
    status = await _target(request)
    await ConversationMute.filter(
        account_id=current_account(request).id, conversation_uri=conversation_key(status)
    ).delete()
    return await _answer(request, status)


async def _accounts_page(request: Request, rows: list[tuple[int, int]]) -> JSONResponse:
    """`rows` are (paging id, account id), newest first."""
    accounts = {a.id: a for a in await Account.filter(id__in=[a for _, a in rows], suspended=False)}
    base = request.app.state.node.settings.base_url
    kept = [(cursor, accounts[a]) for cursor, a in rows if a in accounts]
    return paged_response(request, [account_entity(a, base) for _, a in kept], [cursor for cursor, _ in rows])


@scoped("read:accounts", optional=True)
async def favourited_by(request: Request) -> JSONResponse:
    status = await visible_status(request)
    page = page_params(request, default=40, maximum=80)
    rows = await apply(Favourite.filter(status_id=status.id), page).values_list("id", "account_id")
    return await _accounts_page(request, ordered(list(rows), page))


@scoped("read:accounts", optional=True)
async def reblogged_by(request: Request) -> JSONResponse:
    status = await visible_status(request)
    page = page_params(request, default=40, maximum=80)
    rows = await apply(Status.filter(reblog_id=status.id), page).values_list("id", "account_id")
    return await _accounts_page(request, ordered(list(rows), page))


routes: list[BaseRoute] = [
    Route("/api/v1/statuses/{id}/favourite", favourite, methods=["POST"]),
    Route("/api/v1/statuses/{id}/unfavourite", unfavourite, methods=["POST"]),
    Route("/api/v1/statuses/{id}/reblog", reblog, methods=["POST"]),
    Route("/api/v1/statuses/{id}/unreblog", unreblog, methods=["POST"]),
    Route("/api/v1/statuses/{id}/bookmark", bookmark, methods=["POST"]),
    Route("/api/v1/statuses/{id}/unbookmark", unbookmark, methods=["POST"]),
    Route("/api/v1/statuses/{id}/pin", pin, methods=["POST"]),
    Route("/api/v1/statuses/{id}/unpin", unpin, methods=["POST"]),
    Route("/api/v1/statuses/{id}/mute", mute_conversation, methods=["POST"]),
    Route("/api/v1/statuses/{id}/unmute", unmute_conversation, methods=["POST"]),
    Route("/api/v1/statuses/{id}/favourited_by", favourited_by, methods=["GET"]),
    Route("/api/v1/statuses/{id}/reblogged_by", reblogged_by, methods=["GET"]),
]
