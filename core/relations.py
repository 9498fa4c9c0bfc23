"""Queries about who relates to whom, shared by feeds, notifications and visibility checks."""

from __future__ import annotations

from collections.abc import Iterable

from tortoise.expressions import Q

from models.relationships import Block, Follow, Mute


async def local_follower_ids(account_id: int, reblogs_only: bool = False) -> list[int]:
    query = Follow.filter(target_account_id=account_id, account__domain="")
    if reblogs_only:
        query = query.filter(show_reblogs=True)
    return list(await query.values_list("account_id", flat=True))


async def ignoring(viewer_ids: Iterable[int], author_ids: Iterable[int]) -> set[int]:
    """Those of `viewer_ids` who block or mute any of `author_ids`, or whom they block."""
    return {viewer for viewer, _ in await ignoring_pairs(viewer_ids, author_ids)}


async def ignoring_pairs(viewer_ids: Iterable[int], author_ids: Iterable[int]) -> set[tuple[int, int]]:
    """The (viewer, author) pairs where the viewer blocks or mutes the author, or the author blocks the viewer."""
    viewers, authors = set(viewer_ids), set(author_ids)
    if not viewers or not authors:
        return set()
    blocked = await Block.filter(
        Q(account_id__in=list(viewers), target_account_id__in=list(authors))
        | Q(account_id__in=list(authors), target_account_id__in=list(viewers))
    ).values_list("account_id", "target_account_id")
    muted = await Mute.filter(account_id__in=list(viewers), target_account_id__in=list(authors)).values_list(
        "account_id", "target_account_id"
    )
    found = set(muted)
    for a, b in blocked:
        found.update(pair for pair in ((a, b), (b, a)) if pair[0] in viewers and pair[1] in authors)
    return found


async def follows(account_id: int, target_id: int) -> bool:
    return await Follow.exists(account_id=account_id, target_account_id=target_id)


async def blocks_either_way(a: int, b: int) -> bool:
    return await Block.exists(Q(account_id=a, target_account_id=b) | Q(account_id=b, target_account_id=a))
