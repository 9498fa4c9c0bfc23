"""A person's own blocks of whole domains, as Mastodon's account domain blocks work (blocking
and unblocking: outbox/domain_blocks.py).

Blocking a domain hides its accounts' posts from the public and hashtag timelines and their
notifications, removes the followers one has there (each told with a Reject), and turns away
new follows from there. Follows of people there stay, and so do their posts at home: that is
what the Mastodon documentation promises ("does not remove existing follows").
"""

from __future__ import annotations

from urllib.parse import urlsplit

from tortoise.expressions import Subquery
from tortoise.queryset import QuerySet

from models.accounts import Account
from models.relationships import AccountDomainBlock


def normalized_domain(raw: str) -> str:
    """The domain as accounts are stored with it: lower case, with its port, without scheme or path."""
    value = raw.strip().lower()
    if "://" in value:
        value = urlsplit(value).netloc
    return value.split("/", 1)[0].rsplit("@", 1)[-1]


def accounts_on_blocked_domains(account_id: int) -> QuerySet:
    """The ids of accounts on the domains `account_id` blocks, for `__in=Subquery(...)`."""
    blocked = AccountDomainBlock.filter(account_id=account_id).values("domain")
    return Account.filter(domain__in=Subquery(blocked)).values("id")


async def blocks_domain(account_id: int, domain: str) -> bool:
    return bool(domain) and await AccountDomainBlock.exists(account_id=account_id, domain=domain)
