"""Polls in ActivityPub: a Question's options and counts in, and votes as Mastodon sends them.

Mastodon puts a poll's options in `oneOf` (single choice) or `anyOf` (multiple choice), each a
Note whose `name` is the option and whose `replies.totalItems` is its vote count; `endTime` is
when it ends, `closed` when it did, `votersCount` how many people voted. A vote is a Note with
`name` = the option, `inReplyTo` = the Question, addressed only to the poll's author.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.polls import create_poll
from federation.parse import as_list, id_of, parse_datetime, text_of, types_of
from models.polls import Poll
from models.statuses import Status

MAX_OPTIONS = 20  # what we keep of a remote poll, however many it offers


@dataclass(frozen=True)
class QuestionPoll:
    options: list[str]
    tallies: list[int]
    multiple: bool
    expires_at: datetime | None
    voters_count: int


def question_poll(document: dict[str, Any]) -> QuestionPoll | None:
    """The poll of a Question document, or None if it is not a poll with options."""
    if "Question" not in types_of(document):
        return None
    multiple = bool(document.get("anyOf"))
    items = [i for i in as_list(document.get("anyOf") if multiple else document.get("oneOf")) if isinstance(i, dict)]
    options, tallies = [], []
    for item in items[:MAX_OPTIONS]:
        options.append(text_of(item.get("name"))[:1000])
        replies = item.get("replies")
        total = replies.get("totalItems") if isinstance(replies, dict) else 0
        tallies.append(total if isinstance(total, int) and total >= 0 else 0)
    if not options:
        return None
    voters = document.get("votersCount")
    return QuestionPoll(
        options=options,
        tallies=tallies,
        multiple=multiple,
        expires_at=parse_datetime(document.get("endTime")) or parse_datetime(document.get("closed")),
        voters_count=voters if isinstance(voters, int) and voters >= 0 else sum(tallies),
    )


def is_vote(document: dict[str, Any]) -> bool:
    """Whether a Note looks like a poll vote: a name, a question it answers, no content."""
    return (
        "Note" in types_of(document)
        and bool(text_of(document.get("name")))
        and bool(id_of(document.get("inReplyTo")))
        and not text_of(document.get("content"))
    )


async def store_question_poll(status: Status, document: dict[str, Any]) -> Poll | None:
    """Keep the poll of a remote Question with its status; an update refreshes options and counts."""
    found = question_poll(document)
    if found is None:
        return None
    poll = await Poll.get_or_none(status_id=status.id)
    if poll is None:
        return await create_poll(
            status,
            found.options,
            found.expires_at,
            found.multiple,
            tallies=found.tallies,
            voters_count=found.voters_count,
        )
    poll.options, poll.tallies, poll.multiple = found.options, found.tallies, found.multiple
    poll.expires_at = found.expires_at or poll.expires_at
    poll.votes_count, poll.voters_count = sum(found.tallies), found.voters_count
    await poll.save()
    return poll


def vote_note(vote_uri: str, voter_uri: str, author_uri: str, question_uri: str, option: str) -> dict[str, Any]:
    return {
        "id": vote_uri,
        "type": "Note",
        "name": option,
        "attributedTo": voter_uri,
        "to": [author_uri],
        "inReplyTo": question_uri,
    }
