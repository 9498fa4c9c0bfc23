"""Direct-message conversations as each local participant sees them (Mastodon's AccountConversation)."""

from __future__ import annotations

from tortoise import fields

from models.base import DatetimeField, SnowflakeModel, utcnow


class Conversation(SnowflakeModel):
    """One row per (local account, thread); the API's Conversation id is this row's id."""

    account = fields.ForeignKeyField("models.Account", related_name=False, on_delete=fields.CASCADE)
    conversation_uri = fields.CharField(max_length=512)
    participant_ids = fields.JSONField(default=list)  # the other accounts in the thread
    last_status = fields.ForeignKeyField("models.Status", related_name=False, null=True, on_delete=fields.SET_NULL)
    unread = fields.BooleanField(default=False)
    created_at = DatetimeField(default=utcnow)

    class Meta:
        table = "conversations"
        unique_together = (("account", "conversation_uri"),)
        indexes = (("account_id", "last_status_id"),)
