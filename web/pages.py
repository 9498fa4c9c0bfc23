"""Public HTML pages: a person's profile and a post."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from core.accounts import avatar_url, local_account
from models.accounts import Account
from models.statuses import Status
from web.templating import templates


def _context(request: Request, **values: object) -> dict[str, object]:
    return {"node_domain": request.app.state.node.settings.domain, **values}


async def profile(request: Request, account: Account) -> Response:
    statuses = await Status.filter(account_id=account.id, visibility="public", reblog_id=None).order_by("-id").limit(20)
    base = request.app.state.node.settings.base_url
    return templates.TemplateResponse(
        request, "profile.html", _context(request, account=account, statuses=statuses, avatar=avatar_url(account, base))
    )


async def status(request: Request, status: Status) -> Response:
    author = await status.account
    base = request.app.state.node.settings.base_url
    return templates.TemplateResponse(
        request, "status.html", _context(request, status=status, author=author, avatar=avatar_url(author, base))
    )


async def profile_by_handle(request: Request) -> Response:
    account = await local_account(request.path_params["username"])
    if account is None:
        return JSONResponse({"error": "Record not found"}, status_code=404)
    # Servers asking for the profile URL get the actor document (Mastodon redirects the same way).
    if "json" in request.headers.get("accept", ""):
        return RedirectResponse(account.uri, status_code=302)
    return await profile(request, account)


async def status_by_handle(request: Request) -> Response:
    account = await local_account(request.path_params["username"])
    try:
        status_id = int(request.path_params["status_id"])
    except ValueError:
        status_id = 0
    found = await Status.get_or_none(id=status_id, account_id=account.id) if account else None
    if found is None or found.visibility not in ("public", "unlisted") or found.reblog_id:
        return JSONResponse({"error": "Record not found"}, status_code=404)
    if "json" in request.headers.get("accept", ""):
        return RedirectResponse(found.uri, status_code=302)
    return await status(request, found)
