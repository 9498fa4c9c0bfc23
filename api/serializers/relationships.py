"""Relationship entities: what the viewer and each of some accounts are to each other, in a few queries."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tortoise.expressions import Q

from api.serializers.common import iso_ms
from models.accounts import Account
from models.base import utcnow
from models.relationships import AccountDomainBlock, AccountNote, AccountPin, Block, Follow, FollowRequest, Mute


def active_mutes(account_id: int) -> Q:
    """Mutes of `account_id` still in force: a mute with a duration lapses at expires_at."""
    return Q(account_id=account_id) & (Q(expires_at=None) | Q(expires_at__gt=utcnow()))


async def relationships(viewer: Account, target_ids: Sequence[int]) -> list[dict[str, Any]]:
    ids = list(target_ids)
    if not ids:
        return []
    me = viewer.id
    following = {
        row["target_account_id"]: row
        for row in await Follow.filter(account_id=me, target_account_id__in=ids).values(
            "target_account_id", "show_reblogs", "notify"
        )
    }
    requested = {
        row["target_account_id"]: row
        for row in await FollowRequest.filter(account_id=me, target_account_id__in=ids).values(
            "target_account_id", "show_reblogs", "notify"
        )
    }
    followed_by = set(
        await Follow.filter(account_id__in=ids, target_account_id=me).values_list("account_id", flat=True)
    )
    requested_by = set(
        await FollowRequest.filter(account_id__in=ids, target_account_id=me).values_list("account_id", flat=True)
    )
    blocking = set(
        await Block.filter(account_id=me, target_account_id__in=ids).values_list("target_account_id", flat=True)
    )
    blocked_by = set(await Block.filter(account_id__in=ids, target_account_id=me).values_list("account_id", flat=True))
    mutes = {
        row["target_account_id"]: row
        for row in await Mute.filter(active_mutes(me), target_account_id__in=ids).values(
            "target_account_id", "hide_notifications", "expires_at"
        )
    }
    notes = dict(
        await AccountNote.filter(account_id=me, target_account_id__in=ids).values_list("target_account_id", "comment")
    )
    blocked_domains = set(await AccountDomainBlock.filter(account_id=me).values_list("domain", flat=True))
    domain_blocking = (
        set(await Account.filter(id__in=ids, domain__in=blocked_domains).values_list("id", flat=True))
        if blocked_domains
        else set()
    )
    endorsed = set(
        await AccountPin.filter(account_id=me, target_account_id__in=ids).values_list("target_account_id", flat=True)
    )
    return [
        relationship_entity(
            i,
            following.get(i),
            requested.get(i),
            i in followed_by,
            i in requested_by,
            i in blocking,
            i in blocked_by,
            mutes.get(i),
            notes.get(i, ""),
            i in domain_blocking,
            i in endorsed and i in following,
        )
        for i in ids
    ]


async def relationship(viewer: Account, target: Account) -> dict[str, Any]:
    return (await relationships(viewer, [target.id]))[0]


def relationship_entity(
    target_id: int,
    follow: dict[str, Any] | None,
    request: dict[str, Any] | None,
    followed_by: bool,
    requested_by: bool,
    blocking: bool,
    blocked_by: bool,
    mute: dict[str, Any] | None,
    note: str,
    domain_blocking: bool = False,
    endorsed: bool = False,
) -> dict[str, Any]:
    # As Mastodon's presenter: reblog and notify settings come from the follow, or from the
    # pending request while there is no follow yet.
    settings = follow or request or {}
    return {
        "id": str(target_id),
        "following": follow is not None,
        "showing_reblogs": bool(settings.get("show_reblogs", False)),
        "notifying": bool(settings.get("notify", False)),
        "languages": None,
        "followed_by": followed_by,
        "blocking": blocking,
        "blocked_by": blocked_by,
        "muting": mute is not None,
        "muting_notifications": bool(mute and mute["hide_notifications"]),
        "muting_expires_at": iso_ms(mute["expires_at"]) if mute else None,
        "requested": request is not None and follow is None,
        "requested_by": requested_by,
        "domain_blocking": domain_blocking,
        "endorsed": endorsed,
        "note": note,
    }
