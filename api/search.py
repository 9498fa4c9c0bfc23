"""Client API: search (accounts, statuses, hashtags; resolving handles and URLs on other nodes) and tags.

Follows Mastodon 4.3's SearchService: which categories a query is searched in depends on its
shape (`#tag`, `user@domain`, a URL, words), and resolving over the network needs a user token.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route
from tortoise.expressions import Q, Subquery
from tortoise.functions import Length

from api.auth import scoped, viewer
from api.errors import APIError
from api.pagination import parse_limit
from api.params import query_flag
from api.serializers.accounts import account_entity
from api.serializers.statuses import StatusSerializer
from api.serializers.tags import tag_entities
from api.timelines import normalize_tag, without_ignored
from core.visibility import can_see
from federation import urls
from federation.actors import fetch_actor
from federation.errors import FederationError
from federation.notes import fetch_note
from models.accounts import Account
from models.directory import DirectoryEntry
from models.relationships import Block, Follow
from models.statuses import Mention, Status, Tag
from node import Node
from people.query import Query
from people.search import search_people
from webfinger.resolve import find_account

RESULTS_LIMIT = 20
CATEGORIES = ("accounts", "statuses", "hashtags")
# Mastodon's Tag::HASHTAG_NAME_RE: word characters, not all of them digits.
HASHTAG_NAME = re.compile(r"[\w·\u200c]*[^\W\d][\w·\u200c]*")
# Paths that usually name a post rather than an actor: fetch them as a post first.
POST_PATH = re.compile(r"/(statuses|notes|objects|posts|p)/|/\d+/?$")

Found = tuple[list[Account], list[Status], list[Tag]]


def _offset(raw: str | None) -> int:
    match = re.match(r"\s*\+?(\d+)", raw or "")
    return int(match.group(1)) if match else 0


def _without_blocks(query: Any, me: Account | None) -> Any:
    if me is None:
        return query
    return query.exclude(id__in=Subquery(Block.filter(account_id=me.id).values("target_account_id"))).exclude(
        id__in=Subquery(Block.filter(target_account_id=me.id).values("account_id"))
    )


async def search_accounts(
    node: Node, query: str, me: Account | None, limit: int, offset: int, resolve: bool, following: bool
) -> list[Account]:
    """An exact handle first (resolved on its node when asked), then prefix matches, best known first."""
    term = query.strip().lstrip("@")
    username, _, domain = term.partition("@")
    domain = domain.lower()
    if domain == node.settings.domain:
        domain = ""
    if not username:
        return []

    exact: Account | None = None
    if offset == 0:
        try:
            exact = await find_account(node, username, domain or None, resolve=resolve)
        except FederationError:
            exact = None  # a blocked or unreachable domain: still search what we know

    # Tortoise's exclude(a=, b=) negates each condition on its own; the Q keeps "not (a and b)".
    node_actor = Q(username=urls.INSTANCE_ACTOR_USERNAME) & Q(domain="")
    candidates = Account.filter(suspended=False).exclude(node_actor)
    if "@" in term:
        candidates = candidates.filter(username__istartswith=username, domain__istartswith=domain)
    else:
        candidates = candidates.filter(Q(username__istartswith=username) | Q(display_name__icontains=username))
    candidates = _without_blocks(candidates, me)
    if following and me is not None:
        candidates = candidates.filter(id__in=Subquery(Follow.filter(account_id=me.id).values("target_account_id")))
    found = list(await candidates.order_by("-followers_count", "username").offset(offset).limit(limit))
    if offset == 0 and not following and "@" not in term and len(found) < limit:
        found += await _directory_people(term, me, [a.id for a in found], limit - len(found))

    if exact is not None and not exact.suspended:
        allowed = await _without_blocks(Account.filter(id=exact.id), me).exists()
        if following and me is not None:
            allowed = allowed and await Follow.exists(account_id=me.id, target_account_id=exact.id)
        if allowed:
            found = [exact, *(a for a in found if a.id != exact.id)][:limit]
    return found


async def _directory_people(term: str, me: Account | None, known: list[int], room: int) -> list[Account]:
    """Colleagues anywhere in the company found by name, department, title or skill (issue 4), best first."""
    query = Query.parse(term)
    if query.empty:
        return []
    entry_ids = await search_people(query, room + len(known))
    owners = dict(await DirectoryEntry.filter(id__in=entry_ids).values_list("id", "account_id"))
    ranked = [owners[i] for i in entry_ids if i in owners and owners[i] not in known]
    allowed = {a.id: a for a in await _without_blocks(Account.filter(id__in=ranked, suspended=False), me)}
    return [allowed[i] for i in ranked if i in allowed][:room]


async def search_statuses(request: Request, query: str, me: Account, limit: int, offset: int) -> list[Status]:
    """Case-insensitive substring search over the statuses `me` may see (no full-text index needed)."""
    visible = (
        Q(visibility__in=("public", "unlisted"))
        | Q(account_id=me.id)
        | Q(id__in=Subquery(Mention.filter(account_id=me.id).values("status_id")))
        | Q(visibility="private", account_id__in=Subquery(Follow.filter(account_id=me.id).values("target_account_id")))
    )
    statuses = Status.filter(visible, Q(content__icontains=query) | Q(text__icontains=query), reblog_id=None)
    statuses = without_ignored(statuses.filter(account__suspended=False), me)
    params = request.query_params
    if (account_id := params.get("account_id", "")).isdigit():
        statuses = statuses.filter(account_id=int(account_id))
    if (min_id := params.get("min_id", "")).isdigit():
        statuses = statuses.filter(id__gt=int(min_id))
    if (max_id := params.get("max_id", "")).isdigit():
        statuses = statuses.filter(id__lt=int(max_id))
    return list(await statuses.order_by("-id").offset(offset).limit(limit))


async def search_hashtags(query: str, limit: int, offset: int, exclude_unreviewed: bool) -> list[Tag]:
    """Prefix matches, shortest first, the exact one at the top (Mastodon's TagSearchService)."""
    term = normalize_tag(query)
    if not HASHTAG_NAME.fullmatch(term):
        return []
    tags = Tag.filter(name__startswith=term)
    if exclude_unreviewed:
        # No tag is ever reviewed here; Mastodon still lets the exact match through.
        tags = tags.filter(name=term)
    found = list(
        await tags.annotate(name_length=Length("name")).order_by("name_length", "name").offset(offset).limit(limit)
    )
    if offset == 0:
        exact = next((t for t in found if t.name == term), None)
        if exact is not None:
            found = [exact, *(t for t in found if t is not exact)]
    return found


def _looks_like_post(url: str) -> bool:
    return bool(POST_PATH.search(urlsplit(url).path))


async def resolve_url(node: Node, url: str, me: Account | None, fetch: bool) -> Account | Status | None:
    """What a URL names: a status or account known here, else (when `fetch`) fetched from its node."""
    status = await Status.filter(Q(uri=url) | Q(url=url)).first()
    if status is not None:
        return status if await can_see(status, me) else None
    account = await Account.filter(Q(uri=url) | Q(url=url), suspended=False).first()
    if account is not None:
        return account
    if not fetch or urlsplit(url).netloc.lower() == node.settings.domain:
        return None
    # One of the two fetches fails on the other kind of document; try the likelier kind first.
    attempts = (fetch_note, fetch_actor) if _looks_like_post(url) else (fetch_actor, fetch_note)
    for attempt in attempts:
        try:
            found = await attempt(node, url)
        except FederationError:
            continue
        if isinstance(found, Status):
            return found if await can_see(found, me) else None
        return found if not found.suspended else None
    return None


async def _search(request: Request) -> Found:
    params = request.query_params
    query = (params.get("q") or "").strip()
    if not query:
        # Rails' params.require(:q), which Mastodon answers with 400.
        raise APIError(400, "param is missing or the value is empty: q")
    me = viewer(request)
    resolve = query_flag(request, "resolve")
    if me is None and resolve:
        raise APIError(401, "Search queries that resolve remote resources are not supported without authentication")
    if me is None and params.get("offset"):
        raise APIError(401, "Search queries pagination is not supported without authentication")

    node: Node = request.app.state.node
    limit = parse_limit(params.get("limit"), RESULTS_LIMIT, 2 * RESULTS_LIMIT)
    kind = params.get("type") or None
    offset = _offset(params.get("offset")) if kind else 0  # Mastodon: offset only applies with a type
    accounts: list[Account] = []
    statuses: list[Status] = []
    hashtags: list[Tag] = []
    if limit == 0:
        return accounts, statuses, hashtags

    if re.match(r"https?://", query):
        found = None if offset else await resolve_url(node, query, me, fetch=resolve)
        if isinstance(found, Account) and kind in (None, "accounts"):
            accounts = [found]
        elif isinstance(found, Status) and kind in (None, "statuses"):
            statuses = [found]
        return accounts, statuses, hashtags

    # Which categories a query is searched in depends on its shape, as in Mastodon's SearchService.
    # An unknown `type` searches none of them: Mastodon answers 200 with empty lists, not an error.
    has_at, has_space = "@" in query, " " in query
    if kind in (None, "accounts") and not (query.startswith("#") or (has_at and has_space)):
        following = query_flag(request, "following")
        accounts = await search_accounts(node, query, me, limit, offset, resolve, following)
    if kind in (None, "statuses") and me is not None and not ((query.startswith("#") or has_at) and not has_space):
        statuses = await search_statuses(request, query, me, limit, offset)
    if kind in (None, "hashtags") and not has_at:
        hashtags = await search_hashtags(query, limit, offset, query_flag(request, "exclude_unreviewed"))
    return accounts, statuses, hashtags


@scoped("read:search", optional=True)
async def search(request: Request) -> JSONResponse:
    accounts, statuses, hashtags = await _search(request)
    me = viewer(request)
    base = request.app.state.node.settings.base_url
    return JSONResponse(
        {
            "accounts": [account_entity(a, base) for a in accounts],
            "statuses": await StatusSerializer(base, me).many(statuses),
            "hashtags": await tag_entities(hashtags, base, with_following=me is not None),
        }
    )


routes: list[BaseRoute] = [
    Route("/api/v2/search", search, methods=["GET"]),
    # Removed from Mastodon in 3.0; old clients still call it, so it answers like v2.
    Route("/api/v1/search", search, methods=["GET"]),
]
