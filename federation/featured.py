"""A remote account's pinned posts, read from its `featured` collection.

Add and Remove activities (inbox/pins.py) keep pins current once we follow someone, but posts
pinned before that never come as activities. So when a follow of a remote account is accepted,
the collection itself is read, as Mastodon's SynchronizeFeaturedCollectionService does: the
pins become exactly its posts that the account wrote on its own host (fetched where we lack
them; direct posts and boosts left out), up to MAX_PINS. A collection that cannot be read
leaves the pins as they were.
"""

from __future__ import annotations

import logging
from typing import Any

from federation.actors import fetch_document
from federation.errors import FederationError
from federation.notes import fetch_note
from federation.parse import id_of
from federation.policy import host_of
from models.accounts import Account
from models.interactions import Pin
from models.statuses import Status
from node import Node

log = logging.getLogger("flurfunk.federation")
MAX_PINS = 20  # Mastodon lets its own users pin 5; other servers may allow more


class NotPinnable(FederationError):
    """A post the account may not have among its pinned posts."""


async def fetch_pinnable(node: Node, account: Account, uri: str) -> Status:
    """The post `uri` (fetched where we lack it) if `account` may pin it: its own post on its
    own host, neither direct nor a boost. Raises NotPinnable, or FetchError, otherwise."""
    if host_of(uri) != host_of(account.uri):
        # Not the account's post wherever it is: refused before anything is fetched for it.
        raise NotPinnable("only one's own posts can be pinned")
    status = await fetch_note(node, uri)
    if status.account_id != account.id:
        raise NotPinnable("only one's own posts can be pinned")
    if status.visibility == "direct" or status.reblog_id is not None:
        raise NotPinnable("a direct post or a boost cannot be pinned")
    return status


async def _items(node: Node, url: str) -> list[Any]:
    collection = await fetch_document(node, url)
    items = collection.get("orderedItems") or collection.get("items")
    if items is None and collection.get("first") is not None:  # a paged collection: its first page
        first = collection["first"]
        page = first if isinstance(first, dict) else await fetch_document(node, id_of(first) or "")
        items = page.get("orderedItems") or page.get("items")
    return items if isinstance(items, list) else []


async def sync_featured(node: Node, account: Account) -> list[int]:
    """Make `account`'s pins the posts of its featured collection; returns the pinned status ids
    (none when the collection could not be read, and the pins were left as they were)."""
    if account.local or not account.featured_url:
        return []
    if host_of(account.featured_url) != host_of(account.uri):
        log.info("featured collection of %s is on another host; not read", account.uri)
        return []
    try:
        items = await _items(node, account.featured_url)
    except FederationError as exc:
        log.info("featured collection of %s could not be read: %s", account.uri, exc)
        return []
    pinned: list[int] = []
    for item in items[:MAX_PINS]:
        uri = id_of(item)
        if not uri or (isinstance(item, dict) and item.get("type") == "Hashtag"):
            continue
        try:
            pinned.append((await fetch_pinnable(node, account, uri)).id)
        except FederationError as exc:
            log.info("pinned post %s of %s left out: %s", uri, account.uri, exc)
    await Pin.filter(account_id=account.id).exclude(status_id__in=pinned).delete()
    for status_id in reversed(pinned):  # the collection lists the newest pin first
        await Pin.get_or_create(account_id=account.id, status_id=status_id)
    return pinned
