"""Company single sign-on: the login page hands people to the company's OpenID Connect provider.

GET /oauth/oidc/start takes the same parameters as /oauth/authorize, checks them, and sends the
browser to the provider (authorization code flow with PKCE and a nonce). The pending Mastodon
authorisation travels in `state`, encrypted and signed with a key of this node (Fernet: the PKCE
verifier inside must stay secret, and nobody may swap the app or redirect URI), and a short-lived
cookie ties it to the browser that started (login CSRF, RFC 6749 §10.12).
GET /oauth/oidc/callback exchanges the code, checks the ID token (OIDC Core §3.1.3.7), finds
the account by the configured claim and finishes the Mastodon flow as a password login would.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
from authlib.oauth2.auth import ClientAuth
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri, prepare_token_request
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from cryptography.fernet import Fernet, InvalidToken
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from models.accounts import Account, User
from models.directory import WorkProfile
from oauth import authorize
from oauth.params import text
from settings import Settings

if TYPE_CHECKING:
    from joserfc.jwk import KeySet

log = logging.getLogger(__name__)

SCOPE = "openid profile email"
STATE_LIFETIME = 600  # seconds from the login page to the callback
COOKIE = "flurfunk_sso"
COOKIE_PATH = "/oauth/oidc"
CALLBACK_PATH = "/oauth/oidc/callback"
CLOCK_SKEW = 120  # seconds of leeway on iat/exp between this node and the provider


class SSOError(Exception):
    """The single sign-on cannot go on; the message is shown to the person."""


@dataclass(frozen=True)
class ProviderInfo:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str


def enabled(settings: Settings) -> bool:
    return bool(settings.oidc_issuer)


def callback_url(settings: Settings) -> str:
    return settings.base_url + CALLBACK_PATH


# ---- the sealed state -------------------------------------------------------------------------


def _state_key(data_dir: Path) -> bytes:
    """This node's key for sealing `state`, made on first use; it never leaves the data dir."""
    path = data_dir / "secrets" / "oidc-state.key"
    try:
        return path.read_bytes().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = Fernet.generate_key()
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: use theirs
        return path.read_bytes().strip()
    with os.fdopen(descriptor, "wb") as file:
        file.write(key)
    return key


def seal(data_dir: Path, pending: dict[str, Any]) -> str:
    return Fernet(_state_key(data_dir)).encrypt(json.dumps(pending).encode()).decode()


def unseal(data_dir: Path, state: str) -> dict[str, Any]:
    try:
        return json.loads(Fernet(_state_key(data_dir)).decrypt(state.encode(), ttl=STATE_LIFETIME))
    except (InvalidToken, ValueError):
        raise SSOError("The company login took too long or came back damaged. Please start again.") from None


# ---- the provider -----------------------------------------------------------------------------


async def _json(http: httpx.AsyncClient, url: str, **kwargs: Any) -> dict[str, Any]:
    try:
        response = await http.get(url, **kwargs)
        response.raise_for_status()
        body = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        log.warning("company login: %s failed: %s", url, exc)
        raise SSOError("The company login service cannot be reached right now.") from None
    if not isinstance(body, dict):
        raise SSOError("The company login service answered something unexpected.")
    return body


async def provider_info(request: Request) -> ProviderInfo:
    """The provider's metadata (OIDC Discovery), read once per app."""
    cached: ProviderInfo | None = getattr(request.app.state, "oidc_provider", None)
    if cached is not None:
        return cached
    settings: Settings = request.app.state.node.settings
    metadata = await _json(
        request.app.state.node.http, settings.oidc_issuer.rstrip("/") + "/.well-known/openid-configuration"
    )
    # OIDC Discovery §4.3: the metadata's issuer must be exactly the configured one.
    if metadata.get("issuer") != settings.oidc_issuer:
        log.warning("company login: issuer %r announces itself as %r", settings.oidc_issuer, metadata.get("issuer"))
        raise SSOError("The company login service is misconfigured (issuer mismatch).")
    try:
        info = ProviderInfo(
            issuer=metadata["issuer"],
            authorization_endpoint=metadata["authorization_endpoint"],
            token_endpoint=metadata["token_endpoint"],
            jwks_uri=metadata["jwks_uri"],
            userinfo_endpoint=metadata.get("userinfo_endpoint", ""),
        )
    except KeyError as exc:
        raise SSOError(f"The company login service's metadata lacks {exc.args[0]}.") from None
    request.app.state.oidc_provider = info
    return info


