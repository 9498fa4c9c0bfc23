"""Fan-out on write: putting a new status into the home feeds of the local accounts that should see it.

List timelines are read from the statuses of the list's members (`list_statuses`), so a
membership change shows at once; only the exclusive lists' effect on home is applied here.
"""

from __future__ import annotations

from tortoise.expressions import F, Q, Subquery
from tortoise.queryset import QuerySet

from core.events import publish
from core.relations import ignoring, local_follower_ids
from models.accounts import Account
from models.interactions import HomeFeedEntry
from models.lists import List, ListAccount
from models.relationships import Block, Follow, Mute
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
    recipients -= await exclusive_list_owners(recipients - {author.id}, author.id)
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


async def exclusive_list_owners(owner_ids: set[int], author_id: int) -> set[int]:
    """Those of `owner_ids` who put `author_id` in an exclusive list: the author's posts go to that list, not home."""
    if not owner_ids:
        return set()
    owners = await ListAccount.filter(
        account_id=author_id, list__exclusive=True, list__account_id__in=list(owner_ids)
    ).values_list("list__account_id", flat=True)
    return set(owners)


def list_statuses(lst: List) -> QuerySet:
    """What belongs in a list's timeline, as Mastodon's list fan-out decides it (FeedManager#filter_from_list?).

    Posts and boosts of members the owner follows, never direct ones. A reply to someone else
    shows only when it answers the owner, or, by `replies_policy`, someone the owner follows
    ("followed"), another member ("list"), or nobody ("none"). Blocks and mutes apply as at home.
    """
    owner = lst.account_id
    members = Subquery(ListAccount.filter(list_id=lst.id).values("account_id"))
    followed = Subquery(Follow.filter(account_id=owner).values("target_account_id"))
    query = Status.filter(
        account_id__in=members, visibility__in=("public", "unlisted", "private"), account__suspended=False
    ).filter(account_id__in=followed)
    query = query.filter(
        Q(reblog_id__isnull=True)
        | Q(account_id__in=Subquery(Follow.filter(account_id=owner, show_reblogs=True).values("target_account_id")))
    )
    not_a_reply_to_others = (
        Q(in_reply_to_uri__isnull=True) | Q(in_reply_to_account_id=F("account_id")) | Q(in_reply_to_account_id=owner)
    )
    if lst.replies_policy == "followed":
        query = query.filter(not_a_reply_to_others | Q(in_reply_to_account_id__in=followed))
    elif lst.replies_policy == "list":
        query = query.filter(not_a_reply_to_others | Q(in_reply_to_account_id__in=members))
    else:
        query = query.filter(not_a_reply_to_others)
    return (
        query.exclude(account_id__in=Subquery(Block.filter(account_id=owner).values("target_account_id")))
        .exclude(account_id__in=Subquery(Block.filter(target_account_id=owner).values("account_id")))
        .exclude(account_id__in=Subquery(Mute.filter(account_id=owner).values("target_account_id")))
    )


async def in_list(status_id: int, lst: List) -> bool:
    return await list_statuses(lst).filter(id=status_id).exists()


async def leave_home_for_exclusive_list(owner_id: int, member_id: int) -> None:
    """A member of an exclusive list: their posts leave the owner's home feed (new ones are kept out by fan_out)."""
    await remove_author_from_feed(owner_id, member_id)


async def return_home_from_exclusive_list(owner_id: int, member_id: int) -> None:
    """No longer in any exclusive list of the owner: the member's recent posts are back home, as after a follow."""
    if not await Follow.exists(account_id=owner_id, target_account_id=member_id):
        return
    if await exclusive_list_owners({owner_id}, member_id):
        return
    await add_to_feed(owner_id, member_id)
