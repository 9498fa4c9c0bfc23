"""Favourites, blocks and profile updates: local effects, then the activity for other nodes."""

from __future__ import annotations

from core.counters import bump
from core.feeds import remove_author_from_feed
from core.follows import remove_follow
from core.notifications import notify
from federation import documents, urls
from federation.delivery import enqueue
from federation.parse import PUBLIC
from models.accounts import Account
from models.directory import WorkProfile
from models.interactions import Favourite
from models.relationships import Block
from models.statuses import Status
from node import Node
from outbox.addressing import follower_inboxes, inbox_of


async def favourite(node: Node, account: Account, status: Status) -> None:
    uri = urls.new_activity(node.settings.base_url, account.username, "likes")
    _, created = await Favourite.get_or_create(account=account, status=status, defaults={"uri": uri})
    if not created:
        return
    await bump(Status, status.id, "favourites_count")
    author = await status.account
    await notify(author, account, "favourite", status)
    if not author.local:
        await enqueue(node, account, documents.activity("Like", uri, account, status.uri), [author.inbox_url])


async def unfavourite(node: Node, account: Account, status: Status) -> None:
    row = await Favourite.get_or_none(account_id=account.id, status_id=status.id)
    if row is None:
        return
    await row.delete()
    await bump(Status, status.id, "favourites_count", -1)
    author = await status.account
    if not author.local:
        like = documents.activity(
            "Like", row.uri or urls.new_activity(node.settings.base_url, account.username, "likes"), account, status.uri
        )
        undo = documents.activity(
            "Undo", urls.new_activity(node.settings.base_url, account.username, "undo"), account, like
        )
        await enqueue(node, account, undo, [author.inbox_url])


async def block(node: Node, account: Account, target: Account) -> None:
    uri = urls.new_activity(node.settings.base_url, account.username, "blocks")
    _, created = await Block.get_or_create(account=account, target_account=target, defaults={"uri": uri})
    if not created:
        return
    await remove_follow(account, target)
    await remove_follow(target, account)
    await remove_author_from_feed(account.id, target.id)
    if not target.local:
        await enqueue(node, account, documents.activity("Block", uri, account, target.uri), [target.inbox_url])


async def unblock(node: Node, account: Account, target: Account) -> None:
    row = await Block.get_or_none(account_id=account.id, target_account_id=target.id)
    if row is None:
        return
    await row.delete()
    if not target.local:
        blocked = documents.activity(
            "Block",
            row.uri or urls.new_activity(node.settings.base_url, account.username, "blocks"),
            account,
            target.uri,
        )
        undo = documents.activity(
            "Undo", urls.new_activity(node.settings.base_url, account.username, "undo"), account, blocked
        )
        await enqueue(node, account, undo, [target.inbox_url])


async def send_profile_update(node: Node, account: Account) -> None:
    work = await WorkProfile.get_or_none(account_id=account.id)
    person = documents.person(account, node.settings.base_url, work)
    activity = documents.activity(
        "Update", urls.new_activity(node.settings.base_url, account.username, "updates"), account, person, [PUBLIC], []
    )
    inboxes = await follower_inboxes(account)
    # Those we follow know us too (they show us as a follower); keep their copy current.
    for target in await Account.filter(followers_rel__account_id=account.id).exclude(domain=""):
        inboxes.add(inbox_of(target))
    await enqueue(node, account, activity, inboxes)
