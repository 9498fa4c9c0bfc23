"""Statuses (posts and boosts) and what hangs off them: mentions, tags, edits, media."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.base import DatetimeField, SnowflakeModel, utcnow

VISIBILITIES = ("public", "unlisted", "private", "direct")


class Status(SnowflakeModel):
    uri = fields.CharField(max_length=512, unique=True)
    url = fields.CharField(max_length=512, default="")
    account = fields.ForeignKeyField("models.Account", related_name="statuses", on_delete=fields.CASCADE)
    local = fields.BooleanField(default=False)
    in_reply_to = fields.ForeignKeyField("models.Status", related_name="replies", null=True, on_delete=fields.SET_NULL)
    in_reply_to_uri = fields.CharField(max_length=512, null=True, db_index=True)
    in_reply_to_account = fields.ForeignKeyField(
        "models.Account", related_name="replied_to_by", null=True, on_delete=fields.SET_NULL
    )
    # A boost is a status of its own that points at what it boosts (as in Mastodon).
    reblog = fields.ForeignKeyField("models.Status", related_name="reblogs", null=True, on_delete=fields.CASCADE)
    content = fields.TextField(default="")  # sanitised HTML
    text = fields.TextField(default="")  # source text of local statuses
    spoiler_text = fields.TextField(default="")
    sensitive = fields.BooleanField(default=False)
    visibility = fields.CharField(max_length=16, default="public")
    language = fields.CharField(max_length=16, null=True)
    conversation_uri = fields.CharField(max_length=512, null=True)
    created_at = DatetimeField(default=utcnow)
    edited_at = DatetimeField(null=True)
    replies_count = fields.IntField(default=0)
    reblogs_count = fields.IntField(default=0)
    favourites_count = fields.IntField(default=0)
    application_name = fields.CharField(max_length=255, null=True)
    # Remote addressing as received, so we can tell who may see it.
    to_json = fields.JSONField(default=list)
    cc_json = fields.JSONField(default=list)

    class Meta:
        table = "statuses"
        indexes = (("account_id", "id"),)


class Mention(Model):
    id = fields.BigIntField(primary_key=True)
    status = fields.ForeignKeyField("models.Status", related_name="mentions", on_delete=fields.CASCADE)
    account = fields.ForeignKeyField("models.Account", related_name="mentioned_in", on_delete=fields.CASCADE)

    class Meta:
        table = "mentions"
        unique_together = (("status", "account"),)


class Tag(Model):
    id = fields.BigIntField(primary_key=True)
    name = fields.CharField(max_length=190, unique=True)  # lower case, without '#'
    display_name = fields.CharField(max_length=190, default="")

    class Meta:
        table = "tags"


class StatusTag(Model):
    id = fields.BigIntField(primary_key=True)
    status = fields.ForeignKeyField("models.Status", related_name="status_tags", on_delete=fields.CASCADE)
    tag = fields.ForeignKeyField("models.Tag", related_name="status_tags", on_delete=fields.CASCADE)

    class Meta:
        table = "status_tags"
        unique_together = (("status", "tag"),)
        indexes = (("tag_id", "status_id"),)


class StatusEdit(Model):
    """One earlier (or the current) version of an edited status, for its history."""

    id = fields.BigIntField(primary_key=True)
    status = fields.ForeignKeyField("models.Status", related_name="edits", on_delete=fields.CASCADE)
    content = fields.TextField(default="")
    spoiler_text = fields.TextField(default="")
    sensitive = fields.BooleanField(default=False)
    created_at = DatetimeField(default=utcnow)

    class Meta:
        table = "status_edits"


class MediaAttachment(SnowflakeModel):
    account = fields.ForeignKeyField("models.Account", related_name="media", on_delete=fields.CASCADE)
    status = fields.ForeignKeyField("models.Status", related_name="media", null=True, on_delete=fields.SET_NULL)
    type = fields.CharField(max_length=16, default="image")
    file = fields.CharField(max_length=255, default="")  # under the media dir, local uploads
    preview_file = fields.CharField(max_length=255, default="")
    remote_url = fields.CharField(max_length=1024, default="")
    content_type = fields.CharField(max_length=128, default="")
    description = fields.TextField(default="")
    blurhash = fields.CharField(max_length=64, null=True)
    meta = fields.JSONField(default=dict)
    created_at = DatetimeField(default=utcnow)

    class Meta:
        table = "media_attachments"


class IdempotencyKey(Model):
    id = fields.BigIntField(primary_key=True)
    account = fields.ForeignKeyField("models.Account", related_name=False, on_delete=fields.CASCADE)
    key = fields.CharField(max_length=190)
    status = fields.ForeignKeyField("models.Status", related_name=False, on_delete=fields.CASCADE)
    created_at = DatetimeField(default=utcnow)

    class Meta:
        table = "idempotency_keys"
        unique_together = (("account", "key"),)


class ConversationMute(Model):
    """A conversation someone muted (Mastodon's "mute conversation"), keyed by the thread's conversation URI."""

    id = fields.BigIntField(primary_key=True)
    account = fields.ForeignKeyField("models.Account", related_name=False, on_delete=fields.CASCADE)
    conversation_uri = fields.CharField(max_length=512)
    created_at = DatetimeField(default=utcnow)

    class Meta:
        table = "conversation_mutes"
        unique_together = (("account", "conversation_uri"),)


def conversation_key(status: Status) -> str:
    """What ConversationMute rows are keyed by: the thread's URI, or the status's own for a thread of one."""
    return status.conversation_uri or status.uri
