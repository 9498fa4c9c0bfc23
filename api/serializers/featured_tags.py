"""FeaturedTag entities: a hashtag on someone's profile with how often, and when last, they used it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from api.serializers.common import day_of
from models.accounts import Account
from models.statuses import StatusTag, Tag
from models.tags import FeaturedTag

# Mastodon's FeaturedTag#reset_data counts the account's public and unlisted posts with the tag.
COUNTED_VISIBILITIES = ("public", "unlisted")


async def tag_usage(account_id: int, tag_ids: Sequence[int]) -> dict[int, tuple[int, datetime | None]]:
    """For each tag: how many of the account's listed posts carry it, and when the newest was posted."""
    usage: dict[int, tuple[int, datetime | None]] = {}
    if not tag_ids:
        return usage
    rows = await StatusTag.filter(
        tag_id__in=list(tag_ids),
        status__account_id=account_id,
        status__visibility__in=COUNTED_VISIBILITIES,
        status__reblog_id=None,
    ).values_list("tag_id", "status__created_at")
    for tag_id, created_at in rows:
        count, last = usage.get(tag_id, (0, None))
        usage[tag_id] = (count + 1, created_at if last is None or created_at > last else last)
    return usage


async def featured_tag_entities(account: Account, featured: Sequence[FeaturedTag]) -> list[dict[str, Any]]:
    """Entities for `account`'s featured tags, most used first (as Mastodon lists them on a profile)."""
    tags = {t.id: t for t in await Tag.filter(id__in=[f.tag_id for f in featured])}
    usage = await tag_usage(account.id, list(tags))
    entities = []
    for item in featured:
        tag = tags.get(item.tag_id)
        if tag is None:
            continue
        count, last = usage.get(tag.id, (0, None))
        entities.append(
            {
                "id": str(item.id),
                "name": tag.display_name or tag.name,
                # Mastodon's short_account_tag_url: the profile filtered by the tag.
                "url": f"{account.url}/tagged/{tag.name}",
                # A string, as Mastodon's FeaturedTagSerializer sends it.
                "statuses_count": str(count),
                "last_status_at": day_of(last),
            }
        )
    entities.sort(key=lambda e: (-int(e["statuses_count"]), e["name"].lower()))
    return entities
