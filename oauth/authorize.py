"""GET/POST /oauth/authorize: the login and consent page of the authorisation-code flow.

Flurfunk keeps no browser session, so every authorisation asks for the password, or goes
through the company's single sign-on (oauth/oidc.py) when the node has one; the form works
without JavaScript. Problems with the client or its redirect URI are shown
on the page (RFC 6749 §4.1.2.1 forbids redirecting to an unverified URI); anything
else goes back to the app as ?error=...
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from models.oauth import Application, AuthorizationCode
from oauth import scopes
from oauth.apps import OOB, redirect_uris_of
from oauth.logins import LoginFailed, LoginThrottled, log_in
from oauth.params import request_params, text
from oauth.tokens import new_secret
from web.templating import templates

SCOPE_LABELS = {
    "read": "Read all your account's data",
    "write": "Modify all your account's data",
    "follow": "Follow, mute and block accounts",
    "push": "Receive your push notifications",
    "profile": "Read only your account's profile information",
    "admin:read": "Read all data on the server",
    "admin:write": "Moderate accounts and change server data",
}
# The login page must not be framed by another site (clickjacking the consent button).
PAGE_HEADERS = {
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'",
    "Cache-Control": "no-store",
}


class PageError(Exception):
    """Shown on the page: the client or redirect URI cannot be trusted."""


class RedirectError(Exception):
    """Sent back to the verified redirect URI as ?error=..."""

    def __init__(self, redirect_uri: str, error: str, description: str) -> None:
        super().__init__(description)
        self.redirect_uri = redirect_uri
        self.error = error
        self.description = description


@dataclass(frozen=True)
class AuthRequest:
    app: Application
    redirect_uri: str
    scopes: list[str]
    state: str
    code_challenge: str
    code_challenge_method: str

    def hidden_fields(self) -> dict[str, str]:
        fields = {
            "response_type": "code",
            "client_id": self.app.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": " ".join(self.scopes),
            "state": self.state,
        }
        if self.code_challenge:
            fields.update(code_challenge=self.code_challenge, code_challenge_method=self.code_challenge_method)
        return fields


def scope_label(scope: str) -> str:
    if scope in SCOPE_LABELS:
        return SCOPE_LABELS[scope]
    *parents, what = scope.split(":")
    verb = "Read" if parents[-1] == "read" else "Modify"
    prefix = "server " if parents[0] == "admin" else "your "
    return f"{verb} {prefix}{what.replace('_', ' ')}"


async def parse_request(params: dict[str, Any]) -> AuthRequest:
    client_id = text(params, "client_id")
    app = await Application.get_or_none(client_id=client_id) if client_id else None
    if app is None:
        raise PageError("Client authentication failed: the application is unknown.")
    registered = redirect_uris_of(app)
    redirect_uri = text(params, "redirect_uri") or (registered[0] if len(registered) == 1 else "")
    if redirect_uri not in registered:
        raise PageError("The redirect URI is not one this application registered.")
    if text(params, "response_type") != "code":
        raise RedirectError(redirect_uri, "unsupported_response_type", "Only response_type=code is supported.")
    try:
        requested = scopes.parse(params.get("scope") or params.get("scopes"))
    except scopes.ScopeError as exc:
        raise RedirectError(redirect_uri, "invalid_scope", str(exc)) from None
    if not scopes.within(requested, app.scopes):
        raise RedirectError(
            redirect_uri, "invalid_scope", "The requested scope is more than the application registered."
        )
    challenge = text(params, "code_challenge")
    method = text(params, "code_challenge_method")
    # Mastodon 4.3 announces S256 only; `plain` (the default when no method is given) is refused.
    if challenge and method != "S256":
        raise RedirectError(redirect_uri, "invalid_request", "code_challenge_method must be S256.")
    return AuthRequest(app, redirect_uri, requested, text(params, "state"), challenge, method if challenge else "")


def redirect_with(redirect_uri: str, values: dict[str, str]) -> str:
    query = urlencode({key: value for key, value in values.items() if value})
    return f"{redirect_uri}{'&' if '?' in redirect_uri else '?'}{query}"


def page(request: Request, name: str, status: int = 200, **values: object) -> Response:
    context = {"node_domain": request.app.state.node.settings.domain, **values}
    return templates.TemplateResponse(request, name, context, status_code=status, headers=PAGE_HEADERS)


def _consent_page(
    request: Request, auth: AuthRequest, status: int = 200, error: str = "", identifier: str = ""
) -> Response:
    settings = request.app.state.node.settings
    return page(
        request,
        "authorize.html",
        status,
        app=auth.app,
        scopes=[(scope, scope_label(scope)) for scope in auth.scopes],
        fields=auth.hidden_fields(),
        error=error,
        identifier=identifier,
        local_passwords=settings.local_passwords,
        sso_name=settings.oidc_name if settings.oidc_issuer else "",
        sso_url=f"/oauth/oidc/start?{urlencode(auth.hidden_fields())}",
    )


async def prepare(request: Request, params: dict[str, Any]) -> AuthRequest | Response:
    try:
        return await parse_request(params)
    except PageError as exc:
        return page(request, "oauth_error.html", 400, message=str(exc))
    except RedirectError as exc:
        if exc.redirect_uri == OOB:
            return page(request, "oauth_error.html", 400, message=exc.description)
        values = {"error": exc.error, "error_description": exc.description, "state": text(params, "state")}
        return RedirectResponse(redirect_with(exc.redirect_uri, values), status_code=302)


async def authorize_page(request: Request) -> Response:
    auth = await prepare(request, await request_params(request))
    if isinstance(auth, Response):
        return auth
    return _consent_page(request, auth)


async def authorize(request: Request) -> Response:
    params = await request_params(request)
    auth = await prepare(request, params)
    if isinstance(auth, Response):
        return auth
    if text(params, "decision") == "deny":
        return redirect_back(request, auth, {"error": "access_denied"})
    settings = request.app.state.node.settings
    if not settings.local_passwords:
        return _consent_page(
            request, auth, 403, f"Passwords are switched off on this node: sign in with {settings.oidc_name}."
        )
    identifier = text(params, "username")
    try:
        user = await log_in(
            identifier, str(params.get("password") or ""), request.app.state.node.settings.login_delay_seconds
        )
    except LoginThrottled as exc:
        response = _consent_page(
            request, auth, 429, f"Too many failed logins. Try again in {exc.retry_after} seconds.", identifier
        )
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except LoginFailed:
        return _consent_page(request, auth, 401, "Invalid user name, e-mail or password.", identifier)
    return await grant(request, auth, user.account_id)


def redirect_back(request: Request, auth: AuthRequest, values: dict[str, str]) -> Response:
    """An answer for the app at its verified redirect URI (an error page for out-of-band apps)."""
    if auth.redirect_uri == OOB:
        return page(request, "oauth_error.html", 400, message=values.get("error_description") or values["error"])
    return RedirectResponse(redirect_with(auth.redirect_uri, {**values, "state": auth.state}), status_code=302)


async def grant(request: Request, auth: AuthRequest, account_id: int) -> Response:
    """The person is known and agreed: an authorisation code for the app (by password or company login)."""
    code = await AuthorizationCode.create(
        code=new_secret(),
        application=auth.app,
        account_id=account_id,
        scopes=" ".join(auth.scopes),
        redirect_uri=auth.redirect_uri,
        code_challenge=auth.code_challenge or None,
        code_challenge_method=auth.code_challenge_method or None,
    )
    if auth.redirect_uri == OOB:
        return page(request, "oauth_code.html", app=auth.app, code=code.code)
    return RedirectResponse(redirect_with(auth.redirect_uri, {"code": code.code, "state": auth.state}), status_code=302)
