"""Follow suggestions someone dismissed, so they are not suggested to them again."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.base import DatetimeField, utcnow


class SuggestionDismissal(Model):
    id = fields.BigIntField(primary_key=True)
    account = fields.ForeignKeyField("models.Account", related_name=False, on_delete=fields.CASCADE)
    target_account = fields.ForeignKeyField("models.Account", related_name=False, on_delete=fields.CASCADE)
    created_at = DatetimeField(default=utcnow)

    class Meta:
        table = "suggestion_dismissals"
        unique_together = (("account", "target_account"),)
