"""Polls: creating them, counting votes by Mastodon's rules, and telling people when a poll ended."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from tortoise.functions import Count

from core.events import publish
from core.notifications import notify
from models.accounts import Account
from models.base import utcnow
from models.interactions import Notification
from models.polls import Poll, PollVote
from models.statuses import Status

# Mastodon's messages (config/locales/en.yml, polls.errors), shown as "Validation failed: ...".
ALREADY_VOTED = "You have already voted on this poll"
EXPIRED = "The poll has already ended"
INVALID_CHOICE = "The chosen vote option does not exist"
SELF_VOTE = "You cannot vote in your own polls"


@dataclass(frozen=True)
class PollSpec:
    """A poll as a client asks for it with a new status (already validated)."""

    options: list[str]
    expires_in: int
    multiple: bool = False
    hide_totals: bool = False


class VoteRefused(Exception):
    """A vote Mastodon's VoteValidator would refuse; the message is Mastodon's."""


async def create_poll(
    status: Status,
    options: Sequence[str],
    expires_at: datetime | None,
    multiple: bool = False,
    hide_totals: bool = False,
    tallies: Sequence[int] | None = None,
    voters_count: int = 0,
) -> Poll:
    poll = Poll(
        status_id=status.id,
        account_id=status.account_id,
        local=status.local,
        expires_at=expires_at,
        multiple=multiple,
        hide_totals=hide_totals,
        options=list(options),
        tallies=list(tallies) if tallies is not None else [0] * len(options),
        voters_count=voters_count,
    )
    poll.votes_count = sum(poll.tallies)
    await poll.save()
    return poll


def check_vote(poll: Poll, account: Account, choices: Sequence[int], earlier: Sequence[int]) -> list[int]:
    """The distinct choices of a valid vote, or VoteRefused in the order Mastodon's VoteValidator checks."""
    if poll.expired():
        raise VoteRefused(EXPIRED)
    if any(c < 0 or c >= len(poll.options) for c in choices):
        raise VoteRefused(INVALID_CHOICE)
    if poll.account_id == account.id:
        raise VoteRefused(SELF_VOTE)
    distinct = list(dict.fromkeys(choices))
    # A second vote on a single-choice poll, or several choices at once on one, fail alike in Mastodon:
    # VoteService creates one vote per choice and the second trips the already-voted check.
    if (not poll.multiple and (earlier or len(distinct) > 1)) or any(c in earlier for c in distinct):
        raise VoteRefused(ALREADY_VOTED)
    return distinct


async def cast_votes(poll: Poll, account: Account, choices: Sequence[int], uri: str | None = None) -> list[PollVote]:
    """Record a vote after checking it. `uri`: the vote Note's id when it came from another node."""
    earlier = list(await PollVote.filter(poll_id=poll.id, account_id=account.id).values_list("choice", flat=True))
    distinct = check_vote(poll, account, choices, earlier)
    votes = []
    for choice in distinct:
        vote = await PollVote.create(poll_id=poll.id, account_id=account.id, choice=choice, uri=uri)
        votes.append(vote)
    await _recount(poll, distinct, new_voter=not earlier)
    return votes


async def _recount(poll: Poll, choices: Sequence[int], new_voter: bool) -> None:
    if poll.local:
        # Our own poll: the vote rows are the truth, so concurrent votes never lose a count.
        rows = await PollVote.filter(poll_id=poll.id).group_by("choice").annotate(n=Count("id")).values("choice", "n")
        counted = {r["choice"]: r["n"] for r in rows}
        poll.tallies = [counted.get(i, 0) for i in range(len(poll.options))]
        poll.voters_count = len(await PollVote.filter(poll_id=poll.id).distinct().values_list("account_id", flat=True))
    else:
        # Someone else's poll: their node keeps the count; we add ours until its Update(Question) says otherwise.
        tallies = list(poll.tallies) + [0] * (len(poll.options) - len(poll.tallies))
        for choice in choices:
            tallies[choice] += 1
        poll.tallies = tallies
        poll.voters_count += 1 if new_voter else 0
    poll.votes_count = sum(poll.tallies)
    await Poll.filter(id=poll.id).update(
        tallies=poll.tallies, votes_count=poll.votes_count, voters_count=poll.voters_count
    )


async def notify_ended_polls(limit: int = 100) -> int:
    """Send the `poll` notification for polls that ended: to local voters and, for a local poll, its author.

    Mastodon schedules PollExpirationNotifyWorker at the poll's end; a periodic pass over
    ended polls does the same without a scheduler and survives restarts.
    """
    due = await Poll.filter(ended_notified=False, expires_at__lte=utcnow()).order_by("expires_at").limit(limit)
    for poll in due:
        # Claim first, so two worker processes never notify twice.
        if not await Poll.filter(id=poll.id, ended_notified=False).update(ended_notified=True):
            continue
        status = await Status.get_or_none(id=poll.status_id)
        if status is None:
            continue
        author = await Account.get(id=poll.account_id)
        if author.local:
            await notify_self(author, status)
        voter_ids = (
            await PollVote.filter(poll_id=poll.id, account__domain="").distinct().values_list("account_id", flat=True)
        )
        for voter in await Account.filter(id__in=list(voter_ids)):
            await notify(voter, author, "poll", status)
    return len(due)


async def notify_self(author: Account, status: Status) -> None:
    """The author learns their own poll ended; notify() skips self-notifications, so this one is made here."""
    notification = Notification(account=author, from_account=author, type="poll", status=status)
    await notification.save()
    await publish("notification", notification.id, [author.id])