async def _key_set(request: Request, info: ProviderInfo, refresh: bool = False) -> KeySet:
    from joserfc.jwk import KeySet

    cached: KeySet | None = getattr(request.app.state, "oidc_keys", None)
    if cached is None or refresh:
        cached = KeySet.import_key_set(await _json(request.app.state.node.http, info.jwks_uri))  # type: ignore[arg-type]
        request.app.state.oidc_keys = cached
    return cached


def authorization_url(settings: Settings, info: ProviderInfo, state: str, nonce: str, verifier: str) -> str:
    return prepare_grant_uri(
        info.authorization_endpoint,
        settings.oidc_client_id,
        "code",
        redirect_uri=callback_url(settings),
        scope=SCOPE,
        state=state,
        nonce=nonce,
        code_challenge=create_s256_code_challenge(verifier),
        code_challenge_method="S256",
    )


async def exchange_code(request: Request, info: ProviderInfo, code: str, verifier: str) -> dict[str, Any]:
    """The provider's token response for our code (client_secret_basic, the OIDC default)."""
    settings: Settings = request.app.state.node.settings
    body = prepare_token_request(
        "authorization_code", code=code, redirect_uri=callback_url(settings), code_verifier=verifier
    )
    auth = ClientAuth(settings.oidc_client_id, settings.oidc_client_secret, "client_secret_basic")
    url, headers, body = auth.prepare(
        "POST", info.token_endpoint, {"Content-Type": "application/x-www-form-urlencoded"}, body
    )
    try:
        response = await request.app.state.node.http.post(url, headers=headers, content=body)
        tokens = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        log.warning("company login: code exchange failed: %s", exc)
        raise SSOError("The company login service cannot be reached right now.") from None
    if response.status_code != 200 or not isinstance(tokens, dict) or "access_token" not in tokens:
        log.warning("company login: code exchange refused: %s %s", response.status_code, response.text[:300])
        raise SSOError("The company login did not confirm who you are. Please start again.")
    return tokens


async def id_token_claims(request: Request, info: ProviderInfo, id_token: str, nonce: str) -> dict[str, Any]:
    """The ID token's claims once its signature, issuer, audience, expiry and nonce check out."""
    # joserfc is loaded on the first company login, not by every node at start (about 3 MB).
    from joserfc import jwt
    from joserfc.errors import JoseError

    settings: Settings = request.app.state.node.settings
    try:
        try:
            token = jwt.decode(id_token, await _key_set(request, info))
        except (JoseError, ValueError):
            # The provider may have rotated its keys since we read them: read them once more.
            token = jwt.decode(id_token, await _key_set(request, info, refresh=True))
        registry = jwt.JWTClaimsRegistry(
            leeway=CLOCK_SKEW,
            iss={"essential": True, "value": info.issuer},
            aud={"essential": True, "value": settings.oidc_client_id},
            sub={"essential": True},
            exp={"essential": True},
            nonce={"essential": True, "value": nonce},
        )
        registry.validate(token.claims)
    except (JoseError, ValueError) as exc:
        log.warning("company login: ID token refused: %s", exc)
        raise SSOError("The company login sent an identity this node cannot verify.") from None
    claims = dict(token.claims)
    # With several audiences, OIDC Core §3.1.3.7 (4, 5) asks that we be the authorized party.
    audience = claims.get("aud")
    if isinstance(audience, list) and len(audience) > 1 and claims.get("azp") != settings.oidc_client_id:
        raise SSOError("The company login sent an identity meant for another service.")
    return claims


async def _claims(request: Request, info: ProviderInfo, pending: dict[str, Any], code: str) -> dict[str, Any]:
    settings: Settings = request.app.state.node.settings
    tokens = await exchange_code(request, info, code, pending["verifier"])
    if "id_token" not in tokens:
        raise SSOError("The company login service sent no ID token (is it an OpenID Connect provider?).")
    claims = await id_token_claims(request, info, tokens["id_token"], pending["nonce"])
    # Providers often keep profile claims out of the ID token when an access token is issued
    # (OIDC Core §5.4); the userinfo endpoint has them.
    if settings.oidc_claim not in claims and info.userinfo_endpoint:
        headers = {"Authorization": f"Bearer {tokens['access_token']}"}
        userinfo = await _json(request.app.state.node.http, info.userinfo_endpoint, headers=headers)
        # OIDC Core §5.3.2: userinfo must be about the same person as the ID token.
        if userinfo.get("sub") != claims["sub"]:
            raise SSOError("The company login service answered about someone else.")
        claims = {**userinfo, **claims}
    return claims


