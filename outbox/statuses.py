"""Posting, editing, deleting and boosting: the local effects and the activities that carry them out."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from tortoise.transactions import in_transaction

from core.conversations import record_direct
from core.counters import HeldBumps, bump, held_bumps
from core.events import Event, held, publish_all
from core.feeds import announce_edit, fan_out
from core.notifications import notify
from core.polls import PollSpec, create_poll
from core.statuses import apply_edit, delete_status_everywhere
from core.text import Composed, compose
from federation import documents, urls
from federation.delivery import enqueue
from federation.parse import PUBLIC
from models.accounts import Account
from models.base import utcnow
from models.db import database
from models.ids import new_id
from models.polls import Poll
from models.reads import rows
from models.statuses import MediaAttachment, Mention, Status, StatusTag, Tag
from node import Node
from outbox.addressing import follower_inboxes, inbox_of, new_status_inboxes, status_inboxes
from webfinger.resolve import find_account


async def note_document(node: Node, status: Status) -> dict:
    """The Note for a local status, loading what it needs."""
    author = await status.account
    mentioned = list(await Account.filter(mentioned_in__status_id=status.id))
    hashtags = [t.display_name or t.name for t in await Tag.filter(status_tags__status_id=status.id)]
    media = list(await MediaAttachment.filter(status_id=status.id).order_by("id"))
    parent_uri = status.in_reply_to_uri
    poll = await Poll.get_or_none(status_id=status.id)
    return documents.note(status, author, mentioned, hashtags, media, parent_uri, node.settings.base_url, poll)


async def _compose(node: Node, text: str):
    async def resolve(username: str, domain: str | None) -> Account | None:
        return await find_account(node, username, domain)

    return await compose(text, node.settings.base_url, resolve, lambda t: urls.tag_page(node.settings.base_url, t))


async def _set_tags(status: Status, names: Sequence[str]) -> None:
    await StatusTag.filter(status_id=status.id).delete()
    await _add_tags(status, names)


async def _add_tags(status: Status, names: Sequence[str]) -> list[Tag]:
    """Tag `status` with `names` (a status just made has no tags to remove first); returns the tags, once each."""
    tags: dict[int, Tag] = {}
    for name in names:
        tag, _ = await Tag.get_or_create(name=name.lower(), defaults={"display_name": name})
        await StatusTag.get_or_create(status_id=status.id, tag_id=tag.id)
        tags.setdefault(tag.id, tag)
    return list(tags.values())


async def create_status(
    node: Node,
    account: Account,
    text: str,
    visibility: str = "public",
    spoiler_text: str = "",
    sensitive: bool = False,
    language: str | None = None,
    in_reply_to: Status | None = None,
    media: Sequence[MediaAttachment] = (),
    application_name: str | None = None,
    poll: PollSpec | None = None,
) -> Status:
    composed = await _compose(node, text)
    base = node.settings.base_url
    status_id = new_id()
    status = Status(
        id=status_id,
        uri=urls.status(base, account.username, status_id),
        url=urls.status_page(base, account.username, status_id),
        account=account,
        local=True,
        in_reply_to=in_reply_to,
        in_reply_to_uri=in_reply_to.uri if in_reply_to else None,
        in_reply_to_account_id=in_reply_to.account_id if in_reply_to else None,
        content=composed.html,
        text=text,
        spoiler_text=spoiler_text,
        sensitive=sensitive or bool(spoiler_text),
        visibility=visibility,
        language=language,
        conversation_uri=(in_reply_to.conversation_uri if in_reply_to else None) or f"{base}/contexts/{status_id}",
        application_name=application_name,
    )
    events: list[Event] = []
    bumps = HeldBumps()
    # One transaction: on PostgreSQL each statement was a commit of its own, each waiting for the
    # WAL flush (six per post), and a failing step left half a post behind. Events, counters and
    # the delivery workers' wake-up wait for the commit, as in the inbox worker (inbox/processing.py):
    # a worker woken earlier would find no deliveries, and counters are written last, in a fixed
    # order, so that two transactions never lock the same rows in opposite orders.
    with held(events), held_bumps(bumps):
        async with in_transaction(database().connection_name):
            await _store_new(node, status, account, composed, visibility, in_reply_to, media, poll)
            await bumps.write()
    await publish_all(events)
    node.wake_delivery()
    return status


async def _store_new(
    node: Node,
    status: Status,
    account: Account,
    composed: Composed,
    visibility: str,
    in_reply_to: Status | None,
    media: Sequence[MediaAttachment],
    poll: PollSpec | None,
) -> None:
    """Everything a new status writes, and its Create queued for delivery."""
    base = node.settings.base_url
    await status.save()
    await Mention.bulk_create([Mention(status_id=status.id, account_id=a.id) for a in composed.mentions])
    tags = await _add_tags(status, composed.hashtags)
    for item in media:
        await MediaAttachment.filter(id=item.id).update(status_id=status.id)
    made_poll = None
    if poll is not None:
        expires_at = status.created_at + timedelta(seconds=poll.expires_in)
        made_poll = await create_poll(status, poll.options, expires_at, poll.multiple, poll.hide_totals)
    await bump(Account, account.id, "statuses_count", last_status_at=status.created_at)
    if in_reply_to is not None:
        await bump(Status, in_reply_to.id, "replies_count")
    await fan_out(status, account, tag_ids=[tag.id for tag in tags])
    await record_direct(status)
    for mentioned in composed.mentions:
        await notify(mentioned, account, "mention", status)
    if visibility in ("public", "unlisted", "private"):
        for row in await rows(_NOTIFIED_FOLLOWERS, [account.id, True]):
            await notify(await Account.get(id=row["account_id"]), account, "status", status)
    # Everything the Note and its addressing need is at hand: note_document and status_inboxes
    # would look it all up again (seven queries, a third of a post's cost).
    hashtags = [tag.display_name or tag.name for tag in tags]
    attached = sorted(media, key=lambda item: item.id)
    parent_uri = status.in_reply_to_uri
    note = documents.note(status, account, composed.mentions, hashtags, attached, parent_uri, base, made_poll)
    activity = documents.activity(
        "Create", status.uri + "/activity", account, note, note["to"], note["cc"], status.created_at
    )
    parent_author = await Account.get_or_none(id=in_reply_to.account_id) if in_reply_to is not None else None
    inboxes = await new_status_inboxes(status, account, composed.mentions, parent_author)
    await enqueue(node, account, activity, inboxes, wake=False)


# Local followers who asked to be told of every post (Mastodon's "notify" on a follow).
_NOTIFIED_FOLLOWERS = (
    "SELECT f.account_id FROM follows f JOIN accounts a ON a.id = f.account_id"
    " WHERE f.target_account_id = ? AND f.notify = ? AND a.domain = ''"
)


async def edit_status(
    node: Node,
    status: Status,
    text: str,
    spoiler_text: str,
    sensitive: bool,
    language: str | None,
    media: Sequence[MediaAttachment] | None = None,
) -> Status:
    account = await status.account
    composed = await _compose(node, text)
    status.text = text
    status.language = language or status.language
    await apply_edit(status, composed.html, spoiler_text, sensitive or bool(spoiler_text), utcnow())
    await Mention.bulk_create(
        [Mention(status_id=status.id, account_id=a.id) for a in composed.mentions], ignore_conflicts=True
    )
    await _set_tags(status, composed.hashtags)
    if media is not None:
        keep = [m.id for m in media]
        await MediaAttachment.filter(status_id=status.id).exclude(id__in=keep).update(status_id=None)
        await MediaAttachment.filter(id__in=keep).update(status_id=status.id)
    for booster_id in await Status.filter(reblog_id=status.id, account__domain="").values_list("account_id", flat=True):
        await notify(await Account.get(id=booster_id), account, "update", status)
    await announce_edit(status)
    note = await note_document(node, status)
    activity = documents.activity(
        "Update",
        f"{status.uri}#updates/{int(status.edited_at.timestamp())}",
        account,
        note,
        note["to"],
        note["cc"],
        status.edited_at,
    )
    await enqueue(node, account, activity, await status_inboxes(status, account))
    return status


async def delete_status(node: Node, status: Status) -> None:
    account = await status.account
    if status.reblog_id:
        await unreblog(node, account, await status.reblog)
        return
    inboxes = await status_inboxes(status, account)
    note = await note_document(node, status)
    activity = documents.activity(
        "Delete", status.uri + "#delete", account, documents.tombstone(status.uri), note["to"], note["cc"]
    )
    await delete_status_everywhere(status)
    await enqueue(node, account, activity, inboxes)


async def reblog(node: Node, account: Account, original: Status, visibility: str = "public") -> Status:
    existing = await Status.get_or_none(account_id=account.id, reblog_id=original.id)
    if existing is not None:
        return existing
    base = node.settings.base_url
    boost_id = new_id()
    boost = Status(
        id=boost_id,
        uri=urls.status(base, account.username, boost_id) + "/activity",
        url=urls.status_page(base, account.username, boost_id),
        account=account,
        local=True,
        reblog=original,
        visibility=visibility if visibility in ("public", "unlisted", "private") else "public",
    )
    await boost.save()
    await bump(Status, original.id, "reblogs_count")
    author = await original.account
    await fan_out(boost, account, boosted_author_id=author.id)
    await notify(author, account, "reblog", original)
    to, cc = _boost_addressing(boost, account, author)
    activity = documents.activity("Announce", boost.uri, account, original.uri, to, cc, boost.created_at)
    inboxes = await follower_inboxes(account)
    if not author.local:
        inboxes.add(inbox_of(author))
    await enqueue(node, account, activity, inboxes)
    return boost


def _boost_addressing(boost: Status, account: Account, author: Account) -> tuple[list[str], list[str]]:
    if boost.visibility == "public":
        return [PUBLIC], [author.uri, account.followers_url]
    if boost.visibility == "unlisted":
        return [account.followers_url], [PUBLIC, author.uri]
    return [account.followers_url], [author.uri]


async def unreblog(node: Node, account: Account, original: Status) -> None:
    boost = await Status.get_or_none(account_id=account.id, reblog_id=original.id)
    if boost is None:
        return
    author = await original.account
    to, cc = _boost_addressing(boost, account, author)
    announce = documents.activity("Announce", boost.uri, account, original.uri, to, cc, boost.created_at)
    undo = documents.activity("Undo", boost.uri + "#undo", account, announce, to, cc)
    inboxes = await follower_inboxes(account)
    if not author.local:
        inboxes.add(inbox_of(author))
    await delete_status_everywhere(boost)
    await enqueue(node, account, undo, inboxes)
