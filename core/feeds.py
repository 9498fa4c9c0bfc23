"""Fan-out on write: putting a new status into the home feeds of the local accounts that should see it.

List timelines are read from the statuses of the list's members (`list_statuses`), so a
membership change shows at once; only the exclusive lists' effect on home is applied here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Protocol

from tortoise.expressions import F, Q, Subquery
from tortoise.queryset import QuerySet

from core.events import publish
from core.relations import ignoring, ignoring_pairs, local_follower_ids
from models.accounts import Account
from models.db import database
from models.interactions import HomeFeedEntry
from models.lists import List, ListAccount
from models.reads import DIALECTS, backend, ids_value, in_ids, rows
from models.relationships import Block, Follow, Mute
from models.statements import Statement, run, single
from models.statuses import Mention, Status, StatusTag
from models.tags import TagFollow


@dataclass(frozen=True)
class Audiences:
    """Who follows, ignores and lists a set of authors, found out for many posts at once.

    `followers`: author → local followers; `kept_out`: (reader, author) pairs where the reader
    blocks or mutes the author, is blocked by them, or has them in an exclusive list (whose
    posts go there, not home). Readers outside `readers` are unknown.
    """

    followers: dict[int, list[int]]
    readers: frozenset[int]
    kept_out: frozenset[tuple[int, int]]


_audiences: ContextVar[Audiences | None] = ContextVar("flurfunk_audiences", default=None)


async def find_audiences(author_ids: Iterable[int]) -> Audiences:
    """Three queries for what the fan-outs of many posts by `author_ids` need to know.

    Fixed text with each id list bound as one parameter (models.reads.in_ids): asked for every
    batch of received posts, where building the queries through the ORM cost more than running
    them, and where a text with the ids written in was a new statement for SQLite to compile
    every time (119 us for the followers, against some 20 to run it).
    """
    authors = list(set(author_ids))
    dialect = backend()
    followers: dict[int, list[int]] = {author: [] for author in authors}
    for row in await rows(_LOCAL_FOLLOWERS[dialect], [ids_value(authors, dialect)]):
        followers[row["target_account_id"]].append(row["account_id"])
    readers = frozenset(reader for found in followers.values() for reader in found)
    kept_out: set[tuple[int, int]] = set()
    if readers:
        kept_out.update(await ignoring_pairs(readers, authors))
        owners = await rows(_EXCLUSIVE_LISTS[dialect], [ids_value(authors, dialect), ids_value(readers, dialect)])
        kept_out.update((row["owner_id"], row["account_id"]) for row in owners)
    return Audiences(followers, readers, frozenset(kept_out))


_LOCAL_FOLLOWERS = {
    dialect: "SELECT f.target_account_id, f.account_id FROM follows f JOIN accounts a ON a.id = f.account_id"
    f" WHERE f.target_account_id {in_ids(dialect)} AND a.domain = ''"
    for dialect in DIALECTS
}
_EXCLUSIVE_LISTS = {
    dialect: "SELECT m.account_id, l.account_id AS owner_id FROM list_accounts m JOIN lists l ON l.id = m.list_id"
    f" WHERE m.account_id {in_ids(dialect)} AND l.exclusive = TRUE AND l.account_id {in_ids(dialect)}"
    for dialect in DIALECTS
}


@contextmanager
def known_audiences(audiences: Audiences) -> Iterator[None]:
    """Within: fan-outs of plain posts by the authors of `audiences` use it instead of querying.

    For a batch of received posts, whose fan-outs would otherwise ask the same questions post
    after post. Only for work that changes no follows, blocks, mutes or lists meanwhile.
    """
    token = _audiences.set(audiences)
    try:
        yield
    finally:
        _audiences.reset(token)


async def fan_out(
    status: Status, author: Account, boosted_author_id: int | None = None, tag_ids: list[int] | None = None
) -> list[int]:
    """Add `status` to the home feed of everyone local who should see it; returns their ids.

    `tag_ids`: the status's hashtags when the caller knows them (else they are looked up).
    """
    recipients = await home_recipients(status, author, boosted_author_id, tag_ids)
    if recipients:
        await add_to_home_feeds([(account_id, status.id) for account_id in recipients])
    # Published even without home recipients: public and hashtag streams may want it.
    await publish("update", status.id, recipients)
    return recipients


class FannedOut(Protocol):
    """What fan-out needs to know of a status (a Status has it; so can a row about to be written)."""

    id: int
    visibility: str
    reblog_id: int | None


async def home_recipients(
    status: FannedOut, author: Account, boosted_author_id: int | None = None, tag_ids: list[int] | None = None
) -> list[int]:
    """The local accounts whose home feed `status` belongs in, in id order (see `fan_out`)."""
    known = _audiences.get()
    if known is not None and (author.id not in known.followers or status.reblog_id is not None):
        known = None  # a boost (which honours show_reblogs) or an author nobody looked up
    recipients: set[int] = set()
    if status.visibility != "direct":
        if known is not None:
            recipients.update(known.followers[author.id])
        else:
            recipients.update(await local_follower_ids(author.id, reblogs_only=status.reblog_id is not None))
    if status.visibility in ("private", "direct"):
        mentioned = await Mention.filter(status_id=status.id, account__domain="").values_list("account_id", flat=True)
        recipients.update(mentioned)
    if status.visibility == "public" and status.reblog_id is None and tag_ids != []:
        # As Mastodon's FanOutOnWriteService#deliver_to_hashtag_followers!: followers of its hashtags see it.
        recipients.update(await tag_follower_ids(status.id, tag_ids))
    if author.local:
        recipients.add(author.id)
    authors = [author.id] + ([boosted_author_id] if boosted_author_id else [])
    readers = recipients - {author.id}
    if known is not None:
        recipients -= {reader for reader in readers & known.readers if (reader, author.id) in known.kept_out}
        readers -= known.readers
    if readers:
        recipients -= await ignoring(readers, authors)
        recipients -= await exclusive_list_owners(readers & recipients, author.id)
    return sorted(recipients)


async def add_to_home_feeds(entries: Iterable[tuple[int, int]]) -> None:
    """(account id, status id) rows into home feeds (those there already are skipped).

    A fixed statement run for every row at once: Tortoise's bulk_create builds its INSERT anew
    each time, which was a fifth of applying a received post. Sorted, so that two workers
    adding to the same feeds take their index locks in one order.
    """
    await run(database(), single(home_feed_rows(entries)))


def home_feed_rows(entries: Iterable[tuple[int, int]]) -> Statement:
    """The statement of `add_to_home_feeds`, for a script of statements (models/statements.py)."""
    return Statement(_ADD_TO_FEED, [list(entry) for entry in sorted(entries)], many=True, arrays=_ADD_TO_FEED_ARRAYS)


_ADD_TO_FEED = (
    "INSERT INTO home_feed (account_id, status_id) VALUES (?, ?) ON CONFLICT (account_id, status_id) DO NOTHING"
)
_ADD_TO_FEED_ARRAYS = (
    "INSERT INTO home_feed (account_id, status_id) SELECT * FROM unnest(?::bigint[], ?::bigint[])"
    " ON CONFLICT (account_id, status_id) DO NOTHING"
)


async def tag_follower_ids(status_id: int, tag_ids: list[int] | None = None) -> list[int]:
    if tag_ids is None:
        tag_ids = list(await StatusTag.filter(status_id=status_id).values_list("tag_id", flat=True))
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
