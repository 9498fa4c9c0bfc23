"""Blocking a whole domain for oneself (core/domain_blocks.py says what it hides)."""

from __future__ import annotations

from models.accounts import Account
from models.relationships import AccountDomainBlock, Follow, FollowRequest
from node import Node
from outbox.follows import remove_from_followers


async def block_domain(node: Node, account: Account, domain: str) -> None:
    """Block `domain` for `account`: its followers there are removed, each told with a Reject."""
    await AccountDomainBlock.get_or_create(account_id=account.id, domain=domain)
    followers = await Follow.filter(target_account_id=account.id, account__domain=domain).prefetch_related("account")
    for follow in followers:
        await remove_from_followers(node, account, follow.account)
    await FollowRequest.filter(target_account_id=account.id, account__domain=domain).delete()


async def unblock_domain(account: Account, domain: str) -> None:
    await AccountDomainBlock.filter(account_id=account.id, domain=domain).delete()
