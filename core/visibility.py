"""Who may see a status. A private post never reaches anyone it was not addressed to."""

from __future__ import annotations

from collections.abc import Sequence

from tortoise.expressions import Q

from core.relations import blocks_either_way, follows
from models.accounts import Account
from models.relationships import Block, Follow
from models.statuses import Mention, Status


async def can_see(status: Status, viewer: Account | None) -> bool:
    if viewer is not None and viewer.id == status.account_id:
        return True
    if viewer is not None and await blocks_either_way(viewer.id, status.account_id):
        return False
    if status.visibility in ("public", "unlisted"):
        return True
    if viewer is None:
        return False
    if await Mention.exists(status_id=status.id, account_id=viewer.id):
        return True
    return status.visibility == "private" and await follows(viewer.id, status.account_id)


async def visible(statuses: Sequence[Status], viewer: Account | None) -> list[Status]:
    """Those of `statuses` that `viewer` may see, in order: can_see for many at once.

    Three queries at most, whatever the number of statuses: the blocks between the viewer and
    the authors, the viewer's mentions among the statuses not public, and whom of their authors
    the viewer follows. A thread's context asked them once per status before.
    """
    others = [s for s in statuses if viewer is None or s.account_id != viewer.id]
    if viewer is None:
        return [s for s in statuses if s.visibility in ("public", "unlisted")]
    authors = {s.account_id for s in others}
    blocked: set[int] = set()
    if authors:
        for a, b in await Block.filter(
            Q(account_id=viewer.id, target_account_id__in=authors)
            | Q(account_id__in=authors, target_account_id=viewer.id)
        ).values_list("account_id", "target_account_id"):
            blocked.add(b if a == viewer.id else a)
    closed = [s for s in others if s.account_id not in blocked and s.visibility not in ("public", "unlisted")]
    mentioned: set[int] = set()
    followed: set[int] = set()
    if closed:
        mentioned = set(
            await Mention.filter(status_id__in=[s.id for s in closed], account_id=viewer.id).values_list(
                "status_id", flat=True
            )
        )
        private_authors = {s.account_id for s in closed if s.visibility == "private" and s.id not in mentioned}
        if private_authors:
            followed = set(
                await Follow.filter(account_id=viewer.id, target_account_id__in=private_authors).values_list(
                    "target_account_id", flat=True
                )
            )

    def sees(status: Status) -> bool:
        if status.account_id == viewer.id:
            return True
        if status.account_id in blocked:
            return False
        if status.visibility in ("public", "unlisted") or status.id in mentioned:
            return True
        return status.visibility == "private" and status.account_id in followed

    return [s for s in statuses if sees(s)]
