"""The company-wide directory exchange: each node publishes its people, and pulls its peers'.

Publishing: `GET /directory` (advertised in NodeInfo metadata as `flurfunk.directory`) is an
OrderedCollection of this node's local directory entries, oldest change first, paged by a
(updated, id) cursor so that a page never skips an entry changed while a peer reads on.
`?since=<ISO time>` keeps only entries changed since then: that is the incremental update.
People who are withdrawn (suspended, not discoverable) are tombstones, `withdrawn: true`
with nothing but their id and handle, so peers remove them. Only peers may read it (routes.py).

Pulling: for every peer, a signed GET (as the instance actor) of its collection since the
newest `updated` the last pull saw, less a minute in case a change was committed late;
entries are upserted with the Account a follow needs (uri, inbox, url), fetched in full later
(federation.actors.fetch_actor) as for any remote account. Items must be on the peer's own
host: a node speaks only for its own people.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from core.accounts import avatar_url
from directory.entries import save_changes, search_text, sync_local_entries
from federation.actors import fetch_document
from federation.documents import CONTEXT, FLURFUNK_NS
from federation.errors import DomainNotAllowed, FederationError
from federation.parse import as_list, id_of, parse_datetime, text_of
from federation.policy import host_of
from models.accounts import Account
from models.base import utcnow
from models.directory import DirectoryEntry, DirectoryPeer
from node import Node

log = logging.getLogger("flurfunk.directory")
PATH = "/directory"
PAGE_SIZE = 100
MAX_PAGES = 5000  # 500,000 people: far beyond any one node, and a guard against a peer's endless `next`
OVERLAP = timedelta(minutes=1)
PULL_SECONDS = 300.0  # the worker's beat (workers.py); the issue asks for at least every five minutes
COLLECTION_CONTEXT: list[Any] = [*CONTEXT, {"withdrawn": f"{FLURFUNK_NS}withdrawn"}]

Progress = Callable[[str], None]
# A withdrawn person keeps only their handle here: they left, or asked not to be found.
WITHDRAWN: dict[str, Any] = {
    "withdrawn": True,
    "display_name": "",
    "department": "",
    "title": "",
    "location": "",
    "skills": [],
    "search_text": "",
}


# ---- peers ------------------------------------------------------------------------------------


def is_peer(node: Node, domain: str) -> bool:
    """Peers are listed exactly (host:port as in their FEDI_DOMAIN), and the domain policy must allow them."""
    domain = domain.lower()
    return (
        domain != node.settings.domain and domain in node.settings.directory_peer_domains and node.policy.allows(domain)
    )


# ---- publishing -------------------------------------------------------------------------------


def stamp(moment: datetime) -> str:
    """An `updated` value exact to the microsecond, so that `since` and cursors compare exactly."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class PageQuery:
    since: datetime | None = None
    after: tuple[datetime, int] | None = None  # the (updated, id) of the last item of the previous page

    @classmethod
    def parse(cls, params: dict[str, str]) -> PageQuery:
        """Raises ValueError on a malformed `since` or `after`."""
        since = None
        if params.get("since"):
            since = parse_datetime(params["since"])
            if since is None:
                raise ValueError("since must be an ISO 8601 time")
        after = None
        if params.get("after"):
            moment, _, entry_id = params["after"].rpartition("~")
            when = parse_datetime(moment)
            if when is None or not entry_id.isdigit():
                raise ValueError("after must be a cursor from a page's next link")
            after = (when, int(entry_id))
        return cls(since, after)

    def url(self, base: str, page: bool, after: tuple[datetime, int] | None = None) -> str:
        params: dict[str, str] = {"page": "true"} if page else {}
        if self.since is not None:
            params["since"] = stamp(self.since)
        if after is not None:
            params["after"] = f"{stamp(after[0])}~{after[1]}"
        return base + PATH + (f"?{urlencode(params)}" if params else "")


def _published() -> QuerySet[DirectoryEntry]:
    return DirectoryEntry.filter(account__domain="")


async def collection(base: str, query: PageQuery) -> dict[str, Any]:
    entries = _published()
    if query.since is not None:
        entries = entries.filter(updated_at__gte=query.since)
    return {
        "@context": COLLECTION_CONTEXT,
        "id": query.url(base, page=False),
        "type": "OrderedCollection",
        "totalItems": await entries.count(),
        "first": query.url(base, page=True),
    }


async def collection_page(base: str, query: PageQuery) -> dict[str, Any]:
    entries = _published()
    if query.since is not None:
        entries = entries.filter(updated_at__gte=query.since)
    if query.after is not None:
        when, entry_id = query.after
        entries = entries.filter(Q(updated_at__gt=when) | Q(updated_at=when, id__gt=entry_id))
    page = await entries.order_by("updated_at", "id").limit(PAGE_SIZE).select_related("account")
    document: dict[str, Any] = {
        "@context": COLLECTION_CONTEXT,
        "id": query.url(base, page=True, after=query.after),
        "type": "OrderedCollectionPage",
        "partOf": query.url(base, page=False),
        "orderedItems": [item(entry, base) for entry in page],
    }
    if len(page) == PAGE_SIZE:
        document["next"] = query.url(base, page=True, after=(page[-1].updated_at, page[-1].id))
    return document


