"""The full-text index of the company directory, kept in step with DirectoryEntry rows.

The folding (people.folding) happens here in Python, so SQLite and PostgreSQL index the very
same words; each backend then does what it is good at:

- SQLite: an FTS5 table `people_fts` (rowid = the entry's id, one column per field, ranked
  with bm25) beside `people_keys`, the folded filter values.
- PostgreSQL: `people_index` with a weighted tsvector under a GIN index (ranked with
  ts_rank) and the same filter values.

Whoever writes DirectoryEntry rows (the directory exchange, imports, registration) need not
know about the index: database triggers note every inserted, updated or deleted entry in
`people_dirty`, whatever wrote it (ORM, bulk update, another process), and `catch_up()`
re-indexes the noted entries before each search. Withdrawn entries leave the index.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Iterable, Sequence

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from models.db import database
from models.directory import DirectoryEntry
from people.folding import index_text, key_spellings
from people.ranking import TSVECTOR_LABELS

FTS_COLUMNS = ("name", "handle", "department", "title", "location", "skills")
BATCH = 500
CATCH_UP_BATCH = 50_000

_SQLITE_SCHEMA = (
    # remove_diacritics is a second line of defence: the text arrives folded already.
    "CREATE VIRTUAL TABLE IF NOT EXISTS people_fts USING fts5("
    + ", ".join(FTS_COLUMNS)
    + ", tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3')",
    "CREATE TABLE IF NOT EXISTS people_keys (entry_id INTEGER PRIMARY KEY,"
    " department TEXT NOT NULL, location TEXT NOT NULL, skills TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS people_dirty (entry_id INTEGER PRIMARY KEY)",
    *(
        f"CREATE TRIGGER IF NOT EXISTS people_dirty_{event.lower()} AFTER {event} ON directory_entries"
        f" BEGIN INSERT OR IGNORE INTO people_dirty (entry_id) VALUES ({row}.id); END"
        for event, row in (("INSERT", "new"), ("UPDATE", "new"), ("DELETE", "old"))
    ),
)
_POSTGRES_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS people_index (entry_id BIGINT PRIMARY KEY, document TSVECTOR NOT NULL,"
    " department TEXT NOT NULL, location TEXT NOT NULL, skills TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS people_index_document ON people_index USING GIN (document)",
    "CREATE TABLE IF NOT EXISTS people_dirty (entry_id BIGINT PRIMARY KEY)",
    "CREATE OR REPLACE FUNCTION people_mark_dirty() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
    " INSERT INTO people_dirty (entry_id) VALUES (CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END)"
    " ON CONFLICT DO NOTHING; RETURN NULL; END $$",
    "CREATE OR REPLACE TRIGGER people_dirty AFTER INSERT OR UPDATE OR DELETE ON directory_entries"
    " FOR EACH ROW EXECUTE FUNCTION people_mark_dirty()",
)


def client(using: BaseDBAsyncClient | None = None) -> BaseDBAsyncClient:
    return using or database()


def is_postgres(db: BaseDBAsyncClient) -> bool:
    return db.capabilities.dialect == "postgres"


def sql(db: BaseDBAsyncClient, text: str) -> str:
    """Queries are written with `?` placeholders; asyncpg wants $1, $2, ..."""
    if not is_postgres(db):
        return text
    parts = text.split("?")
    return "".join(part + (f"${i}" if i < len(parts) else "") for i, part in enumerate(parts, start=1))


def _key(values: Iterable[str]) -> str:
    """Filter values under all their spellings, each between bars: a filter matches `|value...`."""
    spelt = [s for value in values for s in key_spellings(value)]
    return "|" + "|".join(spelt) + "|" if spelt else ""


def fields_of(entry: DirectoryEntry) -> dict[str, str]:
    username = entry.handle.split("@", 1)[0]
    return {
        "name": index_text(entry.display_name or username),
        "handle": index_text(username),
        "department": index_text(entry.department),
        "title": index_text(entry.title),
        "location": index_text(entry.location),
        "skills": index_text(" ".join(str(s) for s in entry.skills or [])),
    }


def keys_of(entry: DirectoryEntry) -> tuple[str, str, str]:
    return _key([entry.department]), _key([entry.location]), _key(str(s) for s in entry.skills or [])


async def _sqlite_write(db: BaseDBAsyncClient, entries: Sequence[DirectoryEntry]) -> None:
    ids = [[e.id] for e in entries]
    await db.execute_many("DELETE FROM people_fts WHERE rowid = ?", ids)
    await db.execute_many(
        f"INSERT INTO people_fts (rowid, {', '.join(FTS_COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [[e.id, *fields_of(e).values()] for e in entries],
    )
    await db.execute_many(
        "INSERT OR REPLACE INTO people_keys (entry_id, department, location, skills) VALUES (?, ?, ?, ?)",
        [[e.id, *keys_of(e)] for e in entries],
    )


async def _postgres_write(db: BaseDBAsyncClient, entries: Sequence[DirectoryEntry]) -> None:
    labels = sorted(set(TSVECTOR_LABELS.values()))
    document = " || ".join(f"setweight(to_tsvector('simple', ${i}), '{label}')" for i, label in enumerate(labels, 2))
    rows = []
    for entry in entries:
        texts = fields_of(entry)
        by_label = [" ".join(texts[f] for f, lab in TSVECTOR_LABELS.items() if lab == label) for label in labels]
        rows.append([entry.id, *by_label, *keys_of(entry)])
    n = len(labels) + 2
    await db.execute_many(
        f"INSERT INTO people_index (entry_id, document, department, location, skills)"
        f" VALUES ($1, {document}, ${n}, ${n + 1}, ${n + 2})"
        " ON CONFLICT (entry_id) DO UPDATE SET document = EXCLUDED.document, department = EXCLUDED.department,"
        " location = EXCLUDED.location, skills = EXCLUDED.skills",
        rows,
    )


async def _delete(db: BaseDBAsyncClient, ids: Sequence[int]) -> None:
    if not ids:
        return
    rows = [[i] for i in ids]
    if is_postgres(db):
        await db.execute_many("DELETE FROM people_index WHERE entry_id = $1", rows)
    else:
        await db.execute_many("DELETE FROM people_fts WHERE rowid = ?", rows)
        await db.execute_many("DELETE FROM people_keys WHERE entry_id = ?", rows)


async def _write(db: BaseDBAsyncClient, entries: Sequence[DirectoryEntry]) -> None:
    """Index these entries (withdrawn ones are taken out)."""
    await _delete(db, [e.id for e in entries if e.withdrawn])
    current = [e for e in entries if not e.withdrawn]
    if current:
        await (_postgres_write if is_postgres(db) else _sqlite_write)(db, current)


async def ensure_index(using: BaseDBAsyncClient | None = None) -> None:
    """Create the index tables when missing and index the entries not in them yet (once per connection)."""
    db = client(using)
    base = database()
    if getattr(base, "_flurfunk_people_index", False):
        return
    for statement in _POSTGRES_SCHEMA if is_postgres(db) else _SQLITE_SCHEMA:
        await db.execute_script(statement)
    table, column = ("people_index", "entry_id") if is_postgres(db) else ("people_keys", "entry_id")
    _, rows = await db.execute_query(
        f"SELECT e.id FROM directory_entries e WHERE NOT e.withdrawn"
        f" AND NOT EXISTS (SELECT 1 FROM {table} k WHERE k.{column} = e.id)"
    )
    base._flurfunk_people_index = True  # type: ignore[attr-defined]
    await reindex([row[0] for row in rows], using=db)


@contextlib.asynccontextmanager
async def _same(db: BaseDBAsyncClient) -> AsyncIterator[BaseDBAsyncClient]:
    yield db


async def reindex(
    ids: Sequence[int] | None = None,
    using: BaseDBAsyncClient | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """(Re)index these entries, or all of them; returns how many were looked at. `progress(done, total)`."""
    db = client(using)
    await ensure_index(db)
    if ids is None:
        ids = [row[0] for row in (await db.execute_query("SELECT id FROM directory_entries"))[1]]
    done = 0
    for start in range(0, len(ids), BATCH):
        chunk = list(ids[start : start + BATCH])
        # One transaction a batch: SQLite would otherwise sync the file after every statement.
        async with in_transaction() if using is None else _same(db) as batch:
            # Marks go first: a write landing while this runs marks its entry again for the next look.
            await batch.execute_many(sql(db, "DELETE FROM people_dirty WHERE entry_id = ?"), [[i] for i in chunk])
            entries = await DirectoryEntry.filter(id__in=chunk).using_db(batch)
            found = {e.id for e in entries}
            await _write(batch, entries)
            await _delete(batch, [i for i in chunk if i not in found])
        done += len(chunk)
        if progress is not None:
            progress(done, len(ids))
    return done


async def catch_up(using: BaseDBAsyncClient | None = None) -> int:
    """Index the entries written since the last look; how many there were."""
    db = client(using)
    await ensure_index(db)
    _, rows = await db.execute_query(f"SELECT entry_id FROM people_dirty LIMIT {CATCH_UP_BATCH}")
    ids = [row[0] for row in rows]
    if ids:
        await reindex(ids, db)
    return len(ids)
