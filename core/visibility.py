"""Who may see a status. A private post never reaches anyone it was not addressed to."""

from __future__ import annotations

from collections.abc import Sequence

from tortoise.expressions import Q

from models.accounts import Account
from models.relationships import Block, Follow
from models.statuses import Mention, Status

OPEN = ("public", "unlisted")


async def can_see(status: Status, viewer: Account | None) -> bool:
    return bool(await visible([status], viewer))


async def visible(statuses: Sequence[Status], viewer: Account | None) -> list[Status]:
    """Those of `statuses` that `viewer` (None: anyone) may see, in order.

    The author sees their own; a block either way hides everything else; public and unlisted
    posts are open to all; a mentioned viewer sees the post; a follower sees a private one.
    Three queries at most, whatever the number of statuses (a thread's context, a page of ids).
    """
    if viewer is None:
        return [s for s in statuses if s.visibility in OPEN]
    others = [s for s in statuses if s.account_id != viewer.id]
    authors = {s.account_id for s in others}
    blocked: set[int] = set()
    if authors:
        pairs = await Block.filter(
            Q(account_id=viewer.id, target_account_id__in=authors)
            | Q(account_id__in=authors, target_account_id=viewer.id)
        ).values_list("account_id", "target_account_id")
        blocked = {b if a == viewer.id else a for a, b in pairs}
    closed = [s for s in others if s.account_id not in blocked and s.visibility not in OPEN]
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
        if status.visibility in OPEN or status.id in mentioned:
            return True
        return status.visibility == "private" and status.account_id in followed

    return [s for s in statuses if sees(s)]
