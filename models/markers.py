"""Read positions in a user's timelines, shared between their apps."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.base import DatetimeField, utcnow

TIMELINES = ("home", "notifications")


class Marker(Model):
    id = fields.BigIntField(primary_key=True)
    account = fields.ForeignKeyField("models.Account", related_name=False, on_delete=fields.CASCADE)
    timeline = fields.CharField(max_length=32)
    last_read_id = fields.BigIntField()
    # Mastodon's lock_version: bumped on every change so apps can tell whose write won.
    version = fields.IntField(default=0)
    updated_at = DatetimeField(default=utcnow)

    class Meta:
        table = "markers"
        unique_together = (("account", "timeline"),)
