"""Which notifications share a group, as Mastodon 4.3's grouped notifications have it.

Favourites and boosts of one status, and follows, are grouped: a new one joins the latest group
of its kind unless that group began MAXIMUM_GROUP_SPAN_HOURS or more before, and then starts a
group of its own hour. The key is `{kind}[-{status id}]-{hour}`, the hour of the group's first
notification counted from the epoch; the latest group is read back from the notifications
themselves (Mastodon keeps it in Redis), so every process of a node agrees on it. Other kinds
are never grouped: the client API names each `ungrouped-{id}`.
"""

from __future__ import annotations

from datetime import datetime

from models.interactions import Notification

GROUPABLE = frozenset({"favourite", "reblog", "follow"})
MAXIMUM_GROUP_SPAN_HOURS = 12
UNGROUPED = "ungrouped-"


def group_prefix(kind: str, status_id: int | None) -> str | None:
    """What a group of this kind gathers around, before its hour; None for a kind never grouped."""
    if kind in ("favourite", "reblog"):
        return f"{kind}-{status_id}" if status_id is not None else None
    return kind if kind == "follow" else None


def hour_of(at: datetime) -> int:
    return int(at.timestamp()) // 3600


async def group_key_for(recipient_id: int, kind: str, status_id: int | None, at: datetime) -> str | None:
    """The group a notification of `kind` made `at` for `recipient_id` joins; None if ungrouped."""
    prefix = group_prefix(kind, status_id)
    if prefix is None:
        return None
    hour = hour_of(at)
    # Keys of this prefix sort between "{prefix}-" and "{prefix}." ("." follows "-"), and no
    # other prefix's do: "favourite-12-…" and "favourite-123-…" differ at the "-".
    latest = (
        await Notification.filter(account_id=recipient_id, group_key__gte=f"{prefix}-", group_key__lt=f"{prefix}.")
        .order_by("-id")
        .first()
        .values_list("group_key", flat=True)
    )
    if isinstance(latest, str):
        started = latest.rsplit("-", 1)[-1]
        if started.isdigit() and hour < int(started) + MAXIMUM_GROUP_SPAN_HOURS:
            return latest
    return f"{prefix}-{hour}"


def shown_key(notification_id: int, group_key: str | None) -> str:
    """The group_key clients see: the stored one, or `ungrouped-{id}` for a notification of no group."""
    return group_key or f"{UNGROUPED}{notification_id}"
