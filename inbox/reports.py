"""Flag: another node forwards a report about accounts (and posts) of this node to its moderators."""

from __future__ import annotations

from core.reports import file_report
from federation.parse import ids_of, text_of
from inbox.context import Ignored, Received
from models.accounts import Account
from models.reports import Report
from models.statuses import Status


async def on_flag(r: Received) -> None:
    # Mastodon's ActivityPub::Activity::Flag: the object names accounts and posts; only ours count,
    # and one report is filed per reported local account with the posts of that account.
    uris = ids_of(r.object)
    targets = list(await Account.filter(uri__in=uris, domain="", suspended=False))
    if not targets:
        raise Ignored("Flag of no one on this node")
    statuses = list(await Status.filter(uri__in=uris, local=True))
    activity_id = r.activity.get("id") if isinstance(r.activity.get("id"), str) else None
    comment = text_of(r.activity.get("content"))
    for target in targets:
        if activity_id and await Report.exists(uri=activity_id, target_account_id=target.id):
            continue  # the same Flag delivered again
        status_ids = [s.id for s in statuses if s.account_id == target.id]
        await file_report(r.actor, target, status_ids, comment, uri=activity_id)
