"""Polls attached to statuses, and the votes cast on them (local and received from other nodes)."""

from __future__ import annotations

from datetime import datetime

from tortoise import fields
from tortoise.models import Model

from models.base import DatetimeField, SnowflakeModel, utcnow


class Poll(SnowflakeModel):
    """One poll per status. For remote polls the tallies are the author's node's, refreshed by its Update(Question)."""

    status = fields.OneToOneField("models.Status", related_name="poll", on_delete=fields.CASCADE)
    account = fields.ForeignKeyField("models.Account", related_name=False, on_delete=fields.CASCADE)
    local = fields.BooleanField(default=False)
    expires_at = DatetimeField(null=True, db_index=True)
    multiple = fields.BooleanField(default=False)
    hide_totals = fields.BooleanField(default=False)
    options = fields.JSONField(default=list)  # option titles, in order
    tallies = fields.JSONField(default=list)  # votes per option, same order
    votes_count = fields.IntField(default=0)
    voters_count = fields.IntField(default=0)
    # Set once the "poll ended" notifications went out, so the worker sends them once.
    ended_notified = fields.BooleanField(default=False)
    created_at = DatetimeField(default=utcnow)

    class Meta:
        table = "polls"

    def expired(self, now: datetime | None = None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or utcnow())


class PollVote(Model):
    """One chosen option. A multiple-choice vote is several rows; `uri` is the vote Note's id across nodes."""

    id = fields.BigIntField(primary_key=True)
    poll = fields.ForeignKeyField("models.Poll", related_name="votes", on_delete=fields.CASCADE)
    account = fields.ForeignKeyField("models.Account", related_name=False, on_delete=fields.CASCADE)
    choice = fields.IntField()
    uri = fields.CharField(max_length=512, null=True)
    created_at = DatetimeField(default=utcnow)

    class Meta:
        table = "poll_votes"
        unique_together = (("poll", "account", "choice"),)
        indexes = (("account_id", "poll_id"),)
