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

    if is_postgres(db):
        conditions, params = _filter_conditions(query, "p")
        tsquery = query.tsquery()
        text = (
            "SELECT e.id FROM people_index p JOIN directory_entries e ON e.id = p.entry_id"
            " JOIN accounts a ON a.id = e.account_id"
            f" WHERE p.document @@ to_tsquery('simple', ?) AND {VISIBLE}"
            + "".join(f" AND {c}" for c in conditions)
            + f" ORDER BY ts_rank('{TS_RANK_WEIGHTS}', p.document, to_tsquery('simple', ?)) DESC,"
            " lower(e.display_name), e.id LIMIT ? OFFSET ?"
        )
        values: list[object] = [tsquery, *params, tsquery, limit, offset]
    else:
        conditions, params = _filter_conditions(query, "k")
        weights = ", ".join(str(w) for w in BM25_WEIGHTS.values())
        join_keys = " JOIN people_keys k ON k.entry_id = e.id" if conditions else ""
        text = (
            "SELECT e.id FROM people_fts JOIN directory_entries e ON e.id = people_fts.rowid"
            f" JOIN accounts a ON a.id = e.account_id{join_keys}"
            f" WHERE people_fts MATCH ? AND {VISIBLE}"
            + "".join(f" AND {c}" for c in conditions)
            + f" ORDER BY bm25(people_fts, {weights}), lower(e.display_name), e.id LIMIT ? OFFSET ?"
        )
        values = [query.fts5(), *params, limit, offset]
    _, rows = await db.execute_query(sql(db, text), values)
    return [row[0] for row in rows]


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
