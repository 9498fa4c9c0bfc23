"""Poll entities, loaded for a page of statuses at once (two queries, whatever the page size)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from api.serializers.common import iso_ms
from models.accounts import Account
from models.base import utcnow
from models.polls import Poll, PollVote
from models.reads import backend, ids_value, in_ids, instances, rows, table


def poll_entity(poll: Poll, viewer: Account | None, own_votes: Sequence[int], now: datetime | None = None) -> dict:
    """Mastodon's REST::PollSerializer. `voted`/`own_votes` only for a logged-in viewer; the author counts as voted."""
    expired = poll.expired(now or utcnow())
    # hide_totals: counts stay hidden from everyone but the author until the poll ends.
    hidden = poll.hide_totals and not expired and (viewer is None or viewer.id != poll.account_id)
    tallies = list(poll.tallies) + [0] * (len(poll.options) - len(poll.tallies))
    entity: dict[str, Any] = {
        "id": str(poll.id),
        "expires_at": iso_ms(poll.expires_at),
        "expired": expired,
        "multiple": poll.multiple,
        "votes_count": poll.votes_count,
        "voters_count": poll.voters_count,
        "options": [
            {"title": title, "votes_count": None if hidden else votes}
            for title, votes in zip(poll.options, tallies, strict=False)
        ],
        "emojis": [],
    }
    if viewer is not None:
        entity["voted"] = viewer.id == poll.account_id or bool(own_votes)
        entity["own_votes"] = sorted(own_votes)
    return entity


async def polls_for_statuses(status_ids: Sequence[int], viewer: Account | None) -> dict[int, dict[str, Any]]:
    """Poll entities by status id, for the statuses of a page that have one."""
    if not status_ids:
        return {}
    dialect = backend()
    polls = await instances(
        Poll, f"SELECT * FROM {table(Poll)} WHERE status_id {in_ids(dialect)}", [ids_value(status_ids, dialect)]
    )
    if not polls:
        return {}
    own: dict[int, list[int]] = defaultdict(list)
    if viewer is not None:
        for row in await rows(
            f"SELECT poll_id, choice FROM {table(PollVote)} WHERE account_id = ? AND poll_id {in_ids(dialect)}",
            [viewer.id, ids_value((p.id for p in polls), dialect)],
        ):
            own[row["poll_id"]].append(row["choice"])
    now = utcnow()
    return {p.status_id: poll_entity(p, viewer, own.get(p.id, []), now) for p in polls}


async def poll_json(poll: Poll, viewer: Account | None) -> dict[str, Any]:
    own: list[int] = []
    if viewer is not None:
        own = list(await PollVote.filter(poll_id=poll.id, account_id=viewer.id).values_list("choice", flat=True))
    return poll_entity(poll, viewer, own)
