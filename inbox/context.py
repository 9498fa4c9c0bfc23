from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from models.accounts import Account
from node import Node


class Ignored(Exception):
    """The activity is understood but does nothing here (not ours, already undone, ...)."""


@dataclass
class Received:
    """An activity being applied: the verified actor and the document."""

    node: Node
    actor: Account
    activity: dict[str, Any]
    recipient: Account | None = None

    @property
    def object(self) -> Any:
        return self.activity.get("object")
