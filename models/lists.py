"""Lists: named groups of followed accounts, each with a timeline of its own."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.base import DatetimeField, utcnow

REPLIES_POLICIES = ("followed", "list", "none")


class List(Model):
    id = fields.BigIntField(primary_key=True)
    account = fields.ForeignKeyField("models.Account", related_name="lists", on_delete=fields.CASCADE)
    title = fields.CharField(max_length=256)
    replies_policy = fields.CharField(max_length=16, default="list")
    # Posts of an exclusive list's members stay out of the owner's home feed.
    exclusive = fields.BooleanField(default=False)
    created_at = DatetimeField(default=utcnow)

    class Meta:
        table = "lists"


class ListAccount(Model):
    id = fields.BigIntField(primary_key=True)
    list = fields.ForeignKeyField("models.List", related_name="memberships", on_delete=fields.CASCADE)
    account = fields.ForeignKeyField("models.Account", related_name=False, on_delete=fields.CASCADE)

    class Meta:
        table = "list_accounts"
        unique_together = (("list", "account"),)
        indexes = (("account_id", "list_id"),)