def item(entry: DirectoryEntry, base: str) -> dict[str, Any]:
    """One person, as an actor-like object with the actor document's work terms."""
    account: Account = entry.account  # type: ignore[assignment]
    document: dict[str, Any] = {
        "id": entry.actor_uri,
        "type": "Person",
        "preferredUsername": account.username,
        "updated": stamp(entry.updated_at),
        "withdrawn": entry.withdrawn,
    }
    if entry.withdrawn:
        return document
    document.update(
        {
            "name": entry.display_name,
            "url": account.url or entry.actor_uri,
            "inbox": account.inbox_url,
            "endpoints": {"sharedInbox": account.shared_inbox_url},
            "icon": {"type": "Image", "url": avatar_url(account, base)},
            "department": entry.department,
            "jobTitle": entry.title,
            "workLocation": entry.location,
            "skills": list(entry.skills or []),
        }
    )
    return document


# ---- pulling ----------------------------------------------------------------------------------


@dataclass
class PullResult:
    peer: str
    added: int = 0
    updated: int = 0
    withdrawn: int = 0
    unchanged: int = 0
    skipped: int = 0  # items a peer may not send: someone on another host, or malformed
    error: str = ""
    hint: str = ""

    def summary(self) -> str:
        counts = (
            f"{self.added} added, {self.updated} updated, {self.withdrawn} withdrawn, {self.unchanged} unchanged"
            + (f", {self.skipped} skipped" if self.skipped else "")
        )
        if not self.error:
            return f"{self.peer}: {counts}"
        return f"{self.peer}: {counts}; error: {self.error}" + (f"\n  what to do: {self.hint}" if self.hint else "")


def _hint(node: Node, peer: str, error: FederationError) -> str:
    """What an administrator can do about a failed pull."""
    if isinstance(error, DomainNotAllowed):
        return f"{peer} is blocked or not in FEDI_ALLOWED_DOMAINS here; allow it or drop it from FEDI_DIRECTORY_PEERS"
    status = re.search(r"answered (\d{3})", str(error))
    code = int(status.group(1)) if status else 0
    own = node.settings.domain
    if code == 401:
        return (
            f"{peer} could not verify this node's signature: check that it can reach {node.settings.base_url}/actor "
            "and that both nodes' clocks are right"
        )
    if code == 403:
        return f"{peer} does not list {own} as a directory peer: add {own} to FEDI_DIRECTORY_PEERS there"
    if code == 404:
        return f"{peer} serves no directory: is it a Flurfunk node of this version?"
    if "could not fetch" in str(error):
        return f"{peer} did not answer: check that it is running and that its name resolves from here"
    return "try again later; `python server.py directory pull` shows the result at once"


async def _collection_url(node: Node, peer: str) -> str:
    """The peer's directory collection, as its NodeInfo advertises it; the well-known path otherwise."""
    base = f"{node.settings.scheme}://{peer}"
    try:
        links = (await node.http.get(f"{base}/.well-known/nodeinfo")).json()
        href = next(link["href"] for link in links.get("links", []) if "nodeinfo" in link.get("rel", ""))
        if host_of(href) == peer:
            info = (await node.http.get(href)).json()
            advertised = ((info.get("metadata") or {}).get("flurfunk") or {}).get("directory")
            if isinstance(advertised, str) and host_of(advertised) == peer:
                return advertised
    except Exception:  # any NodeInfo trouble: fall back to the path every Flurfunk node serves
        log.debug("no directory in %s's NodeInfo", peer, exc_info=True)
    return base + PATH


def _with_since(url: str, since: datetime | None) -> str:
    if since is None:
        return url
    return url + ("&" if "?" in url else "?") + urlencode({"since": stamp(since)})


async def pull_peer(node: Node, peer: str, progress: Progress | None = None) -> PullResult:
    """Pull one peer's directory since its last successful pull."""
    peer = peer.lower()
    result = PullResult(peer)
    state, _ = await DirectoryPeer.get_or_create(domain=peer)
    state.last_attempt_at = utcnow()
    newest = state.pulled_up_to
    try:
        if not node.policy.allows(peer):
            raise DomainNotAllowed(f"{peer} is not a domain this node federates with")
        state.collection_url = await _collection_url(node, peer)
        since = state.pulled_up_to - OVERLAP if state.pulled_up_to else None
        document = await fetch_document(node, _with_since(state.collection_url, since))
        page_url = id_of(document.get("first")) if document.get("type") == "OrderedCollection" else None
        page: dict[str, Any] | None = document if page_url is None else None
        seen: set[str] = set()
        for number in range(1, MAX_PAGES + 1):
            if page is None:
                if not page_url or page_url in seen or host_of(page_url) != peer:
                    break
                seen.add(page_url)
                page = await fetch_document(node, page_url)
            items = [i for i in as_list(page.get("orderedItems") or page.get("items")) if isinstance(i, dict)]
            for entry in items:
                outcome, updated = await _apply_item(peer, entry)
                setattr(result, outcome, getattr(result, outcome) + 1)
                if updated is not None and (newest is None or updated > newest):
                    newest = updated
            if progress is not None and items:
                progress(f"{peer}: page {number}, {len(items)} people")
            page_url, page = id_of(page.get("next")), None
        state.last_success_at = utcnow()
        state.last_error = ""
    except FederationError as exc:
        result.error, result.hint = str(exc), _hint(node, peer, exc)
        state.last_error = result.error
        log.warning("directory pull from %s failed: %s", peer, exc)
    # What was read before a failure counts: pages come oldest change first.
    state.pulled_up_to = newest
    await state.save()
    return result


