"""Statuses written now and published later, by the worker, at their scheduled time."""

from __future__ import annotations

from tortoise import fields

from models.base import DatetimeField, SnowflakeModel, utcnow


class ScheduledStatus(SnowflakeModel):
    account = fields.ForeignKeyField("models.Account", related_name=False, on_delete=fields.CASCADE)
    scheduled_at = DatetimeField(db_index=True)
    # What PostStatusService needs to post it, in the shape the ScheduledStatus entity shows (`params`).
    params = fields.JSONField(default=dict)
    created_at = DatetimeField(default=utcnow)
    # The worker claims a row before publishing it, so two workers never post it twice; a claim that
    # outlives a crashed worker expires and the next pass tries again, up to a few attempts.
    claimed_until = DatetimeField(null=True)
    attempts = fields.IntField(default=0)
    last_error = fields.TextField(default="")

    class Meta:
        table = "scheduled_statuses"
        indexes = (("account_id", "id"),)
