"""Client API: direct-message conversations (Mastodon's /api/v1/conversations).

Paged by each conversation's last status, newest first, as Mastodon's ConversationsController
does, so the Link header's max_id/min_id are status ids.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from api.auth import current_account, scoped
from api.errors import not_found
from api.pagination import apply, ordered, page_params, paged_response
from api.serializers.conversations import conversation_entities
from api.statuses import parse_id
from core.conversations import latest_direct_status_id
from models.conversations import Conversation


async def _own(request: Request) -> Conversation:
    row = await Conversation.get_or_none(id=parse_id(request.path_params["id"]), account_id=current_account(request).id)
    if row is None:
        raise not_found()
    return row


async def _repair(account_id: int) -> None:
    """A conversation whose last status was deleted points at the one before it, or goes away if none is left."""
    for row in await Conversation.filter(account_id=account_id, last_status_id__isnull=True):
        row.last_status_id = await latest_direct_status_id(row)
        if row.last_status_id is None:
            await row.delete()
        else:
            await row.save()


@scoped("read:statuses")
async def list_conversations(request: Request) -> JSONResponse:
    account = current_account(request)
    await _repair(account.id)
    page = page_params(request, default=20, maximum=40)
    query = Conversation.filter(account_id=account.id, last_status_id__isnull=False)
    rows = ordered(list(await apply(query, page, field="last_status_id")), page)
    base = request.app.state.node.settings.base_url
    body = await conversation_entities(rows, base, account)
    return paged_response(request, body, [row.last_status_id for row in rows], more=len(rows) == page.limit)


@scoped("write:conversations")
async def read_conversation(request: Request) -> JSONResponse:
    row = await _own(request)
    if row.unread:
        row.unread = False
        await Conversation.filter(id=row.id).update(unread=False)
    account = current_account(request)
    [entity] = await conversation_entities([row], request.app.state.node.settings.base_url, account)
    return JSONResponse(entity)


@scoped("write:conversations")
async def delete_conversation(request: Request) -> JSONResponse:
    row = await _own(request)
    await row.delete()
    return JSONResponse({})


routes: list[BaseRoute] = [
    Route("/api/v1/conversations", list_conversations, methods=["GET"]),
    Route("/api/v1/conversations/{id}/read", read_conversation, methods=["POST"]),
    Route("/api/v1/conversations/{id}", delete_conversation, methods=["DELETE"]),
]
