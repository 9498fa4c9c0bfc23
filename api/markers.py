"""Client API: markers — the last read position in home and notifications, shared between a user's apps."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from api.auth import current_account, scoped
from api.errors import APIError, unprocessable
from api.params import query_list, request_params
from api.serializers.common import iso_ms
from models.base import utcnow
from models.markers import TIMELINES, Marker


def _conflict() -> APIError:
    return APIError(409, "Conflict during update, please try again")


def marker_entity(marker: Marker) -> dict[str, Any]:
    return {
        "last_read_id": str(marker.last_read_id),
        "version": marker.version,
        "updated_at": iso_ms(marker.updated_at),
    }


async def notifications_read_up_to(account_id: int) -> int:
    """The id of the newest notification the account has read; 0 before any marker was set."""
    marker = await Marker.get_or_none(account_id=account_id, timeline="notifications")
    return marker.last_read_id if marker else 0


@scoped("read:statuses")
async def index(request: Request) -> Response:
    me = current_account(request)
    # As Mastodon: only the timelines asked for with timeline[], and only those that have a marker.
    wanted = [t for t in query_list(request, "timeline") if t in TIMELINES]
    markers = await Marker.filter(account_id=me.id, timeline__in=wanted) if wanted else []
    return JSONResponse({m.timeline: marker_entity(m) for m in markers})


def _last_read_id(value: Any) -> int:
    raw = value.get("last_read_id") if isinstance(value, dict) else None
    if raw is None or str(raw).strip() == "":
        raise unprocessable("Last read can't be blank")
    try:
        return int(str(raw).strip())
    except ValueError:
        # The column is a bigint; Rails casts junk to nil and then finds it blank.
        raise unprocessable("Last read can't be blank") from None


async def _move(account_id: int, timeline: str, last_read_id: int) -> Marker:
    """Set one marker; a write that raced another app's answers 409, as Mastodon's StaleObjectError does."""
    marker = await Marker.get_or_none(account_id=account_id, timeline=timeline)
    if marker is None:
        try:
            return await Marker.create(account_id=account_id, timeline=timeline, last_read_id=last_read_id)
        except IntegrityError:
            raise _conflict() from None
    if marker.last_read_id == last_read_id:
        # An unchanged position is not a write, so its version stays, as with Rails' lock_version.
        return marker
    now = utcnow()
    updated = await Marker.filter(id=marker.id, version=marker.version).update(
        last_read_id=last_read_id, version=marker.version + 1, updated_at=now
    )
    if not updated:
        raise _conflict()
    marker.last_read_id, marker.version, marker.updated_at = last_read_id, marker.version + 1, now
    return marker


@scoped("write:statuses")
async def create(request: Request) -> Response:
    me = current_account(request)
    params = await request_params(request)
    wanted = {timeline: _last_read_id(params[timeline]) for timeline in TIMELINES if timeline in params}
    saved: dict[str, Marker] = {}
    async with in_transaction():
        for timeline, last_read_id in wanted.items():
            saved[timeline] = await _move(me.id, timeline, last_read_id)
    return JSONResponse({timeline: marker_entity(m) for timeline, m in saved.items()})


routes: list[BaseRoute] = [
    Route("/api/v1/markers", index, methods=["GET"]),
    Route("/api/v1/markers", create, methods=["POST"]),
]
