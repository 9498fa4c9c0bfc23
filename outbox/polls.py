"""Voting and poll updates: the local effects and the activities that carry them to other nodes."""

from __future__ import annotations

from collections.abc import Sequence

from core.polls import cast_votes
from federation import documents
from federation.delivery import enqueue
from federation.polls import vote_note
from models.accounts import Account
from models.ids import new_id
from models.polls import Poll, PollVote
from models.statuses import Status
from node import Node
from outbox.addressing import inbox_of, status_inboxes
from outbox.statuses import note_document


async def vote(node: Node, account: Account, poll: Poll, choices: Sequence[int]) -> list[PollVote]:
    """A local account votes. On someone else's poll each choice goes to the author's node as a Note."""
    votes = await cast_votes(poll, account, choices)
    status = await Status.get(id=poll.status_id)
    author = await Account.get(id=poll.account_id)
    if poll.local:
        await distribute_update(node, status)
        return votes
    for one in votes:
        # Mastodon's vote ids (ActivityPub::TagManager#uri_for on a PollVote): the voter's uri + #votes/<id>.
        one.uri = f"{account.uri}#votes/{one.id}"
        await PollVote.filter(id=one.id).update(uri=one.uri)
        note = vote_note(one.uri, account.uri, author.uri, status.uri, poll.options[one.choice])
        activity = documents.activity("Create", f"{one.uri}/activity", account, note, [author.uri])
        await enqueue(node, account, activity, [inbox_of(author)])
    return votes


async def distribute_update(node: Node, status: Status) -> None:
    """Send the Question with its new counts to everyone who has the post, and to remote voters.

    Mastodon does this from DistributePollUpdateWorker (delayed, to batch votes); one Update per
    vote keeps other nodes current at the cost of more deliveries, fine at company scale.
    """
    author = await Account.get(id=status.account_id)
    inboxes = await status_inboxes(status, author)
    voters = await Account.filter(id__in=await _voter_ids(status)).exclude(domain="")
    inboxes |= {inbox_of(a) for a in voters}
    question = await note_document(node, status)
    # The id must differ per update: receiving nodes drop an activity id they have seen.
    activity = documents.activity(
        "Update", f"{status.uri}#updates/poll-{new_id()}", author, question, question["to"], question["cc"]
    )
    await enqueue(node, author, activity, inboxes)


async def _voter_ids(status: Status) -> list[int]:
    return list(await PollVote.filter(poll__status_id=status.id).distinct().values_list("account_id", flat=True))
