"""Publishing scheduled statuses when their time comes (Mastodon's PublishScheduledStatusWorker)."""

from __future__ import annotations

import logging
from datetime import timedelta

from tortoise.expressions import Q

from core.polls import PollSpec
from models.accounts import Account
from models.base import utcnow
from models.oauth import Application
from models.scheduled import ScheduledStatus
from models.statuses import MediaAttachment, Status
from node import Node
from outbox.statuses import create_status

log = logging.getLogger("flurfunk.scheduled")
BATCH = 16
# Long enough for one publication, short enough that a crashed worker's claim soon lapses.
CLAIM_FOR = timedelta(minutes=2)
MAX_ATTEMPTS = 5


def _claimable(now) -> Q:
    return Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)


async def publish_due(node: Node) -> int:
    """Publish the scheduled statuses that are due; returns how many were published."""
    now = utcnow()
    due = await (
        ScheduledStatus.filter(_claimable(now), scheduled_at__lte=now, attempts__lt=MAX_ATTEMPTS)
        .order_by("scheduled_at", "id")
        .limit(BATCH)
    )
    published = 0
    for row in due:
        claimed = await ScheduledStatus.filter(_claimable(now), id=row.id).update(
            claimed_until=now + CLAIM_FOR, attempts=row.attempts + 1
        )
        if not claimed:
            continue  # another worker has it
        try:
            await publish(node, row)
        except Exception as exc:  # the row keeps the error and is tried again when the claim lapses
            log.exception("scheduled status %s failed", row.id)
            await ScheduledStatus.filter(id=row.id).update(last_error=f"{type(exc).__name__}: {exc}"[:1000])
            continue
        await ScheduledStatus.filter(id=row.id).delete()
        published += 1
    return published


async def publish(node: Node, row: ScheduledStatus) -> Status | None:
    account = await Account.get_or_none(id=row.account_id, suspended=False)
    if account is None:
        return None
    params = row.params
    # What changed since scheduling is taken as it is now: a deleted parent makes a plain post, media
    # attached elsewhere meanwhile are left out (Mastodon reserves them; here they are only checked).
    reply_id = params.get("in_reply_to_id")
    in_reply_to = await Status.get_or_none(id=int(reply_id)) if reply_id else None
    media_ids = [int(i) for i in params.get("media_ids") or []]
    free = {m.id: m for m in await MediaAttachment.filter(account_id=account.id, id__in=media_ids, status_id=None)}
    poll = PollSpec(**params["poll"]) if params.get("poll") else None
    app_id = params.get("application_id")
    application = await Application.get_or_none(id=app_id) if app_id else None
    return await create_status(
        node,
        account,
        params.get("text") or "",
        visibility=params.get("visibility") or "public",
        spoiler_text=params.get("spoiler_text") or "",
        sensitive=bool(params.get("sensitive")),
        language=params.get("language"),
        in_reply_to=in_reply_to,
        media=[free[i] for i in media_ids if i in free],
        application_name=application.name if application else None,
        poll=poll,
    )
