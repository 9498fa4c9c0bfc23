"""Which inboxes an activity goes to: one per remote shared inbox, never one per follower."""

from __future__ import annotations

from tortoise.expressions import Subquery

from models.accounts import Account
from models.reads import rows
from models.statuses import Mention, Status

# Fixed SQL text: asked for every post, and on SQLite read on the event loop's thread
# (models.reads) instead of queued behind the delivery worker's queries on aiosqlite's.
_FOLLOWER_INBOXES = (
    "SELECT a.shared_inbox_url, a.inbox_url FROM follows f JOIN accounts a ON a.id = f.account_id"
    " WHERE f.target_account_id = ? AND a.domain <> ''"
)


def inbox_of(account: Account) -> str:
    return account.shared_inbox_url or account.inbox_url


async def follower_inboxes(account: Account) -> set[str]:
    return {row["shared_inbox_url"] or row["inbox_url"] for row in await rows(_FOLLOWER_INBOXES, [account.id])}


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


async def new_status_inboxes(
    status: Status, author: Account, mentioned: list[Account], parent_author: Account | None
) -> set[str]:
    """status_inboxes for a status just made, from what its maker knows: nobody can have
    boosted it yet, and its mentions and the author it replies to are at hand."""
    inboxes = {inbox_of(a) for a in mentioned if a.domain}
    if status.visibility != "direct":
        inboxes |= await follower_inboxes(author)
        if parent_author is not None and not parent_author.local:
            inboxes.add(inbox_of(parent_author))
    return {i for i in inboxes if i}
