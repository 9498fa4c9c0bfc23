"""Votes from other nodes on this node's polls, which arrive as a Create of a Note (Mastodon's way).

Such a Note answers the Question (`inReplyTo`) with an option's title as its `name` and no
content. Like Mastodon (ActivityPub::Activity::Create#poll_vote?) we count it and never store
it as a status; a vote on an ended poll is dropped.
"""

from __future__ import annotations

from typing import Any

from core.polls import VoteRefused, cast_votes
from federation.parse import id_of, text_of
from federation.polls import is_vote
from inbox.context import Ignored, Received
from models.polls import Poll, PollVote
from models.statuses import Status
from outbox.polls import distribute_update


async def take_vote(r: Received, note: dict[str, Any]) -> bool:
    """Count `note` if it is a vote on one of our polls; False if it is an ordinary post."""
    if not is_vote(note):
        return False
    status = await Status.get_or_none(uri=id_of(note.get("inReplyTo")), local=True)
    poll = await Poll.get_or_none(status_id=status.id) if status is not None else None
    if status is None or poll is None:
        return False
    name = text_of(note.get("name"))
    if name not in poll.options:
        return False
    if await PollVote.exists(uri=note["id"]):
        return True  # delivered twice
    try:
        await cast_votes(poll, r.actor, [poll.options.index(name)], uri=note["id"])
    except VoteRefused as exc:
        raise Ignored(f"vote refused: {exc}") from exc
    await distribute_update(r.node, status)
    return True
