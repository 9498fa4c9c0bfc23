"""Queries about who relates to whom, shared by feeds, notifications and visibility checks."""

from __future__ import annotations

from collections.abc import Iterable

from tortoise.expressions import Q

from models.reads import DIALECTS, backend, ids_value, in_ids, rows
from models.relationships import Block, Follow


async def local_follower_ids(account_id: int, reblogs_only: bool = False) -> list[int]:
    # Fixed text: asked for every post and boost, where the ORM took longer to build the query
    # (about 0.5 ms) than SQLite to run it.
    sql = _LOCAL_FOLLOWERS + (" AND f.show_reblogs" if reblogs_only else "")
    return [row["account_id"] for row in await rows(sql, [account_id])]


_LOCAL_FOLLOWERS = (
    "SELECT f.account_id FROM follows f JOIN accounts a ON a.id = f.account_id"
    " WHERE f.target_account_id = ? AND a.domain = ''"
)


async def ignoring(viewer_ids: Iterable[int], author_ids: Iterable[int]) -> set[int]:
    """Those of `viewer_ids` who block or mute any of `author_ids`, or whom they block."""
    return {viewer for viewer, _ in await ignoring_pairs(viewer_ids, author_ids)}


async def ignoring_pairs(viewer_ids: Iterable[int], author_ids: Iterable[int]) -> set[tuple[int, int]]:
    """The (viewer, author) pairs where the viewer blocks or mutes the author, or the author blocks the viewer."""
    viewers, authors = set(viewer_ids), set(author_ids)
    if not viewers or not authors:
        return set()
    # Fixed text, each id list bound as one parameter (models.reads.in_ids): asked for every
    # batch of received posts, where building it through the ORM cost more than running it,
    # and the ids written into the text made a new statement for SQLite to compile each time.
    dialect = backend()
    v, a = ids_value(viewers, dialect), ids_value(authors, dialect)
    found: set[tuple[int, int]] = set()
    for row in await rows(_IGNORING[dialect], [v, a, a, v, v, a]):
        pair = (row["account_id"], row["target_account_id"])
        if row["muted"]:
            found.add(pair)
        else:
            found.update(p for p in (pair, pair[::-1]) if p[0] in viewers and p[1] in authors)
    return found


_IGNORING = {
    dialect: "SELECT 0 AS muted, account_id, target_account_id FROM blocks"
    f" WHERE (account_id {ids} AND target_account_id {ids})"
    f" OR (account_id {ids} AND target_account_id {ids})"
    " UNION ALL SELECT 1, account_id, target_account_id FROM mutes"
    f" WHERE account_id {ids} AND target_account_id {ids}"
    for dialect, ids in ((dialect, in_ids(dialect)) for dialect in DIALECTS)
}


async def follows(account_id: int, target_id: int) -> bool:
    return await Follow.exists(account_id=account_id, target_account_id=target_id)


async def blocks_either_way(a: int, b: int) -> bool:
    return await Block.exists(Q(account_id=a, target_account_id=b) | Q(account_id=b, target_account_id=a))