async def pull_all(node: Node, progress: Progress | None = None) -> list[PullResult]:
    """Bring this node's own entries up to date, then pull every peer's directory."""
    await sync_local_entries(node.settings.domain)
    return [await pull_peer(node, peer, progress) for peer in sorted(node.settings.directory_peer_domains)]


async def pull_directories(node: Node) -> int:
    """The worker's periodic pass (workers.py)."""
    results = await pull_all(node)
    return sum(r.added + r.updated + r.withdrawn for r in results)


# ---- one pulled person ------------------------------------------------------------------------


def _text(value: Any, limit: int = 255) -> str:
    return " ".join(text_of(value).split())[:limit]


def _remote_values(document: dict[str, Any]) -> dict[str, Any]:
    skills = [_text(s, 100) for s in as_list(document.get("skills")) if isinstance(s, str) and s.strip()]
    return {
        "display_name": _text(document.get("name")),
        "department": _text(document.get("department")),
        "title": _text(document.get("jobTitle")),
        "location": _text(document.get("workLocation")),
        "skills": skills[:50],
    }


async def _apply_item(peer: str, document: dict[str, Any]) -> tuple[str, datetime | None]:
    """Upsert one pulled person; the outcome (a PullResult counter name) and the item's `updated`."""
    uri = document.get("id")
    updated = parse_datetime(document.get("updated"))
    if not isinstance(uri, str) or not uri.startswith(("https://", "http://")) or host_of(uri) != peer:
        return "skipped", updated
    try:
        return await _upsert(peer, uri, document), updated
    except IntegrityError:
        # A pull running at the same time (the worker's and the command line's) created the rows first.
        return await _upsert(peer, uri, document), updated


async def _upsert(peer: str, uri: str, document: dict[str, Any]) -> str:
    entry = await DirectoryEntry.get_or_none(actor_uri=uri)
    if document.get("withdrawn") is True:
        if entry is None or entry.withdrawn:
            return "unchanged"
        await save_changes(entry, WITHDRAWN)
        return "withdrawn"
    username = _text(document.get("preferredUsername"), 190)
    inbox = id_of(document.get("inbox")) or ""
    if not username or not inbox.startswith(("https://", "http://")) or host_of(inbox) != peer:
        return "skipped"
    account = await _account(peer, uri, username, inbox, document)
    values = _remote_values(document)
    values.update(node=peer, handle=f"{account.username}@{account.domain}", withdrawn=False)
    values["display_name"] = values["display_name"] or account.username
    values["search_text"] = search_text(values)
    if entry is None:
        await DirectoryEntry.create(account=account, actor_uri=uri, updated_at=utcnow(), **values)
        return "added"
    if entry.account_id == account.id and all(getattr(entry, k) == v for k, v in values.items()):  # type: ignore[attr-defined]
        return "unchanged"
    await save_changes(entry, {"account_id": account.id, **values})
    return "updated"


async def _account(peer: str, uri: str, username: str, inbox: str, document: dict[str, Any]) -> Account:
    """The Account for a pulled person: enough to show and follow them; the actor is fetched when needed."""
    endpoints = document.get("endpoints") if isinstance(document.get("endpoints"), dict) else {}
    shared = id_of(endpoints.get("sharedInbox")) or ""
    url = id_of(document.get("url")) or uri
    icon = document.get("icon")
    avatar = id_of(icon.get("url") if isinstance(icon, dict) else icon) or ""
    values = {
        "display_name": _text(document.get("name")),
        "url": url[:512],
        "inbox_url": inbox[:512],
        "shared_inbox_url": shared[:512] if host_of(shared) == peer else "",
        "avatar_remote_url": avatar[:1024],
        "discoverable": True,
    }
    account = await Account.get_or_none(uri=uri)
    if account is not None:
        changed = {k: v for k, v in values.items() if v and getattr(account, k) != v}
        if changed:
            await Account.filter(id=account.id).update(**changed)
            for name, value in changed.items():
                setattr(account, name, value)
        return account
    clash = await Account.get_or_none(username=username, domain=peer)
    if clash is not None:
        # As federation.actors.store_actor does: the handle now belongs to this actor.
        clash.username = f"{clash.username}~{clash.id}"
        await clash.save(update_fields=["username"])
    account = Account(uri=uri, username=username, domain=peer, actor_type="Person", **values)
    await account.save()
    return account
