"""Creating local accounts: the Account with its key pair and the User that logs in."""

from __future__ import annotations

import re

from core.passwords import hash_password
from directory.entries import sync_account
from federation import urls
from federation.keys import generate_key_pair
from models.accounts import Account, User

USERNAME = re.compile(r"^[a-z0-9_]([a-z0-9_.-]{0,28}[a-z0-9_])?$")


class RegistrationError(Exception):
    pass


async def create_local_account(
    base_url: str,
    username: str,
    password: str | None,
    email: str = "",
    display_name: str = "",
    admin: bool = False,
) -> Account:
    username = username.strip()
    if not USERNAME.match(username.lower()) or username.lower() == urls.INSTANCE_ACTOR_USERNAME:
        raise RegistrationError(
            f"{username!r} is not a valid user name: use letters, digits, '_', '.' or '-' (at most 30)"
        )
    if await Account.filter(username__iexact=username, domain="").exists():
        raise RegistrationError(f"a user named {username!r} exists already")
    # None: no password at all, for people who sign in through the company's single sign-on
    # (directory imports). An empty hash never matches (core.passwords.check_password).
    if password is not None and len(password) < 8:
        raise RegistrationError("the password must have at least 8 characters")
    private_pem, public_pem = generate_key_pair()
    name = username.lower()
    account = Account(
        username=name,
        domain="",
        display_name=display_name or username,
        uri=urls.actor(base_url, name),
        url=urls.profile_page(base_url, name),
        inbox_url=urls.inbox(base_url, name),
        shared_inbox_url=urls.shared_inbox(base_url),
        outbox_url=urls.outbox(base_url, name),
        followers_url=urls.followers(base_url, name),
        following_url=urls.following(base_url, name),
        featured_url=urls.featured(base_url, name),
        key_id=urls.key_id(base_url, name),
        public_key_pem=public_pem,
        private_key_pem=private_pem,
    )
    await account.save()
    password_hash = hash_password(password) if password is not None else ""
    await User.create(account=account, email=email, password_hash=password_hash, admin=admin)
    # Everyone is in the company directory from the start (unless they later opt out or leave).
    await sync_account(account, base_url.split("://", 1)[1])
    return account
