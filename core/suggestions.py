"""Whom to suggest following: people the asker does not follow yet, from several sources in turn.

Each source names itself with a value of Mastodon's SuggestionSourcesEnum, so clients can say why an
account is suggested. Sources run in order and later ones skip who earlier ones already gave.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from tortoise.expressions import Q

from federation import urls
from models.accounts import Account
from models.relationships import Block, Follow, FollowRequest, Mute
from models.suggestions import SuggestionDismissal


@dataclass(frozen=True)
class Suggestion:
    account: Account
    source: str


Source = Callable[[Account, set[int], int], Awaitable[list[Account]]]


def department_of(account: Account) -> str | None:
    """The department a profile belongs to. Profiles carry none yet: the hook for the company directory.

    When the directory fills this in (for instance from an imported profile field), `colleagues` below
    starts suggesting the people of the same department first, with no other change.
    """
    return None


async def colleagues(me: Account, excluded: set[int], limit: int) -> list[Account]:
    department = department_of(me)
    if department is None:
        return []
    candidates = await _candidates(excluded).filter(domain="").order_by("-followers_count", "username")
    return [a for a in candidates if department_of(a) == department][:limit]


async def most_followed(me: Account, excluded: set[int], limit: int) -> list[Account]:
    """People of this node first (colleagues before strangers), then known remote people; most followed first."""
    local = list(
        await _candidates(excluded)
        .filter(domain="")
        .order_by("-followers_count", "-statuses_count", "username")
        .limit(limit)
    )
    if len(local) >= limit:
        return local
    remote = await (
        _candidates(excluded)
        .exclude(domain="")
        .order_by("-followers_count", "-statuses_count", "username")
        .limit(limit - len(local))
    )
    return local + list(remote)


# The enum has no "same department"; "featured" (put forward by the organisation) is the nearest meaning.
SOURCES: list[tuple[str, Source]] = [("featured", colleagues), ("most_followed", most_followed)]


def _candidates(excluded: set[int]):
    # Only people: not the node's own actor, nor anyone suspended or who asked not to be suggested.
    return Account.filter(suspended=False, discoverable=True, actor_type__in=("Person", "Service")).exclude(
        Q(id__in=list(excluded)) | Q(username=urls.INSTANCE_ACTOR_USERNAME, domain="")
    )


async def _excluded(me: Account) -> set[int]:
    """Whom never to suggest to `me`: themself, whom they follow or asked to, block, mute, are blocked by, dismissed."""
    excluded = {me.id}
    for model in (Follow, FollowRequest, Block, Mute, SuggestionDismissal):
        excluded.update(await model.filter(account_id=me.id).values_list("target_account_id", flat=True))
    excluded.update(await Block.filter(target_account_id=me.id).values_list("account_id", flat=True))
    return excluded


async def suggestions_for(me: Account, limit: int) -> list[Suggestion]:
    excluded = await _excluded(me)
    found: list[Suggestion] = []
    for name, source in SOURCES:
        if len(found) >= limit:
            break
        for account in await source(me, excluded, limit - len(found)):
            found.append(Suggestion(account, name))
            excluded.add(account.id)
    return found


async def dismiss(me: Account, target_id: int) -> None:
    if await Account.exists(id=target_id):
        await SuggestionDismissal.get_or_create(account_id=me.id, target_account_id=target_id)
