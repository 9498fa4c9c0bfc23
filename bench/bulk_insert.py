"""Bulk inserts for seeding benchmark databases, on SQLite (executemany) or PostgreSQL (COPY).

Seeding a million statuses through the node would take an hour; these write rows straight into
the node's tables, after the node has created its schema. `open_sink` picks the backend from
the target: a path is a SQLite file, a postgres:// URL a PostgreSQL database.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


class SqliteSink:
    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(path)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=OFF")

    def columns(self, table: str) -> list[tuple[str, str, bool]]:
        """(name, type in upper case, NOT NULL) of each column, in table order."""
        return [
            (name, kind.upper(), bool(notnull))
            for _, name, kind, notnull, _, _ in self.db.execute(f"PRAGMA table_info({table})")
        ]

    def timestamp(self, value: datetime) -> Any:
        return value.isoformat(sep=" ")  # as Tortoise writes them

    def scalar(self, sql: str, *params: Any) -> Any:
        return self.db.execute(sql, params).fetchone()[0]

    def insert(self, table: str, names: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        marks = ",".join("?" * len(names))
        with self.db:
            self.db.executemany(f"INSERT INTO {table} ({','.join(names)}) VALUES ({marks})", rows)

    def close(self) -> None:
        self.db.execute("ANALYZE")
        self.db.close()


class PostgresSink:
    def __init__(self, url: str) -> None:
        import asyncpg

        self.loop = asyncio.new_event_loop()
        self.connection = self.loop.run_until_complete(asyncpg.connect(url))

    def _run(self, coroutine):
        return self.loop.run_until_complete(coroutine)

    def columns(self, table: str) -> list[tuple[str, str, bool]]:
        rows = self._run(
            self.connection.fetch(
                "SELECT column_name, data_type, is_nullable FROM information_schema.columns"
                " WHERE table_name = $1 AND table_schema = current_schema() ORDER BY ordinal_position",
                table,
            )
        )
        return [(row["column_name"], row["data_type"].upper(), row["is_nullable"] == "NO") for row in rows]

    def timestamp(self, value: datetime) -> Any:
        return value

    def scalar(self, sql: str, *params: Any) -> Any:
        numbered = sql
        for n in range(1, len(params) + 1):
            numbered = numbered.replace("?", f"${n}", 1)
        return self._run(self.connection.fetchval(numbered, *params))

    def insert(self, table: str, names: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        booleans = {i for i, (_, kind, _) in enumerate(self.columns(table)) if kind == "BOOLEAN"}
        positions = {name: i for i, (name, _, _) in enumerate(self.columns(table))}
        convert = [positions[name] in booleans for name in names]
        records = [tuple(bool(v) if flag else v for v, flag in zip(row, convert, strict=True)) for row in rows]
        self._run(self.connection.copy_records_to_table(table, records=records, columns=list(names)))

    def close(self) -> None:
        self._run(self.connection.execute("ANALYZE"))
        self._run(self.connection.close())
        self.loop.close()


def open_sink(target: Path | str) -> SqliteSink | PostgresSink:
    if isinstance(target, str) and target.startswith("postgres"):
        return PostgresSink(target)
    return SqliteSink(Path(target))


def row_template(
    sink: SqliteSink | PostgresSink, table: str, given: dict[str, object]
) -> tuple[list[str], list[object]]:
    """Every column of `table` with a value: the given ones, else NULL where allowed, else a zero of its type.

    Tortoise fills its defaults in Python, so the database has none to fall back on.
    """
    names, template = [], []
    now = sink.timestamp(datetime.now(UTC))
    for name, kind, notnull in sink.columns(table):
        names.append(name)
        if name in given:
            template.append(given[name])
        elif not notnull:
            template.append(None)
        elif "BOOL" in kind:
            template.append(False)
        elif any(word in kind for word in ("INT", "REAL", "DEC", "DOUBLE", "NUMERIC")):
            template.append(0)
        elif "TIMESTAMP" in kind or "DATE" in kind:
            template.append(now)
        elif "JSON" in kind:
            template.append("[]")
        else:
            template.append("")
    return names, template
