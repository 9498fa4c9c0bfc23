"""What people do with statuses: favourites, bookmarks, pins; and the home feed they land in."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.base import DatetimeField, SnowflakeModel, utcnow


class Favourite(Model):
    id = fields.BigIntField(primary_key=True)
    account = fields.ForeignKeyField("models.Account", related_name="favourites", on_delete=fields.CASCADE)
    status = fields.ForeignKeyField("models.Status", related_name="favourites", on_delete=fields.CASCADE)
    uri = fields.CharField(max_length=512, null=True)
    created_at = DatetimeField(default=utcnow)

    class Meta:
        table = "favourites"
        unique_together = (("account", "status"),)


class Bookmark(Model):
    id = fields.BigIntField(primary_key=True)
    account = fields.ForeignKeyField("models.Account", related_name="bookmarks", on_delete=fields.CASCADE)
    status = fields.ForeignKeyField("models.Status", related_name="bookmarks", on_delete=fields.CASCADE)
    created_at = DatetimeField(default=utcnow)

    class Meta:
        table = "bookmarks"
        unique_together = (("account", "status"),)


class Pin(Model):
    id = fields.BigIntField(primary_key=True)
    account = fields.ForeignKeyField("models.Account", related_name="pins", on_delete=fields.CASCADE)
    status = fields.ForeignKeyField("models.Status", related_name="pins", on_delete=fields.CASCADE)
    created_at = DatetimeField(default=utcnow)

    class Meta:
        table = "pins"
        unique_together = (("account", "status"),)


class HomeFeedEntry(Model):
    """Fan-out on write: one row per status that belongs in a local account's home timeline.

    Reading a home page is then one range scan of the unique index on (account_id, status_id).
    """

    id = fields.BigIntField(primary_key=True)
    account = fields.ForeignKeyField("models.Account", related_name=False, on_delete=fields.CASCADE)
    status = fields.ForeignKeyField("models.Status", related_name=False, on_delete=fields.CASCADE)

    class Meta:
        table = "home_feed"
        unique_together = (("account", "status"),)


class Notification(SnowflakeModel):
    account = fields.ForeignKeyField("models.Account", related_name="notifications", on_delete=fields.CASCADE)
    from_account = fields.ForeignKeyField("models.Account", related_name=False, on_delete=fields.CASCADE)
    type = fields.CharField(max_length=32)
    status = fields.ForeignKeyField("models.Status", related_name=False, null=True, on_delete=fields.CASCADE)
    created_at = DatetimeField(default=utcnow)
    # The group of a favourite, boost or follow (core/notification_groups.py); None for the
    # others, which the client API shows as `ungrouped-{id}` as Mastodon does.
    group_key = fields.CharField(max_length=96, null=True)

    class Meta:
        table = "notifications"
        indexes = (("account_id", "id"), ("account_id", "group_key"))
