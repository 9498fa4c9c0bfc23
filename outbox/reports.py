"""Reporting an account: filed for this node's moderators, and forwarded to its own node when it is remote."""

from __future__ import annotations

from collections.abc import Sequence

from core.reports import file_report
from federation import documents, urls
from federation.actors import instance_actor
from federation.delivery import enqueue
from models.accounts import Account
from models.reports import Report
from models.statuses import Status
from node import Node
from outbox.addressing import inbox_of


async def report(
    node: Node,
    reporter: Account,
    target: Account,
    statuses: Sequence[Status],
    comment: str,
    category: str,
    rule_ids: Sequence[int],
    forward: bool,
) -> Report:
    forwarded = forward and not target.local
    filed = await file_report(reporter, target, [s.id for s in statuses], comment, category, rule_ids, forwarded)
    if forwarded:
        await forward_report(node, filed, target, statuses)
    return filed


async def forward_report(node: Node, filed: Report, target: Account, statuses: Sequence[Status]) -> None:
    """A Flag to the target's node, from the node itself so the reporter stays anonymous there.

    As Mastodon's ReportService#forward_to_origin!: the instance actor sends it, the object lists the
    account and the reported posts, the content is the comment (the category does not travel).
    """
    actor = await instance_actor(node)
    uri = urls.report(node.settings.base_url, filed.id)
    flag = documents.activity("Flag", uri, actor, [target.uri, *(s.uri for s in statuses)])
    flag["content"] = filed.comment
    await Report.filter(id=filed.id).update(uri=uri)
    filed.uri = uri
    await enqueue(node, actor, flag, [inbox_of(target)])
