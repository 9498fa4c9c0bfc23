"""Hashtags people follow (they bring public posts into the home feed) and feature on their profile."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.base import DatetimeField, SnowflakeModel, utcnow


class TagFollow(Model):
    id = fields.BigIntField(primary_key=True)
    account = fields.ForeignKeyField("models.Account", related_name=False, on_delete=fields.CASCADE)
    tag = fields.ForeignKeyField("models.Tag", related_name="follows", on_delete=fields.CASCADE)
    created_at = DatetimeField(default=utcnow)

    class Meta:
        table = "tag_follows"
        unique_together = (("account", "tag"),)
        # Fan-out asks "who follows these tags?" for every public post.
        indexes = (("tag_id", "account_id"),)


class FeaturedTag(SnowflakeModel):
    account = fields.ForeignKeyField("models.Account", related_name=False, on_delete=fields.CASCADE)
    tag = fields.ForeignKeyField("models.Tag", related_name="featured_by", on_delete=fields.CASCADE)
    created_at = DatetimeField(default=utcnow)

    class Meta:
        table = "featured_tags"
        unique_together = (("account", "tag"),)
