"""Tortoise ORM models, one module per aggregate. They know nothing of HTTP or JSON shapes."""

from __future__ import annotations

MODEL_MODULES = [
    "models.accounts",
    "models.statuses",
    "models.relationships",
    "models.interactions",
    "models.oauth",
    "models.queues",
    "models.lists",
    "models.markers",
    "models.filters",
    "models.tags",
    "models.reports",
    "models.scheduled",
    "models.suggestions",
    "models.polls",
    "models.conversations",
    "models.directory",
]
