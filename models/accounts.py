"""Accounts: local people and the remote actors this node knows, in one table (as Mastodon does)."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.base import DatetimeField, SnowflakeModel, utcnow


class Account(SnowflakeModel):
    username = fields.CharField(max_length=190)
    # "" for accounts of this node (not NULL, so the unique index holds); the host, with
    # its port and in lower case, for remote ones.
    domain = fields.CharField(max_length=255, default="", db_index=True)
    # Person for people; Application for the node's own instance actor; Service, Group... remote.
    actor_type = fields.CharField(max_length=32, default="Person")
    display_name = fields.CharField(max_length=255, default="")
    note = fields.TextField(default="")  # HTML
    note_source = fields.TextField(default="")  # what the local user typed
    locked = fields.BooleanField(default=False)
    bot = fields.BooleanField(default=False)
    discoverable = fields.BooleanField(default=True)
    suspended = fields.BooleanField(default=False)
    fields_json = fields.JSONField(default=list)  # [{"name","value","verified_at"}]

    uri = fields.CharField(max_length=512, unique=True)
    url = fields.CharField(max_length=512, default="")
    inbox_url = fields.CharField(max_length=512, default="")
    shared_inbox_url = fields.CharField(max_length=512, default="")
    outbox_url = fields.CharField(max_length=512, default="")
    followers_url = fields.CharField(max_length=512, default="")
    following_url = fields.CharField(max_length=512, default="")
    featured_url = fields.CharField(max_length=512, default="")

    key_id = fields.CharField(max_length=512, default="", db_index=True)
    public_key_pem = fields.TextField(default="")
    private_key_pem = fields.TextField(default="")  # local accounts only

    avatar_remote_url = fields.CharField(max_length=1024, default="")
    header_remote_url = fields.CharField(max_length=1024, default="")
    avatar_file = fields.CharField(max_length=255, default="")
    header_file = fields.CharField(max_length=255, default="")

    followers_count = fields.IntField(default=0)
    following_count = fields.IntField(default=0)
    statuses_count = fields.IntField(default=0)
    last_status_at = DatetimeField(null=True)

    created_at = DatetimeField(default=utcnow)
    updated_at = DatetimeField(default=utcnow)
    fetched_at = DatetimeField(null=True)  # remote: when the actor document was last read

    class Meta:
        table = "accounts"
        unique_together = (("username", "domain"),)

    @property
    def local(self) -> bool:
        return not self.domain

    def acct(self) -> str:
        return f"{self.username}@{self.domain}" if self.domain else self.username


class User(Model):
    """The login of a local account."""

    id = fields.IntField(primary_key=True)
    account: fields.OneToOneRelation[Account] = fields.OneToOneField(
        "models.Account", related_name="user", on_delete=fields.CASCADE
    )
    email = fields.CharField(max_length=255, default="")
    password_hash = fields.CharField(max_length=255, default="")
    admin = fields.BooleanField(default=False)
    locale = fields.CharField(max_length=16, default="en")
    default_visibility = fields.CharField(max_length=16, default="public")
    default_sensitive = fields.BooleanField(default=False)
    default_language = fields.CharField(max_length=16, null=True)
    created_at = DatetimeField(default=utcnow)
    failed_logins = fields.IntField(default=0)
    last_failed_login_at = DatetimeField(null=True)

    class Meta:
        table = "users"
