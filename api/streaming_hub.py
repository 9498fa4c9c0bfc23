"""Live events for open streams: which connection gets which event, serialised for its viewer.

The hub listens to core.events. Each connection holds the streams it subscribed to
("user", "user:notification", "public", "public:local", "public:remote", the ":media"
variants, "hashtag:NAME", "hashtag:local:NAME", "direct", "list:ID") and a queue the transport
(WebSocket or server-sent events) drains. A status caught by one of the viewer's `hide`
filters for the stream's context is not sent; others carry their `filtered` matches.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass, field
from typing import Any

from api.serializers.conversations import conversation_entities
from api.serializers.filters import hidden_in
from api.serializers.notifications import notification_entities
from api.serializers.status_cache import RenderedStatuses, status_entities
from core.feeds import in_list
from models.accounts import Account
from models.conversations import Conversation
from models.interactions import Notification
from models.lists import List
from models.statuses import MediaAttachment, Status, Tag

log = logging.getLogger("flurfunk.streaming")
QUEUE_SIZE = 500


@dataclass(eq=False)
class Connection:
    account: Account | None
    streams: set[str] = field(default_factory=set)
    queue: asyncio.Queue[dict[str, Any]] = field(default_factory=lambda: asyncio.Queue(QUEUE_SIZE))

    def send(self, stream: list[str], event: str, payload: Any = None) -> None:
        """`payload` None: an event without one (filters_changed), which Mastodon sends with no payload key."""
        message: dict[str, Any] = {"stream": stream, "event": event}
        if payload is not None:
            message["payload"] = payload if isinstance(payload, str) else json.dumps(payload)
        try:
            self.queue.put_nowait(message)
        except asyncio.QueueFull:
            log.warning("stream queue full; dropping %s for account %s", event, self.account and self.account.id)


def _context(stream: str) -> str | None:
    """The filter context of a stream (Mastodon's streaming server: home for user and list, public for the rest)."""
    if stream in ("user",) or stream.startswith("list:"):
        return "home"
    if stream.startswith(("public", "hashtag")):
        return "public"
    return None


def _public_streams(status: Status, has_media: bool, tags: list[str]) -> list[str]:
    if status.visibility != "public" or status.reblog_id:
        return []
    locality = "local" if status.local else "remote"
    streams = ["public", f"public:{locality}"]
    if has_media:
        streams += ["public:media", f"public:{locality}:media"]
    for tag in tags:
        streams.append(f"hashtag:{tag}")
        if status.local:
            streams.append(f"hashtag:local:{tag}")
    return streams


class StreamHub:
    def __init__(self, base_url: str, rendered: RenderedStatuses | None = None) -> None:
        self.base_url = base_url
        # The app's kept entities (api/serializers/status_cache.py): an event for a thousand open
        # streams renders its status once, not once per viewer.
        self.rendered = RenderedStatuses() if rendered is None else rendered
        self.connections: set[Connection] = set()

    def open(self, account: Account | None) -> Connection:
        connection = Connection(account)
        self.connections.add(connection)
        return connection

    def close(self, connection: Connection) -> None:
        self.connections.discard(connection)

    async def on_event(self, event: str, object_id: int, account_ids: list[int]) -> None:
        if not self.connections:
            return
        try:
            if event in ("update", "status.update"):
                await self._status_event(event, object_id, set(account_ids))
            elif event == "notification":
                await self._notification(object_id, set(account_ids))
            elif event == "conversation":
                await self._conversation(object_id, set(account_ids))
            elif event == "filters_changed":
                for connection in self.connections:
                    if connection.account is not None and connection.account.id in account_ids:
                        if "user" in connection.streams:
                            connection.send(["user"], "filters_changed")
            elif event == "delete":
                for connection in self.connections:
                    if connection.streams:
                        connection.send(sorted(connection.streams)[:1], "delete", str(object_id))
        except Exception:  # a broken event must not break the code that published it
            log.exception("stream event %s %s failed", event, object_id)

    async def _status_event(self, event: str, status_id: int, home_ids: set[int]) -> None:
        status = await Status.get_or_none(id=status_id)
        if status is None:
            return
        tags = list(await Tag.filter(status_tags__status_id=status.id).values_list("name", flat=True))
        has_media = await MediaAttachment.exists(status_id=status.id)
        public = _public_streams(status, has_media, tags)
        rendered: dict[int | None, dict[str, Any]] = {}
        listed: dict[int, bool] = {}

        async def in_list_stream(stream: str, viewer_id: int | None) -> bool:
            list_id = int(stream.split(":", 1)[1])
            if list_id not in listed:
                lst = await List.get_or_none(id=list_id)
                listed[list_id] = lst is not None and lst.account_id == viewer_id and await in_list(status.id, lst)
            return listed[list_id]

        for connection in list(self.connections):
            viewer_id = connection.account.id if connection.account else None
            matched = [s for s in public if s in connection.streams]
            if "user" in connection.streams and viewer_id in home_ids:
                matched.insert(0, "user")
            if status.visibility == "direct" and "direct" in connection.streams and viewer_id in home_ids:
                matched.append("direct")
            lists = [s for s in connection.streams if s.startswith("list:") and await in_list_stream(s, viewer_id)]
            if not matched and not lists:
                continue
            if viewer_id not in rendered:
                found = await status_entities(self.rendered, self.base_url, connection.account, [status.id])
                if status.id not in found:
                    return  # deleted meanwhile
                rendered[viewer_id] = found[status.id]
            entity = rendered[viewer_id]
            if matched and not hidden_in(entity, _context(matched[0]) or ""):
                connection.send(matched[:1], event, json.dumps(entity))
            for stream in sorted(lists):
                # Mastodon names a list stream ["list", id], one message per list.
                if not hidden_in(entity, "home"):
                    connection.send(["list", stream.split(":", 1)[1]], event, json.dumps(entity))

    async def _notification(self, notification_id: int, account_ids: set[int]) -> None:
        notification = await Notification.get_or_none(id=notification_id)
        if notification is None:
            return
        for connection in list(self.connections):
            account = connection.account
            if account is None or account.id not in account_ids:
                continue
            stream = next((s for s in ("user", "user:notification") if s in connection.streams), None)
            if stream is None:
                continue
            [entity] = await notification_entities([notification], self.base_url, account, self.rendered) or [None]
            if entity is not None:
                connection.send([stream], "notification", entity)

    async def _conversation(self, conversation_id: int, account_ids: set[int]) -> None:
        """Mastodon sends a direct-message conversation's new state as event "conversation" on the direct stream."""
        row = await Conversation.get_or_none(id=conversation_id)
        if row is None:
            return
        for connection in list(self.connections):
            account = connection.account
            if account is None or account.id not in account_ids or account.id != row.account_id:
                continue
            if "direct" not in connection.streams:
                continue
            [entity] = await conversation_entities([row], self.base_url, account)
            connection.send(["direct"], "conversation", entity)
