"""Ranked people search and the directory listing, answered from this node's database alone.

Both return DirectoryEntry ids in order; withdrawn entries and suspended accounts never
come back, whatever state the index is in.
"""

from __future__ import annotations

from people.index import catch_up, client, is_postgres, sql
from people.query import FILTER_COLUMNS, Query
from people.ranking import BM25_WEIGHTS, TS_RANK_WEIGHTS

VISIBLE = "NOT e.withdrawn AND NOT a.suspended"


def _like(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%|{escaped}%"


def _filter_conditions(query: Query, keys: str) -> tuple[list[str], list[str]]:
    """SQL conditions and their parameters: each filter's value is a prefix of one of the field's values."""
    conditions: list[str] = []
    params: list[str] = []
    for wanted in query.filters:
        column = FILTER_COLUMNS[wanted.name][0]
        alternatives = [f"{keys}.{column} LIKE ? ESCAPE '\\'" for _ in wanted.values]
        conditions.append("(" + " OR ".join(alternatives) + ")")
        params.extend(_like(v) for v in wanted.values)
    return conditions, params


async def search_people(query: Query, limit: int, offset: int = 0) -> list[int]:
    """Entry ids, best match first (a name match above a title, department or skill match)."""
    db = client()
    await catch_up(db)
    if limit <= 0:
        return []
    if query.empty:
        _, rows = await db.execute_query(
            sql(
                db,
                "SELECT e.id FROM directory_entries e JOIN accounts a ON a.id = e.account_id"
                f" WHERE {VISIBLE} ORDER BY lower(e.display_name), e.id LIMIT ? OFFSET ?",
            ),
            [limit, offset],
        )
        return [row[0] for row in rows]

    # Rank in the index alone, then drop the few hidden people (suspended accounts) from the best few:
    # joining 40,000 "engineer" matches to their accounts before ranking costs more than the ranking.
    want = offset + limit
    window = want + 50
    while True:
        ids, exhausted = await _ranked(db, query, window)
        visible = await _visible(db, ids, query)
        if len(visible) >= want or exhausted:
            return visible[offset:want]
        window *= 4


async def _ranked(db, query: Query, window: int) -> tuple[list[int], bool]:
    """The best `window` entry ids by rank alone; True when there are no more."""
    if is_postgres(db):
        conditions, params = _filter_conditions(query, "p")
        tsquery = query.tsquery()
        text = (
            "SELECT p.entry_id FROM people_index p WHERE p.document @@ to_tsquery('simple', ?)"
            + "".join(f" AND {c}" for c in conditions)
            + f" ORDER BY ts_rank('{TS_RANK_WEIGHTS}', p.document, to_tsquery('simple', ?)) DESC, p.entry_id"
            " LIMIT ?"
        )
        values: list[object] = [tsquery, *params, tsquery, window]
    else:
        # The filters' words are in the MATCH as column filters (people.query): close enough to rank
        # on. That a filter's value is a prefix of the field's value is checked in _visible, for the
        # best few only: joining every match to people_keys first took half of an "engineer
        # department=platform" search (8,000 matches).
        weights = ", ".join(str(w) for w in BM25_WEIGHTS.values())
        text = (
            "SELECT rowid FROM people_fts WHERE people_fts MATCH ?"
            f" ORDER BY bm25(people_fts, {weights}), rowid LIMIT ?"
        )
        values = [query.fts5(), window]
    _, rows = await db.execute_query(sql(db, text), values)
    return [row[0] for row in rows], len(rows) < window


async def _visible(db, ids: list[int], query: Query) -> list[int]:
    """These ids in the same order, less withdrawn entries and suspended accounts (and on SQLite,
    less those whose fields do not start with the filters' values)."""
    if not ids:
        return []
    marks = ", ".join("?" for _ in ids)
    conditions, params = ([], []) if is_postgres(db) else _filter_conditions(query, "k")
    join_keys = " JOIN people_keys k ON k.entry_id = e.id" if conditions else ""
    _, rows = await db.execute_query(
        sql(
            db,
            f"SELECT e.id FROM directory_entries e JOIN accounts a ON a.id = e.account_id{join_keys}"
            f" WHERE e.id IN ({marks}) AND {VISIBLE}" + "".join(f" AND {c}" for c in conditions),
        ),
        [*ids, *params],
    )
    shown = {row[0] for row in rows}
    return [i for i in ids if i in shown]


async def directory_page(local_only: bool, order: str, limit: int, offset: int = 0) -> list[int]:
    """Mastodon's /api/v1/directory over the whole company: `active` (latest post first) or `new`."""
    db = client()
    if limit <= 0:
        return []
    where = VISIBLE + (" AND a.domain = ''" if local_only else "")
    # Mastodon orders by last_status_at DESC NULLS LAST; spelt out, as SQLite and PostgreSQL put NULLs apart.
    ordering = "a.id DESC" if order == "new" else "(a.last_status_at IS NULL), a.last_status_at DESC, a.id DESC"
    _, rows = await db.execute_query(
        sql(
            db,
            "SELECT e.id FROM directory_entries e JOIN accounts a ON a.id = e.account_id"
            f" WHERE {where} ORDER BY {ordering} LIMIT ? OFFSET ?",
        ),
        [limit, offset],
    )
    return [row[0] for row in rows]
