"""Which inboxes an activity goes to: one per remote shared inbox, never one per follower."""

from __future__ import annotations

from tortoise.expressions import Subquery

from models.accounts import Account
from models.relationships import Follow
from models.statuses import Mention, Status


def inbox_of(account: Account) -> str:
    return account.shared_inbox_url or account.inbox_url


async def follower_inboxes(account: Account) -> set[str]:
    rows = (
        await Follow.filter(target_account_id=account.id)
        .exclude(account__domain="")
        .values_list("account__shared_inbox_url", "account__inbox_url")
    )
    return {shared or own for shared, own in rows}


async def status_inboxes(status: Status, author: Account) -> set[str]:
    """Everyone a status (or its deletion, or its edit) must reach on other nodes."""
    mentioned = await Account.filter(id__in=Subquery(Mention.filter(status_id=status.id).values("account_id"))).exclude(
        domain=""
    )
    inboxes = {inbox_of(a) for a in mentioned}
    if status.visibility != "direct":
        inboxes |= await follower_inboxes(author)
        if status.in_reply_to_account_id:
            parent_author = await Account.get_or_none(id=status.in_reply_to_account_id)
            if parent_author is not None and not parent_author.local:
                inboxes.add(inbox_of(parent_author))
        # Those who boosted it have followers who saw it; Mastodon sends them deletes and edits too.
        boosters = await Account.filter(
            id__in=Subquery(Status.filter(reblog_id=status.id).values("account_id"))
        ).exclude(domain="")
        inboxes |= {inbox_of(a) for a in boosters}
    return {i for i in inboxes if i}
