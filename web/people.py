"""The people search page (/people) and the remote-follow page (/authorize_interaction).

/people works without JavaScript: a GET form, result cards, and plain links for paging.
Each card's Follow button opens the person on the viewer's own node, as Mastodon's remote
follow does: `https://<your node>/authorize_interaction?uri=<actor>`. The page is served on
your own node by default; `home=<domain>` (a field of the form) sends follows elsewhere.

There is no browser session on a Flurfunk node (people use Mastodon apps), so
/authorize_interaction shows the person, how to follow them from an app, and a form that
follows them after checking the user's password, with the same slow-down as the OAuth login.
Like the profile pages, both pages are readable by anyone who reaches the node: nodes run on
the company network. The client API's people search needs a token.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from core.accounts import avatar_url
from models.accounts import Account
from models.directory import DirectoryEntry
from models.relationships import Follow, FollowRequest
from oauth.logins import LoginFailed, LoginThrottled, log_in
from outbox.follows import follow
from people.query import Query
from people.search import search_people
from web.templating import templates

PAGE_SIZE = 20
# A node domain as people type it: host, optionally with a port; nothing that could make the link go elsewhere.
DOMAIN = re.compile(r"[a-z0-9.-]+(:\d{1,5})?", re.IGNORECASE)


def _home(request: Request, raw: str | None) -> str:
    value = (raw or "").strip().lower().removeprefix("https://").removeprefix("http://").rstrip("/")
    return value if DOMAIN.fullmatch(value) else ""


def _follow_link(home_base: str, actor_uri: str) -> str:
    return f"{home_base}/authorize_interaction?{urlencode({'uri': actor_uri})}"


async def people_page(request: Request) -> Response:
    node = request.app.state.node
    params = request.query_params
    form = {name: (params.get(name) or "").strip() for name in ("q", "department", "location", "skill", "home")}
    home = _home(request, form["home"])
    home_base = f"https://{home}" if home else node.settings.base_url
    try:
        offset = max(0, int(params.get("offset") or 0))
    except ValueError:
        offset = 0
    query = Query.parse(form["q"], department=form["department"], location=form["location"], skill=form["skill"])
    searched = not query.empty
    ids = await search_people(query, PAGE_SIZE + 1, offset) if searched else []
    found = {e.id: e for e in await DirectoryEntry.filter(id__in=ids[:PAGE_SIZE]).prefetch_related("account")}
    base = node.settings.base_url
    cards = [
        {
            "entry": entry,
            "account": entry.account,
            "avatar": avatar_url(entry.account, base),
            "profile": entry.account.url or entry.account.uri,
            "follow": _follow_link(home_base, entry.actor_uri),
        }
        for entry in (found[i] for i in ids[:PAGE_SIZE] if i in found)
    ]
    kept = {k: v for k, v in form.items() if v}
    return templates.TemplateResponse(
        request,
        "people.html",
        {
            "node_domain": node.settings.domain,
            "form": form,
            "searched": searched,
            "cards": cards,
            "next": f"/people?{urlencode({**kept, 'offset': offset + PAGE_SIZE})}" if len(ids) > PAGE_SIZE else None,
            "prev": f"/people?{urlencode({**kept, 'offset': max(0, offset - PAGE_SIZE)})}" if offset else None,
        },
    )


async def _target(uri: str) -> tuple[Account | None, DirectoryEntry | None]:
    entry = await DirectoryEntry.get_or_none(actor_uri=uri, withdrawn=False)
    account = await Account.get_or_none(uri=uri, suspended=False)
    return account, entry


async def _interaction_page(request: Request, uri: str, status_code: int = 200, **extra: object) -> Response:
    node = request.app.state.node
    account, entry = await _target(uri)
    if account is None:
        status_code = 404
    return templates.TemplateResponse(
        request,
        "authorize_interaction.html",
        {
            "node_domain": node.settings.domain,
            "uri": uri,
            "account": account,
            "entry": entry,
            "handle": (account.acct() if account.domain else f"{account.username}@{node.settings.domain}")
            if account
            else "",
            "avatar": avatar_url(account, node.settings.base_url) if account else "",
            **extra,
        },
        status_code=status_code,
    )


async def authorize_interaction(request: Request) -> Response:
    return await _interaction_page(request, (request.query_params.get("uri") or "").strip())


async def follow_from_page(request: Request) -> Response:
    node = request.app.state.node
    form = await request.form()
    uri = str(form.get("uri") or "").strip()
    identifier = str(form.get("username") or "")
    target, _ = await _target(uri)
    if target is None:
        return await _interaction_page(request, uri)
    try:
        user = await log_in(identifier, str(form.get("password") or ""), node.settings.login_delay_seconds)
    except LoginFailed:
        return await _interaction_page(request, uri, 401, error="Invalid user name or password.", identifier=identifier)
    except LoginThrottled as exc:
        return await _interaction_page(request, uri, 429, error=str(exc), identifier=identifier)
    me = user.account
    if me.id == target.id:
        return await _interaction_page(request, uri, 422, error="That is you.", identifier=identifier)
    await follow(node, me, target)
    if await Follow.exists(account_id=me.id, target_account_id=target.id):
        outcome = "following"
    elif await FollowRequest.exists(account_id=me.id, target_account_id=target.id):
        outcome = "requested"
    else:
        outcome = "failed"
    return await _interaction_page(request, uri, outcome=outcome, me=me)


routes: list[BaseRoute] = [
    Route("/people", people_page, methods=["GET"]),
    Route("/authorize_interaction", authorize_interaction, methods=["GET"]),
    Route("/authorize_interaction", follow_from_page, methods=["POST"]),
]
