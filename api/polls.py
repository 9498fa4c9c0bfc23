"""Client API: viewing a poll and voting on it (Mastodon's /api/v1/polls)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from api.auth import current_account, scoped, viewer
from api.errors import APIError, not_found, unprocessable
from api.params import Params
from api.serializers.polls import poll_json
from api.statuses import parse_id, visible_status
from core.polls import VoteRefused
from models.polls import Poll
from outbox import polls as outbox


async def _visible_poll(request: Request) -> Poll:
    """The poll in the path if its status may be seen by the caller; 404 otherwise, as for the status."""
    poll = await Poll.get_or_none(id=parse_id(request.path_params["id"]))
    if poll is None:
        raise not_found()
    await visible_status(request, poll.status_id)
    return poll


@scoped("read:statuses", optional=True)
async def show_poll(request: Request) -> JSONResponse:
    poll = await _visible_poll(request)
    return JSONResponse(await poll_json(poll, viewer(request)))


@scoped("write:statuses")
async def vote(request: Request) -> JSONResponse:
    poll = await _visible_poll(request)
    raw = (await Params.read(request)).many("choices")
    if not raw:
        # Rails' params.require(:choices).
        raise APIError(400, "param is missing or the value is empty: choices")
    try:
        choices = [int(c) for c in raw]
    except ValueError as exc:
        raise unprocessable("The chosen vote option does not exist") from exc
    account = current_account(request)
    try:
        await outbox.vote(request.app.state.node, account, poll, choices)
    except VoteRefused as exc:
        raise unprocessable(str(exc)) from exc
    return JSONResponse(await poll_json(await Poll.get(id=poll.id), account))


routes: list[BaseRoute] = [
    Route("/api/v1/polls/{id}", show_poll, methods=["GET"]),
    Route("/api/v1/polls/{id}/votes", vote, methods=["POST"]),
]
