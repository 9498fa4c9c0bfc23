"""OAuth 2 routes: app registration, the consent page, tokens, revocation, userinfo and server metadata."""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from oauth import apps, authorize, metadata, oidc, token, userinfo


def _both(path: str, endpoint, methods: list[str]) -> list[BaseRoute]:
    """The path with and without a trailing slash (Rails answers both; the /api catch-all would 404 one)."""
    return [Route(path, endpoint, methods=methods), Route(f"{path}/", endpoint, methods=methods)]


routes: list[BaseRoute] = [
    *_both("/api/v1/apps", apps.create_app, ["POST"]),
    *_both("/api/v1/apps/verify_credentials", apps.verify_credentials, ["GET"]),
    *_both("/oauth/authorize", authorize.authorize_page, ["GET"]),
    *_both("/oauth/authorize", authorize.authorize, ["POST"]),
    *_both("/oauth/token", token.token, ["POST"]),
    *_both("/oauth/revoke", token.revoke, ["POST"]),
    # OpenID Connect allows both (Core §5.3.1).
    *_both("/oauth/userinfo", userinfo.userinfo, ["GET", "POST"]),
    Route("/oauth/oidc/start", oidc.start, methods=["GET"]),
    Route("/oauth/oidc/callback", oidc.callback, methods=["GET"]),
    *_both("/.well-known/oauth-authorization-server", metadata.authorization_server, ["GET"]),
]
