"""Reports of accounts (and their posts) to the moderators of a node: filed here, or forwarded to us as a Flag."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.base import DatetimeField, SnowflakeModel, utcnow

CATEGORIES = ("spam", "legal", "violation", "other")


class Report(SnowflakeModel):
    # Who filed it: a local account, or for a Flag from another node the actor that sent it.
    account = fields.ForeignKeyField("models.Account", related_name=False, on_delete=fields.CASCADE)
    target_account = fields.ForeignKeyField("models.Account", related_name=False, on_delete=fields.CASCADE)
    status_ids = fields.JSONField(default=list)  # ids of statuses of the target account, as ints
    rule_ids = fields.JSONField(default=list)
    comment = fields.TextField(default="")
    category = fields.CharField(max_length=16, default="other")
    forwarded = fields.BooleanField(default=False)
    # The Flag's id: ours when forwarded, the sender's when received (so a redelivery files nothing twice).
    uri = fields.CharField(max_length=512, null=True, db_index=True)
    action_taken_at = DatetimeField(null=True)
    created_at = DatetimeField(default=utcnow)

    class Meta:
        table = "reports"


class ReportNotification(Model):
    """Which report an `admin.report` notification is about (the notification entity carries the report)."""

    id = fields.BigIntField(primary_key=True)
    notification = fields.OneToOneField("models.Notification", related_name=False, on_delete=fields.CASCADE)
    report = fields.ForeignKeyField("models.Report", related_name=False, on_delete=fields.CASCADE)

    class Meta:
        table = "report_notifications"
