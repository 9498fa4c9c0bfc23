"""POST /api/v1/apps (registering a client) and GET /api/v1/apps/verify_credentials."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from api.auth import Caller, scoped
from api.errors import APIError, unprocessable
from models.oauth import Application
from oauth import scopes
from oauth.params import request_params, text
from oauth.tokens import new_secret

OOB = "urn:ietf:wg:oauth:2.0:oob"
NAME_LIMIT = 60  # Mastodon's Application::APP_NAME_LIMIT
URI_LIMIT = 2000
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*$")
# Doorkeeper's forbid_redirect_uri in Mastodon: these would run script in the browser.
_FORBIDDEN_SCHEMES = {"javascript", "vbscript", "data"}


class InvalidRedirectURI(ValueError):
    pass


def check_redirect_uri(uri: str) -> None:
    """Any absolute URI without a fragment (custom schemes for native apps too), or the out-of-band URN."""
    if uri == OOB:
        return
    if len(uri) > URI_LIMIT:
        raise InvalidRedirectURI("Redirect URI is too long")
    parts = urlsplit(uri)
    if not parts.scheme or not _SCHEME.match(parts.scheme) or any(ch.isspace() for ch in uri):
        raise InvalidRedirectURI("Redirect URI must be an absolute URI.")
    if parts.scheme.lower() in _FORBIDDEN_SCHEMES:
        raise InvalidRedirectURI("Redirect URI is forbidden by the server.")
    if parts.fragment or uri.endswith("#"):
        raise InvalidRedirectURI("Redirect URI cannot contain a fragment.")
    if parts.scheme.lower() in ("http", "https") and not parts.netloc:
        raise InvalidRedirectURI("Redirect URI must be an absolute URI.")


def split_redirect_uris(value: object) -> list[str]:
    items = value if isinstance(value, list) else str(value or "").split()
    return [uri for item in items for uri in str(item).split() if uri]


def redirect_uris_of(app: Application) -> list[str]:
    return app.redirect_uris.split()


def application_entity(app: Application, credentials: bool = False) -> dict[str, Any]:
    entity: dict[str, Any] = {
        "id": str(app.id),
        "name": app.name,
        "website": app.website or None,
        "scopes": app.scopes.split(),
        "redirect_uri": app.redirect_uris,
        "redirect_uris": redirect_uris_of(app),
        # No Web Push here (yet); Mastodon sends its VAPID public key, and clients only need a string.
        "vapid_key": "",
    }
    if credentials:
        entity.update(client_id=app.client_id, client_secret=app.client_secret, client_secret_expires_at=0)
    return entity


async def create_app(request: Request) -> Response:
    params = await request_params(request)
    name = text(params, "client_name")
    if not name:
        raise unprocessable("Application name can't be blank")
    if len(name) > NAME_LIMIT:
        raise unprocessable(f"Application name is too long (maximum is {NAME_LIMIT} characters)")
    uris = split_redirect_uris(params.get("redirect_uris"))
    if not uris:
        raise unprocessable("Redirect URI can't be blank")
    try:
        for uri in uris:
            check_redirect_uri(uri)
    except InvalidRedirectURI as exc:
        raise unprocessable(str(exc)) from None
    try:
        requested = scopes.parse(params.get("scopes"))
    except scopes.ScopeError as exc:
        raise unprocessable(f"Scopes are invalid: {exc}") from None
    website = text(params, "website")
    if website and (urlsplit(website).scheme not in ("http", "https") or len(website) > URI_LIMIT):
        raise unprocessable("Website is invalid")
    app = Application(
        name=name,
        website=website or None,
        redirect_uris="\n".join(dict.fromkeys(uris)),
        scopes=" ".join(requested),
        client_id=new_secret(),
        client_secret=new_secret(),
    )
    await app.save()
    return JSONResponse(application_entity(app, credentials=True))


@scoped(None, user=False)
async def verify_credentials(request: Request) -> Response:
    caller: Caller = request.state.caller
    if caller.application is None:
        raise APIError(401, "The access token is invalid")
    return JSONResponse(application_entity(caller.application))
