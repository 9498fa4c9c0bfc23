"""Fan-out on write: putting a new status into the home feeds of the local accounts that should see it."""

from __future__ import annotations

from core.events import publish
from core.relations import ignoring, local_follower_ids
from models.accounts import Account
from models.interactions import HomeFeedEntry
from models.statuses import Mention, Status, StatusTag
from models.tags import TagFollow


async def fan_out(status: Status, author: Account, boosted_author_id: int | None = None) -> list[int]:
    """Add `status` to the home feed of everyone local who should see it; returns their ids."""
    recipients: set[int] = set()
    if status.visibility != "direct":
        recipients.update(await local_follower_ids(author.id, reblogs_only=status.reblog_id is not None))
    if status.visibility in ("private", "direct"):
        mentioned = await Mention.filter(status_id=status.id, account__domain="").values_list("account_id", flat=True)
        recipients.update(mentioned)
    if status.visibility == "public" and status.reblog_id is None:
        # As Mastodon's FanOutOnWriteService#deliver_to_hashtag_followers!: followers of its hashtags see it.
        recipients.update(await tag_follower_ids(status.id))
    if author.local:
        recipients.add(author.id)
    authors = [author.id] + ([boosted_author_id] if boosted_author_id else [])
    recipients -= await ignoring(recipients - {author.id}, authors)
    if recipients:
        await HomeFeedEntry.bulk_create(
            [HomeFeedEntry(account_id=r, status_id=status.id) for r in recipients], ignore_conflicts=True
        )
    # Published even without home recipients: public and hashtag streams may want it.
    await publish("update", status.id, sorted(recipients))
    return sorted(recipients)


async def tag_follower_ids(status_id: int) -> list[int]:
    tag_ids = await StatusTag.filter(status_id=status_id).values_list("tag_id", flat=True)
    if not tag_ids:
        return []
    followers = TagFollow.filter(tag_id__in=list(tag_ids), account__domain="", account__suspended=False)
    return list(await followers.values_list("account_id", flat=True))


async def announce_edit(status: Status) -> None:
    """Tell open streams that a status changed, for everyone whose home feed holds it."""
    holders = await HomeFeedEntry.filter(status_id=status.id).values_list("account_id", flat=True)
    await publish("status.update", status.id, list(holders))


async def add_to_feed(account_id: int, author_id: int, limit: int = 40) -> None:
    """After a new follow: the newest public posts of the followed account appear in the follower's feed."""
    ids = (
        await Status.filter(account_id=author_id, visibility__in=("public", "unlisted", "private"))
        .order_by("-id")
        .limit(limit)
        .values_list("id", flat=True)
    )
    await HomeFeedEntry.bulk_create(
        [HomeFeedEntry(account_id=account_id, status_id=i) for i in ids], ignore_conflicts=True
    )


async def remove_author_from_feed(account_id: int, author_id: int) -> None:
    """After an unfollow or block: the author's posts leave the home feed."""
    ids = await Status.filter(account_id=author_id).values_list("id", flat=True)
    await HomeFeedEntry.filter(account_id=account_id, status_id__in=list(ids)).delete()