# ---- matching the account ---------------------------------------------------------------------


async def match_account(value: str) -> Account | None:
    """The local person whose directory id, user name or e-mail address is `value`."""
    value = value.strip()
    if not value:
        return None
    # The company directory's own key first: it names the person even where a hand-made user name collides.
    profile = await WorkProfile.filter(external_id=value).prefetch_related("account").first()
    account = profile.account if profile is not None and not profile.account.domain else None
    if account is None:
        account = await Account.filter(username__iexact=value, domain="", actor_type="Person").first()
    if account is None and "@" in value:
        user = await User.filter(email__iexact=value).prefetch_related("account").first()
        account = user.account if user is not None else None
    if account is None or not await User.filter(account_id=account.id).exists():
        return None
    return account


def _claim_value(settings: Settings, claims: dict[str, Any]) -> str:
    value = claims.get(settings.oidc_claim)
    if not isinstance(value, str) or not value.strip():
        raise SSOError(f"The company login did not tell this node your {settings.oidc_claim}.")
    # An unverified address proves nothing about who owns it.
    if settings.oidc_claim == "email" and claims.get("email_verified") is False:
        raise SSOError("Your e-mail address is not verified with the company login.")
    return value


# ---- routes -----------------------------------------------------------------------------------


def _error(request: Request, message: str, status: int = 400) -> Response:
    return authorize.page(request, "oauth_error.html", status, message=message)


async def start(request: Request) -> Response:
    settings: Settings = request.app.state.node.settings
    if not enabled(settings):
        return _error(request, "This node has no company login.", 404)
    auth = await authorize.prepare(request, dict(request.query_params))
    if isinstance(auth, Response):
        return auth
    try:
        info = await provider_info(request)
    except SSOError as exc:
        return _error(request, str(exc), 502)
    nonce = secrets.token_urlsafe(24)
    verifier = secrets.token_urlsafe(48)
    state = seal(settings.data_dir, {"authorize": auth.hidden_fields(), "nonce": nonce, "verifier": verifier})
    url = authorization_url(settings, info, state, nonce, verifier)
    response = RedirectResponse(url, status_code=302, headers=authorize.PAGE_HEADERS)
    response.set_cookie(
        COOKIE,
        nonce,
        max_age=STATE_LIFETIME,
        path=COOKIE_PATH,
        secure=settings.scheme == "https",
        httponly=True,
        samesite="lax",  # the provider's redirect back is a top-level GET: lax cookies come along
    )
    return response


async def callback(request: Request) -> Response:
    settings: Settings = request.app.state.node.settings
    if not enabled(settings):
        return _error(request, "This node has no company login.", 404)
    params = dict(request.query_params)
    try:
        pending = unseal(settings.data_dir, text(params, "state"))
        if not hmac.compare_digest(request.cookies.get(COOKIE, ""), pending["nonce"]):
            raise SSOError("This company login was started in another browser. Please start again.")
        auth = await authorize.prepare(request, pending["authorize"])
        if isinstance(auth, Response):
            return auth
        if text(params, "error"):
            # The person said no (or could not log in) at the provider: the app hears access_denied, as from Deny.
            values = {"error": "access_denied", "error_description": text(params, "error_description")}
            return authorize.redirect_back(request, auth, values)
        info = await provider_info(request)
        if text(params, "iss") and text(params, "iss") != info.issuer:  # RFC 9207 mix-up defence
            raise SSOError("The company login answered from an unexpected issuer.")
        claims = await _claims(request, info, pending, text(params, "code"))
        value = _claim_value(settings, claims)
        account = await match_account(value)
        if account is None:
            raise SSOError(f"No account on {settings.domain} belongs to {settings.oidc_claim} {value!r}.")
        if account.suspended:
            raise SSOError("Your account on this node is suspended.")
    except SSOError as exc:
        response = _error(request, str(exc), 403)
        response.delete_cookie(COOKIE, path=COOKIE_PATH)
        return response
    response = await authorize.grant(request, auth, account.id)
    response.delete_cookie(COOKIE, path=COOKIE_PATH)
    return response
