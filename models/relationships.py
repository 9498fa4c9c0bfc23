"""Who follows, blocks, mutes or notes whom."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.base import DatetimeField, utcnow


class Follow(Model):
    id = fields.BigIntField(primary_key=True)
    account = fields.ForeignKeyField("models.Account", related_name="following_rel", on_delete=fields.CASCADE)
    target_account = fields.ForeignKeyField("models.Account", related_name="followers_rel", on_delete=fields.CASCADE)
    uri = fields.CharField(max_length=512, null=True)  # the Follow activity's id
    show_reblogs = fields.BooleanField(default=True)
    notify = fields.BooleanField(default=False)
    created_at = DatetimeField(default=utcnow)

    class Meta:
        table = "follows"
        unique_together = (("account", "target_account"),)
        indexes = (("target_account_id", "account_id"),)


class FollowRequest(Model):
    """A follow that waits: for a locked local account to approve, or for a remote Accept."""

    id = fields.BigIntField(primary_key=True)
    account = fields.ForeignKeyField("models.Account", related_name="requested_rel", on_delete=fields.CASCADE)
    target_account = fields.ForeignKeyField("models.Account", related_name="requests_rel", on_delete=fields.CASCADE)
    uri = fields.CharField(max_length=512, null=True)
    show_reblogs = fields.BooleanField(default=True)
    notify = fields.BooleanField(default=False)
    created_at = DatetimeField(default=utcnow)

    class Meta:
        table = "follow_requests"
        unique_together = (("account", "target_account"),)


class Block(Model):
    id = fields.BigIntField(primary_key=True)
    account = fields.ForeignKeyField("models.Account", related_name="blocking_rel", on_delete=fields.CASCADE)
    target_account = fields.ForeignKeyField("models.Account", related_name="blocked_by_rel", on_delete=fields.CASCADE)
    uri = fields.CharField(max_length=512, null=True)
    created_at = DatetimeField(default=utcnow)

    class Meta:
        table = "blocks"
        unique_together = (("account", "target_account"),)


class AccountDomainBlock(Model):
    """A person's own block of a whole domain (POST /api/v1/domain_blocks), not the node's policy."""

    id = fields.BigIntField(primary_key=True)
    account = fields.ForeignKeyField("models.Account", related_name=False, on_delete=fields.CASCADE)
    domain = fields.CharField(max_length=255)
    created_at = DatetimeField(default=utcnow)

    class Meta:
        table = "account_domain_blocks"
        unique_together = (("account", "domain"),)


class AccountPin(Model):
    """An account someone features on their profile (Mastodon's endorsement); only of someone they follow."""

    id = fields.BigIntField(primary_key=True)
    account = fields.ForeignKeyField("models.Account", related_name=False, on_delete=fields.CASCADE)
    target_account = fields.ForeignKeyField("models.Account", related_name=False, on_delete=fields.CASCADE)
    created_at = DatetimeField(default=utcnow)

    class Meta:
        table = "account_pins"
        unique_together = (("account", "target_account"),)


class Mute(Model):
    id = fields.BigIntField(primary_key=True)
    account = fields.ForeignKeyField("models.Account", related_name="muting_rel", on_delete=fields.CASCADE)
    target_account = fields.ForeignKeyField("models.Account", related_name="muted_by_rel", on_delete=fields.CASCADE)
    hide_notifications = fields.BooleanField(default=True)
    expires_at = DatetimeField(null=True)
    created_at = DatetimeField(default=utcnow)

    class Meta:
        table = "mutes"
        unique_together = (("account", "target_account"),)


class AccountNote(Model):
    id = fields.BigIntField(primary_key=True)
    account = fields.ForeignKeyField("models.Account", related_name=False, on_delete=fields.CASCADE)
    target_account = fields.ForeignKeyField("models.Account", related_name=False, on_delete=fields.CASCADE)
    comment = fields.TextField(default="")

    class Meta:
        table = "account_notes"
        unique_together = (("account", "target_account"),)
