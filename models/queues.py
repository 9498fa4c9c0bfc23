"""Durable work queues: outgoing deliveries and received inbox activities.

Each job is a row with a state, an attempt count, the time of its next attempt and
its last error, so a crash or restart loses nothing and an administrator can see
why a job is stuck.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.base import DatetimeField, utcnow

PENDING = "pending"
DONE = "done"
FAILED = "failed"  # given up: a permanent error or too many attempts


class OutgoingActivity(Model):
    """An activity as sent: encoded once, shared by all its deliveries."""

    id = fields.BigIntField(primary_key=True)
    activity_id = fields.CharField(max_length=512, db_index=True)
    actor = fields.ForeignKeyField("models.Account", related_name=False, on_delete=fields.CASCADE)
    body = fields.TextField()
    created_at = DatetimeField(default=utcnow)

    class Meta:
        table = "outgoing_activities"


class Delivery(Model):
    id = fields.BigIntField(primary_key=True)
    activity = fields.ForeignKeyField("models.OutgoingActivity", related_name="deliveries", on_delete=fields.CASCADE)
    inbox_url = fields.CharField(max_length=512)
    state = fields.CharField(max_length=16, default=PENDING)
    attempts = fields.IntField(default=0)
    next_attempt_at = DatetimeField(default=utcnow)
    last_error = fields.TextField(default="")
    last_status = fields.IntField(null=True)
    created_at = DatetimeField(default=utcnow)
    finished_at = DatetimeField(null=True)
    claimed_until = DatetimeField(null=True)

    class Meta:
        table = "deliveries"
        indexes = (("state", "next_attempt_at"),)


class InboxItem(Model):
    """A verified activity received in an inbox, waiting to be (or already) applied."""

    id = fields.BigIntField(primary_key=True)
    # Unique: the same activity delivered twice (to two inboxes, or retried) is applied once.
    activity_id = fields.CharField(max_length=512, unique=True)
    actor_uri = fields.CharField(max_length=512)
    # The local account whose personal inbox received it; None for the shared inbox.
    recipient = fields.ForeignKeyField("models.Account", related_name=False, null=True, on_delete=fields.CASCADE)
    body = fields.TextField()
    state = fields.CharField(max_length=16, default=PENDING)
    attempts = fields.IntField(default=0)
    next_attempt_at = DatetimeField(default=utcnow)
    last_error = fields.TextField(default="")
    received_at = DatetimeField(default=utcnow)
    finished_at = DatetimeField(null=True)
    claimed_until = DatetimeField(null=True)

    class Meta:
        table = "inbox_items"
        indexes = (("state", "next_attempt_at"),)
