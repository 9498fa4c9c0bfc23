"""Who may see a status. A private post never reaches anyone it was not addressed to."""

from __future__ import annotations

from core.relations import blocks_either_way, follows
from models.accounts import Account
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
