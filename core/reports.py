"""Filing a report: stored for the node's moderators, who are told at once with an `admin.report` notification."""

from __future__ import annotations

from collections.abc import Sequence

from core.events import publish
from models.accounts import Account, User
from models.interactions import Notification
from models.reports import Report, ReportNotification


async def file_report(
    reporter: Account,
    target: Account,
    status_ids: Sequence[int],
    comment: str,
    category: str = "other",
    rule_ids: Sequence[int] = (),
    forwarded: bool = False,
    uri: str | None = None,
) -> Report:
    report = Report(
        account=reporter,
        target_account=target,
        status_ids=list(status_ids),
        rule_ids=list(rule_ids),
        comment=comment,
        category=category,
        forwarded=forwarded,
        uri=uri,
    )
    await report.save()
    await notify_moderators(report)
    return report


async def notify_moderators(report: Report) -> None:
    """Every admin of the node hears of the report, reporter and target not withstanding.

    Mastodon (ReportService#notify_staff!) stays silent while an earlier report about the same account is
    unresolved; with no report queue to resolve them here yet, each report notifies instead, or the
    second one would never be seen. Blocks and mutes do not hold moderation notices back.
    """
    admins = await User.filter(admin=True, account__suspended=False).values_list("account_id", flat=True)
    for admin_id in admins:
        if admin_id == report.account_id:
            continue
        notification = Notification(account_id=admin_id, from_account_id=report.account_id, type="admin.report")
        await notification.save()
        # Linked before it is published, so a stream shows the notification with its report.
        await ReportNotification.create(notification=notification, report=report)
        await publish("notification", notification.id, [admin_id])
