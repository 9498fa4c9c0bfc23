"""GET and POST /oauth/userinfo: who the token stands for, as OpenID Connect claims (Mastodon 4.4).

Apps that only need to know who logged in (single sign-on with a Flurfunk account) ask for the
`profile` scope, which reads nothing else, and read the account from here. The claims are
Mastodon's: the issuer, the actor's URI as the subject, the display name, the user name, the
profile page and the avatar.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from api.auth import current_account, scoped
from core.accounts import avatar_url


@scoped("profile")
async def userinfo(request: Request) -> Response:
    account = current_account(request)
    base = request.app.state.node.settings.base_url
    return JSONResponse(
        {
            "iss": f"{base}/",
            "sub": account.uri,
            "name": account.display_name,
            "preferred_username": account.username,
            "profile": account.url,
            "picture": avatar_url(account, base),
        }
    )
