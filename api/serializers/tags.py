"""Tag entities with their usage history: the past week, one entry a day, newest first (as Mastodon)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from federation import urls
from models.accounts import Account
from models.base import utcnow
from models.statuses import StatusTag, Tag
from models.tags import FeaturedTag, TagFollow

HISTORY_DAYS = 7


def _midnight(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


async def tag_entities(
    tags: Sequence[Tag], base: str, with_following: bool, viewer: Account | None = None
) -> list[dict[str, Any]]:
    """One query for the uses of all `tags` in the past week, counted per day in Python.

    `with_following` adds `following` and `featuring` for a logged-in caller (`viewer`), as Mastodon does.
    """
    today = _midnight(utcnow())
    since = today - timedelta(days=HISTORY_DAYS - 1)
    uses: dict[tuple[int, datetime], int] = defaultdict(int)
    authors: dict[tuple[int, datetime], set[int]] = defaultdict(set)
    saved = [t.id for t in tags if t.id is not None]
    if saved:
        rows = await StatusTag.filter(tag_id__in=saved, status__created_at__gte=since).values_list(
            "tag_id", "status__created_at", "status__account_id"
        )
        for tag_id, created_at, account_id in rows:
            key = (tag_id, _midnight(created_at))
            uses[key] += 1
            authors[key].add(account_id)
    followed: set[int] = set()
    featured: set[int] = set()
    if with_following and viewer is not None and saved:
        followed = set(await TagFollow.filter(account_id=viewer.id, tag_id__in=saved).values_list("tag_id", flat=True))
        featured = set(
            await FeaturedTag.filter(account_id=viewer.id, tag_id__in=saved).values_list("tag_id", flat=True)
        )

    entities = []
    for tag in tags:
        days = [today - timedelta(days=n) for n in range(HISTORY_DAYS)]
        entity: dict[str, Any] = {
            # A tag nobody has used yet is shown unsaved, with an empty id, as Mastodon does.
            "id": str(tag.id) if tag.id is not None else "",
            "name": tag.display_name or tag.name,
            "url": urls.tag_page(base, tag.name),
            # Mastodon sends every number in the history as a string.
            "history": [
                {
                    "day": str(int(day.timestamp())),
                    "uses": str(uses[(tag.id, day)]),
                    "accounts": str(len(authors[(tag.id, day)])),
                }
                for day in days
            ],
        }
        if with_following:
            entity["following"] = tag.id in followed
            entity["featuring"] = tag.id in featured
        entities.append(entity)
    return entities
