"""POST /oauth/token (four grant types) and POST /oauth/revoke, with OAuth's error bodies (RFC 6749 §5.2)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import timedelta
from typing import Any
from urllib.parse import unquote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from models.base import utcnow
from models.oauth import AccessToken, Application, AuthorizationCode
from oauth import scopes
from oauth.logins import LoginFailed, LoginThrottled, log_in
from oauth.params import request_params, text
from oauth.tokens import issue_token

CODE_LIFETIME = timedelta(minutes=10)  # Doorkeeper's authorization_code_expires_in default, kept by Mastodon
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
# Doorkeeper's wording, which clients show to people.
INVALID_GRANT = (
    "The provided authorization grant is invalid, expired, revoked, does not match the redirection URI "
    "used in the authorization request, or was issued to another client."
)


class OAuthError(Exception):
    def __init__(self, status: int, error: str, description: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description
        self.headers = headers or {}

    def response(self) -> JSONResponse:
        body = {"error": self.error, "error_description": self.description}
        return JSONResponse(body, status_code=self.status, headers={**NO_STORE, **self.headers})


def invalid_client() -> OAuthError:
    return OAuthError(
        401,
        "invalid_client",
        "Client authentication failed due to unknown client, no client authentication included, "
        "or unsupported authentication method.",
        {"WWW-Authenticate": 'Basic realm="Doorkeeper"'},
    )


def client_credentials(request: Request, params: dict[str, Any]) -> tuple[str, str | None]:
    """client_secret_basic (the Authorization header) or client_secret_post (the body)."""
    header = request.headers.get("authorization", "")
    if header[:6].lower() == "basic ":
        try:
            decoded = base64.b64decode(header[6:].strip()).decode()
            client_id, _, secret = decoded.partition(":")
            return unquote(client_id), unquote(secret)
        except (ValueError, UnicodeDecodeError):
            raise invalid_client() from None
    return text(params, "client_id"), text(params, "client_secret") or None


async def authenticate_client(request: Request, params: dict[str, Any], secret_required: bool = True) -> Application:
    client_id, secret = client_credentials(request, params)
    app = await Application.get_or_none(client_id=client_id) if client_id else None
    if app is None:
        raise invalid_client()
    if secret is None:
        if secret_required:
            raise invalid_client()
    elif not hmac.compare_digest(secret.encode(), app.client_secret.encode()):
        raise invalid_client()
    return app


def requested_scopes(params: dict[str, Any], app: Application, default: str = scopes.DEFAULT_SCOPES) -> str:
    try:
        wanted = scopes.parse(params.get("scope") or params.get("scopes"), default)
    except scopes.ScopeError:
        wanted = []
    if not wanted or not scopes.within(wanted, app.scopes):
        raise OAuthError(
            400,
            "invalid_scope",
            "The requested scope is invalid, unknown, or malformed.",
        )
    return " ".join(wanted)


def pkce_matches(verifier: str, challenge: str) -> bool:
    """RFC 7636 §4.6 for S256, the only method Mastodon offers."""
    digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
    computed = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    return hmac.compare_digest(computed, challenge)


async def _authorization_code(request: Request, params: dict[str, Any]) -> AccessToken:
    code = await AuthorizationCode.get_or_none(code=text(params, "code")) if text(params, "code") else None
    # A client holding a PKCE verifier needs no secret (RFC 7636 public clients); without PKCE it must send one.
    app = await authenticate_client(request, params, secret_required=not (code and code.code_challenge))
    if code is None or code.application_id != app.id or code.used or utcnow() - code.created_at > CODE_LIFETIME:
        raise OAuthError(400, "invalid_grant", INVALID_GRANT)
    redirect_uri = text(params, "redirect_uri")
    if redirect_uri and redirect_uri != code.redirect_uri:
        raise OAuthError(400, "invalid_grant", INVALID_GRANT)
    if code.code_challenge:
        verifier = text(params, "code_verifier")
        if not verifier or not pkce_matches(verifier, code.code_challenge):
            raise OAuthError(400, "invalid_grant", INVALID_GRANT)
    # Single use even when two requests race: only one of them flips the flag.
    if not await AuthorizationCode.filter(id=code.id, used=False).update(used=True):
        raise OAuthError(400, "invalid_grant", INVALID_GRANT)
    account = await code.account
    return await issue_token(account, app, code.scopes)


async def _password(request: Request, params: dict[str, Any]) -> AccessToken:
    app = await authenticate_client(request, params)
    settings = request.app.state.node.settings
    if not settings.local_passwords:
        raise OAuthError(
            400,
            "unsupported_grant_type",
            f"Passwords are switched off on this node: log in through /oauth/authorize with {settings.oidc_name}.",
        )
    wanted = requested_scopes(params, app)
    try:
        user = await log_in(
            text(params, "username"),
            str(params.get("password") or ""),
            request.app.state.node.settings.login_delay_seconds,
        )
    except LoginThrottled as exc:
        raise OAuthError(429, "too_many_requests", str(exc), {"Retry-After": str(exc.retry_after)}) from None
    except LoginFailed:
        raise OAuthError(400, "invalid_grant", INVALID_GRANT) from None
    account = await user.account
    return await issue_token(account, app, wanted)


async def _client_credentials(request: Request, params: dict[str, Any]) -> AccessToken:
    app = await authenticate_client(request, params)
    # An app token acts for nobody and has no refresh token (Doorkeeper issues none for this grant).
    return await issue_token(None, app, requested_scopes(params, app), refresh=False)


async def _refresh_token(request: Request, params: dict[str, Any]) -> AccessToken:
    app = await authenticate_client(request, params)
    refresh = text(params, "refresh_token")
    old = await AccessToken.get_or_none(refresh_token=refresh, revoked_at=None) if refresh else None
    if old is None or old.application_id != app.id:
        raise OAuthError(400, "invalid_grant", INVALID_GRANT)
    wanted = requested_scopes(params, app, default=old.scopes) if params.get("scope") else old.scopes
    if not scopes.within(wanted.split(), old.scopes):
        raise OAuthError(400, "invalid_scope", "The requested scope is more than the refresh token grants.")
    # Rotation: the old pair stops working as soon as the new one exists (refresh token reuse fails).
    if not await AccessToken.filter(id=old.id, revoked_at=None).update(revoked_at=utcnow()):
        raise OAuthError(400, "invalid_grant", INVALID_GRANT)
    account = await old.account
    return await issue_token(account, app, wanted)


GRANTS = {
    "authorization_code": _authorization_code,
    "password": _password,
    "client_credentials": _client_credentials,
    "refresh_token": _refresh_token,
}


def token_entity(token: AccessToken) -> dict[str, Any]:
    entity: dict[str, Any] = {
        "access_token": token.token,
        "token_type": "Bearer",
        "scope": token.scopes,
        "created_at": int(token.created_at.timestamp()),
    }
    if token.refresh_token:
        entity["refresh_token"] = token.refresh_token
    return entity


async def token(request: Request) -> Response:
    params = await request_params(request)
    grant = GRANTS.get(text(params, "grant_type"))
    try:
        if grant is None:
            raise OAuthError(
                400,
                "unsupported_grant_type",
                "The authorization grant type is not supported by the authorization server.",
            )
        issued = await grant(request, params)
    except OAuthError as exc:
        return exc.response()
    return JSONResponse(token_entity(issued), headers=NO_STORE)


async def revoke(request: Request) -> Response:
    """RFC 7009: access or refresh token; unknown tokens are not an error (the client's goal is met)."""
    params = await request_params(request)
    try:
        app = await authenticate_client(request, params)
    except OAuthError as exc:
        return exc.response()
    value = text(params, "token")
    found = None
    if value:
        found = await AccessToken.get_or_none(token=value) or await AccessToken.get_or_none(refresh_token=value)
    if found is not None:
        if found.application_id != app.id:
            return OAuthError(403, "unauthorized_client", "You are not authorized to revoke this token.").response()
        if found.revoked_at is None:
            await AccessToken.filter(id=found.id).update(revoked_at=utcnow())
    return JSONResponse({})
