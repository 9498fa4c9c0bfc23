"""Which kept status entities went stale, learnt from the render versions changed since the last look (SQLite).

On SQLite every change to a status or an account row gets a render version one above the
highest of its table (models/migrations/render_versions.py), and writes commit one at a time,
so a table's versions grow in commit order: "every row changed since I last looked" is one
index range, `render_version > the highest seen`, and it is nearly always empty. A page can
then take its kept entities on the strength of what this process has seen change, instead of
reading the versions of its 40 statuses, their authors and the boosted ones from the tables:
a join of five look-ups per row that was a quarter of a home timeline page.

PostgreSQL's versions are counters per row (its transactions commit in any order, so a
sequence's numbers would not say what is visible yet), and there the page reads its keys as
before; so does a read inside a transaction, whose own connection may see uncommitted changes.
"""

from __future__ import annotations

from models.db import database
from models.sqlite_reader import read_tuples, reader

# Past this many changed rows remembered, everything kept is dropped and the count starts again.
REMEMBERED = 20_000

_NEWEST = "SELECT (SELECT max(render_version) FROM statuses), (SELECT max(render_version) FROM accounts)"
_SINCE = (
    "SELECT 0, id, render_version FROM statuses WHERE render_version > ?"
    " UNION ALL SELECT 1, id, render_version FROM accounts WHERE render_version > ?"
)


class RenderChanges:
    """The newest render version of each status and account seen changing while this process watched."""

    def __init__(self) -> None:
        self.statuses: dict[int, int] = {}
        self.accounts: dict[int, int] = {}
        self._seen: tuple[int, int] | None = None  # the highest versions read, of statuses and accounts
        # Bumped whenever what was kept can no longer be judged (watching began, or began again):
        # an entity rendered under an older generation must not be kept.
        self.generation = 0

    def catch_up(self) -> bool:
        """Read the changes since the last look; False where this cannot be watched (the page reads its keys)."""
        connection = reader(database())
        if connection is None:
            return False
        if self._seen is None:
            newest = read_tuples(connection, _NEWEST, ())
            if not newest:
                return False
            self._seen = (newest[0][0] or 0, newest[0][1] or 0)
            self.generation += 1
            return True
        found = read_tuples(connection, _SINCE, self._seen)
        if found is None:
            return False
        if found:
            self._note(found)
        return True

    def _note(self, found: list[tuple[int, int, int]]) -> None:
        statuses, accounts = self.statuses, self.accounts
        newest_status, newest_account = self._seen or (0, 0)
        for table, row_id, version in found:
            if table == 0:
                statuses[row_id] = version
                newest_status = max(newest_status, version)
            else:
                accounts[row_id] = version
                newest_account = max(newest_account, version)
        self._seen = (newest_status, newest_account)
        if len(statuses) + len(accounts) > REMEMBERED:
            self.statuses, self.accounts = {}, {}
            self.generation += 1
