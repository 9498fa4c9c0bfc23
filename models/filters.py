"""Filters a user sets on what they read: keywords and single statuses, per context, maybe until a time."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.base import DatetimeField, utcnow

CONTEXTS = ("home", "notifications", "public", "thread", "account")
ACTIONS = ("warn", "hide")


class Filter(Model):
    """Mastodon's CustomFilter."""

    id = fields.BigIntField(primary_key=True)
    account = fields.ForeignKeyField("models.Account", related_name="filters", on_delete=fields.CASCADE)
    title = fields.CharField(max_length=256)
    context = fields.JSONField(default=list)
    action = fields.CharField(max_length=8, default="warn")
    expires_at = DatetimeField(null=True)
    created_at = DatetimeField(default=utcnow)

    class Meta:
        table = "filters"


class FilterKeyword(Model):
    id = fields.BigIntField(primary_key=True)
    custom_filter = fields.ForeignKeyField("models.Filter", related_name="keywords", on_delete=fields.CASCADE)
    keyword = fields.CharField(max_length=512)
    whole_word = fields.BooleanField(default=True)

    class Meta:
        table = "filter_keywords"


class FilterStatus(Model):
    id = fields.BigIntField(primary_key=True)
    custom_filter = fields.ForeignKeyField("models.Filter", related_name="statuses", on_delete=fields.CASCADE)
    status = fields.ForeignKeyField("models.Status", related_name=False, on_delete=fields.CASCADE)

    class Meta:
        table = "filter_statuses"
        unique_together = (("custom_filter", "status"),)
