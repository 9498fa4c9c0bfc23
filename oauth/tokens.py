"""Issuing and looking up access tokens."""

from __future__ import annotations

import secrets

from models.accounts import Account
from models.oauth import AccessToken, Application

CLI_APP_NAME = "Flurfunk command line"


def new_secret() -> str:
    return secrets.token_urlsafe(32)


async def issue_token(
    account: Account | None, application: Application | None, scopes: str, refresh: bool = True
) -> AccessToken:
    return await AccessToken.create(
        token=new_secret(),
        refresh_token=new_secret() if refresh else None,
        application=application,
        account=account,
        scopes=scopes,
    )


async def cli_application() -> Application:
    app = await Application.filter(name=CLI_APP_NAME).first()
    if app is None:
        app = Application(
            name=CLI_APP_NAME, scopes="read write follow push", client_id=new_secret(), client_secret=new_secret()
        )
        await app.save()
    return app
