"""Client API: statuses scheduled for later (Mastodon 4.3): created through POST /api/v1/statuses with
`scheduled_at`, listed, moved and cancelled here, published by the worker (outbox/scheduled.py)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from api.auth import Caller, current_account, scoped
from api.errors import APIError, not_found, unprocessable
from api.pagination import apply, ordered, page_params, paged_response
from api.params import Params
from api.serializers.common import iso_ms
from api.serializers.statuses import media_entity
from core.polls import PollSpec
from models.accounts import Account
from models.scheduled import ScheduledStatus
from models.statuses import MediaAttachment, Status

# PostStatusService::MIN_SCHEDULE_OFFSET and ScheduledStatus::TOTAL_LIMIT / DAILY_LIMIT.
MIN_OFFSET = timedelta(minutes=5)
TOTAL_LIMIT = 300
DAILY_LIMIT = 25
TOO_SOON = "Scheduled at The scheduled date must be in the future"


def parse_time(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        # Mastodon turns the unparseable date's ArgumentError into a bare ActiveRecord::RecordInvalid.
        raise APIError(422, "Record invalid") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def _check(account: Account, moment: datetime, moving: ScheduledStatus | None = None) -> None:
    """ScheduledStatus's validations: far enough ahead, and within the total and daily limits."""
    if moment <= datetime.now(UTC) + MIN_OFFSET:
        raise unprocessable(TOO_SOON)
    others = ScheduledStatus.filter(account_id=account.id)
    if moving is not None:
        others = others.exclude(id=moving.id)
    elif await others.count() >= TOTAL_LIMIT:
        raise unprocessable(f"You have exceeded the limit of {TOTAL_LIMIT} scheduled posts")
    day = moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    if await others.filter(scheduled_at__gte=day, scheduled_at__lt=day + timedelta(days=1)).count() >= DAILY_LIMIT:
        raise unprocessable(f"You have exceeded the limit of {DAILY_LIMIT} scheduled posts for today")


def is_due_now(moment: datetime) -> bool:
    """Mastodon posts at once when scheduled_at is already past (PostStatusService#scheduled_in_the_past?)."""
    return moment <= datetime.now(UTC)


async def schedule(
    request: Request,
    account: Account,
    moment: datetime,
    *,
    text: str,
    spoiler_text: str,
    sensitive: bool,
    visibility: str,
    language: str | None,
    in_reply_to: Status | None,
    media: list[MediaAttachment],
    poll: PollSpec | None = None,
) -> dict[str, Any]:
    """Store an already validated status for later; its entity for the POST /api/v1/statuses answer."""
    await _check(account, moment)
    caller: Caller = request.state.caller
    params = {
        "text": text,
        "spoiler_text": spoiler_text or None,
        "sensitive": sensitive,
        "visibility": visibility,
        "language": language,
        "in_reply_to_id": in_reply_to.id if in_reply_to else None,
        "media_ids": [str(m.id) for m in media] or None,
        "poll": asdict(poll) if poll else None,
        "application_id": caller.application.id if caller.application else 0,
        "idempotency": None,
        "with_rate_limit": False,
        "scheduled_at": None,
    }
    row = ScheduledStatus(account_id=account.id, scheduled_at=moment, params=params)
    await row.save()
    return (await _entities(request, [row]))[0]


async def _entities(request: Request, rows: list[ScheduledStatus]) -> list[dict[str, Any]]:
    base = request.app.state.node.settings.base_url
    wanted = {int(i) for r in rows for i in r.params.get("media_ids") or []}
    media = {m.id: m for m in await MediaAttachment.filter(id__in=wanted)} if wanted else {}
    return [
        {
            "id": str(row.id),
            "scheduled_at": iso_ms(row.scheduled_at),
            "params": row.params,
            "media_attachments": [
                media_entity(media[int(i)], base) for i in row.params.get("media_ids") or [] if int(i) in media
            ],
        }
        for row in rows
    ]


async def _own(request: Request) -> ScheduledStatus:
    raw = request.path_params["id"]
    row = (
        await ScheduledStatus.get_or_none(id=int(raw), account_id=current_account(request).id)
        if raw.isdigit()
        else None
    )
    if row is None:
        raise not_found()
    return row


@scoped("read:statuses")
async def index(request: Request) -> JSONResponse:
    page = page_params(request)
    rows = ordered(list(await apply(ScheduledStatus.filter(account_id=current_account(request).id), page)), page)
    return paged_response(request, await _entities(request, rows), [r.id for r in rows])


@scoped("read:statuses")
async def show(request: Request) -> JSONResponse:
    return JSONResponse((await _entities(request, [await _own(request)]))[0])


@scoped("write:statuses")
async def update(request: Request) -> JSONResponse:
    row = await _own(request)
    raw = (await Params.read(request)).text("scheduled_at")
    if raw:
        moment = parse_time(raw)
        await _check(current_account(request), moment, moving=row)
        row.scheduled_at = moment
        await ScheduledStatus.filter(id=row.id).update(scheduled_at=moment)
    return JSONResponse((await _entities(request, [row]))[0])


@scoped("write:statuses")
async def cancel(request: Request) -> JSONResponse:
    row = await _own(request)
    await ScheduledStatus.filter(id=row.id).delete()
    return JSONResponse({})


routes: list[BaseRoute] = [
    Route("/api/v1/scheduled_statuses", index, methods=["GET"]),
    Route("/api/v1/scheduled_statuses/{id}", show, methods=["GET"]),
    Route("/api/v1/scheduled_statuses/{id}", update, methods=["PUT"]),
    Route("/api/v1/scheduled_statuses/{id}", cancel, methods=["DELETE"]),
]
