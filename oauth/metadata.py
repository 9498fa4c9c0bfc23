"""GET /.well-known/oauth-authorization-server (RFC 8414), as Mastodon 4.3 serves it."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from oauth.scopes import ALL_SCOPES
from oauth.token import GRANTS


async def authorization_server(request: Request) -> Response:
    base = request.app.state.node.settings.base_url
    return JSONResponse(
        {
            "issuer": f"{base}/",
            "service_documentation": "https://docs.joinmastodon.org/",
            "authorization_endpoint": f"{base}/oauth/authorize",
            "token_endpoint": f"{base}/oauth/token",
            "app_registration_endpoint": f"{base}/api/v1/apps",
            "revocation_endpoint": f"{base}/oauth/revoke",
            "userinfo_endpoint": f"{base}/oauth/userinfo",
            "scopes_supported": list(ALL_SCOPES),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query", "fragment", "form_post"],
            # Mastodon lists password up to 4.3 (Mastodon.py refuses the password flow when it is missing).
            # Without local passwords the password grant is refused, so it is not announced either.
            "grant_types_supported": [
                grant for grant in GRANTS if grant != "password" or request.app.state.node.settings.local_passwords
            ],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
        },
        headers={"Access-Control-Allow-Origin": "*", "Cache-Control": "max-age=259200, public"},
    )
