"""Remote actors: fetched, cached as Accounts, refreshed when stale or when their key changed."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from tortoise.exceptions import IntegrityError

from federation import urls
from federation.errors import FetchError
from federation.fetch import fetch_json
from federation.keys import generate_key_pair
from federation.parse import actor_fields, id_of, types_of, work_profile_of
from federation.policy import host_of
from federation.signing_auth import HttpSignatureAuth
from models.accounts import Account
from models.base import utcnow
from models.directory import WorkProfile
from models.reads import instances, table
from node import Node

ACTOR_TYPES = {"Person", "Service", "Group", "Application", "Organization"}
STALE_AFTER = timedelta(days=1)


def signer_for(account: Account) -> HttpSignatureAuth:
    return HttpSignatureAuth(account.key_id, account.private_key_pem)


async def instance_actor(node: Node) -> Account:
    """The node's own Application actor, which signs fetches that act for nobody in particular."""
    base = node.settings.base_url
    account = await Account.get_or_none(username=urls.INSTANCE_ACTOR_USERNAME, domain="")
    if account is None:
        private_pem, public_pem = generate_key_pair()
        account, _ = await Account.get_or_create(
            username=urls.INSTANCE_ACTOR_USERNAME,
            domain="",
            defaults={
                "actor_type": "Application",
                "uri": f"{base}/actor",
                "url": f"{base}/about",
                "inbox_url": f"{base}/actor/inbox",
                "shared_inbox_url": urls.shared_inbox(base),
                "outbox_url": f"{base}/actor/outbox",
                "key_id": f"{base}/actor#main-key",
                "public_key_pem": public_pem,
                "private_key_pem": private_pem,
                "discoverable": False,
                "bot": True,
                "locked": True,
            },
        )
    return account


async def fetch_document(node: Node, url: str) -> dict[str, Any]:
    return await fetch_json(node, url, signer_for(await instance_actor(node)))


async def store_actor(document: dict[str, Any], fetched_from: str) -> Account:
    """Create or update the Account for an actor document fetched from `fetched_from`."""
    if not types_of(document) & ACTOR_TYPES or not isinstance(document.get("id"), str):
        raise FetchError(f"{fetched_from} is not an actor")
    values = actor_fields(document)
    domain = host_of(values["uri"])
    if not values["username"] or not values["inbox_url"]:
        raise FetchError(f"actor {values['uri']} has no preferredUsername or inbox")
    created_at = values.pop("created_at") or utcnow()
    values.update(domain=domain, fetched_at=utcnow(), updated_at=utcnow())
    account = await Account.get_or_none(uri=values["uri"])
    if account is None:
        # Someone else may hold this handle already (an account that moved or was re-created).
        clash = await Account.get_or_none(username=values["username"], domain=domain)
        if clash is not None and clash.uri != values["uri"]:
            clash.username = f"{clash.username}~{clash.id}"
            await clash.save(update_fields=["username"])
        try:
            account = Account(created_at=created_at, **values)
            await account.save()
        except IntegrityError:
            # Stored meanwhile by a request that fetched the same actor at the same time (a
            # server delivering several activities of a new actor at once): update that one.
            account = await Account.get_or_none(uri=values["uri"])
            if account is None:
                raise
            await Account.filter(id=account.id).update(**values)
            account = await Account.get(id=account.id)
    else:
        for name, value in values.items():
            setattr(account, name, value)
        await account.save()
    await _store_work_profile(account, work_profile_of(document))
    return account


async def _store_work_profile(account: Account, values: dict[str, Any] | None) -> None:
    """Keep the work profile a Flurfunk actor publishes, so it is read like a local one (source "actor")."""
    profile = await WorkProfile.get_or_none(account_id=account.id)
    if values is None:
        if profile is not None and profile.source == "actor":
            await profile.delete()
        return
    empty = {"department": "", "title": "", "location": "", "phone": "", "skills": [], "manager_uri": ""}
    values = {**empty, **values, "source": "actor", "updated_at": utcnow()}
    if profile is None:
        try:
            await WorkProfile.create(account=account, **values)
            return
        except IntegrityError:  # created meanwhile by a concurrent fetch of the same actor
            pass
    await WorkProfile.filter(account_id=account.id).update(**values)


async def fetch_actor(node: Node, uri: str, refresh: bool = False) -> Account:
    """The Account for an actor id: from the cache while fresh, else fetched (stale beats nothing)."""
    account = await Account.get_or_none(uri=uri)
    if account is not None and (account.local or (not refresh and not _stale(account))):
        return account
    if account is None and host_of(uri) == node.settings.domain:
        raise FetchError(f"no local actor {uri}")
    try:
        return await store_actor(await fetch_document(node, uri), uri)
    except FetchError:
        if account is not None:
            return account
        raise


async def fetch_actors(node: Node, uris: Iterable[str]) -> dict[str, Account | Exception]:
    """`fetch_actor` for many actor ids: the known and fresh ones in one query, the others fetched.

    Each id maps to its Account, or to what fetching it raised (for the caller to handle per id).
    """
    wanted = list(set(uris))
    found: dict[str, Account | Exception] = dict(await known_actors(wanted))
    for uri in wanted:
        if uri in found:
            continue
        try:
            found[uri] = await fetch_actor(node, uri)
        except Exception as exc:  # kept for the items of this actor, not raised for all of them
            found[uri] = exc
    return found


async def known_actors(uris: Iterable[str]) -> dict[str, Account]:
    """The actors of `uris` this node knows and need not fetch again (local, or fetched within STALE_AFTER).

    Fixed text (models.reads): asked for every batch of the inbox, outside any transaction, so
    on SQLite it is read on the event loop's thread without a hand-over.
    """
    wanted = list(set(uris))
    if not wanted:
        return {}
    marks = ", ".join("?" * len(wanted))
    accounts = await instances(Account, f"SELECT * FROM {table(Account)} WHERE uri IN ({marks})", wanted)
    return {account.uri: account for account in accounts if account.local or not _stale(account)}


def _stale(account: Account) -> bool:
    return account.fetched_at is None or utcnow() - account.fetched_at > STALE_AFTER


async def account_for_key(node: Node, key_id: str, refresh: bool = False) -> Account:
    """The actor owning `key_id`; re-fetched when `refresh` (the key may have been rotated).

    Handles both key id styles: a fragment of the actor (`…/users/a#main-key`, Mastodon) and
    a document of its own (`…/users/a/main-key`, which names its `owner`).
    """
    if not refresh:
        account = await Account.get_or_none(key_id=key_id)
        if account is not None:
            return account
    if host_of(key_id) == node.settings.domain:
        account = await Account.get_or_none(key_id=key_id, domain="")
        if account is None:
            raise FetchError(f"no local key {key_id}")
        return account
    document = await fetch_document(node, key_id.split("#", 1)[0])
    if types_of(document) & ACTOR_TYPES:
        account = await store_actor(document, key_id)
    else:
        owner = id_of(document.get("owner"))
        if not owner or host_of(owner) != host_of(key_id):
            raise FetchError(f"key {key_id} names no owner on its own host")
        account = await store_actor(await fetch_document(node, owner), owner)
    if account.key_id != key_id:
        raise FetchError(f"actor {account.uri} does not publish the key {key_id}")
    return account
