"""Checking a user name (or e-mail) and password, with the failed-login slow-down."""

from __future__ import annotations

import math
from functools import cache

from tortoise.expressions import F

from core.passwords import check_password, hash_password
from models.accounts import User
from models.base import utcnow
from oauth.throttle import locked_until


@cache
def _nobody_hash() -> str:
    """Checking a dummy password when nobody matches keeps the answer time the same, so
    timing does not tell which user names exist. Made on first use, not at import."""
    return hash_password("nobody has this password")


class LoginFailed(Exception):
    pass


class LoginThrottled(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"Too many failed logins; try again in {retry_after} seconds")
        self.retry_after = retry_after


async def find_user(identifier: str) -> User | None:
    identifier = identifier.strip()
    if not identifier:
        return None
    # Mastodon logs in by e-mail; Flurfunk users often have none, so the user name works too.
    if "@" in identifier:
        return await User.filter(email__iexact=identifier).prefetch_related("account").first()
    return (
        await User.filter(account__username__iexact=identifier, account__domain="").prefetch_related("account").first()
    )


async def log_in(identifier: str, password: str, delay_seconds: float) -> User:
    """The user these credentials belong to; raises LoginFailed or LoginThrottled."""
    user = await find_user(identifier)
    if user is None or not user.password_hash:
        # As long as a real check, so that the answer's time tells nobody whether the name exists
        # or belongs to someone without a password (who signs in through single sign-on).
        check_password(_nobody_hash(), password)
        raise LoginFailed
    now = utcnow()
    until = locked_until(user.failed_logins, user.last_failed_login_at, delay_seconds)
    if until is not None and now < until:
        raise LoginThrottled(max(1, math.ceil((until - now).total_seconds())))
    if not check_password(user.password_hash, password):
        await User.filter(id=user.id).update(failed_logins=F("failed_logins") + 1, last_failed_login_at=utcnow())
        raise LoginFailed
    if user.account.suspended:
        raise LoginFailed
    if user.failed_logins:
        await User.filter(id=user.id).update(failed_logins=0, last_failed_login_at=None)
        user.failed_logins = 0
    return user
