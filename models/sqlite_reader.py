"""Hot reads on SQLite through a second connection, on the event loop's own thread.

Tortoise talks to SQLite through aiosqlite: every query is handed to its one connection's
thread and the answer handed back. For the small indexed reads behind every request (the
token, a timeline page's keys, the viewer's marks: 20–80 µs each inside SQLite), the hand-over
cost more than the query: two thread switches, each waiting for the GIL while the event loop
is busy with other requests, and a lock that queues the read behind any open transaction of
the inbox worker on that same connection. In WAL mode a second connection reads the last
committed state without waiting for, or blocking, the writer, so these reads run here
directly, synchronously.

Only reads outside a transaction come here (models.reads checks): inside one, a read must see
the transaction's own writes, which only its connection does. A read this connection cannot
do (a busy database, an error) goes the usual way instead, so nothing depends on it. The same
connection writes the transactions run on the loop's thread (models/statements.py), so that
its page cache holds what they wrote (`reader`).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence
from typing import Any

from tortoise.backends.sqlite.client import SqliteClient

# Each connection keeps its own page cache; 8 MB (SQLite's default is 2 MB) holds a busy node's
# newest feed, status and account pages without a read from the OS per request.
CACHE_KIB = 8192

# By client, file and thread: a client's id can be reused once it is gone, its file not.
_readers: dict[tuple, sqlite3.Connection] = {}
_lock = threading.Lock()


def reader(db: object) -> sqlite3.Connection | None:
    """This thread's connection to `db`'s file for reads, or None where reads must go through `db`.

    None for anything but the plain SQLite client: a transaction (whose own writes a second
    connection would not see), PostgreSQL, and an in-memory database (a second connection
    would open another, empty one). It is the thread's write connection too (`writer`): a
    connection's page cache is dropped whole when another connection has committed since its
    last read, so reading through a connection of its own, after every commit of the inbox's
    group writer, read each page anew (a look-up of one inbox item took 42 us, a group's three
    small look-ups of followers, blocks and lists 250 us). The connection that wrote the pages
    keeps them.
    """
    return writer(db)


def sqlite_file(db: object) -> str | None:
    """The file of `db` when it is the plain SQLite client of a database file, else None
    (PostgreSQL, an in-memory database, a transaction's connection)."""
    if type(db) is not SqliteClient or db.filename in ("", ":memory:"):
        return None
    return db.filename


def writer(db: object) -> sqlite3.Connection | None:
    """This thread's connection to `db`'s file, for writes (see models/statements.py) and reads
    (`reader`), or None as for `reader`.

    With `db`'s own settings (WAL, synchronous, foreign keys), and no waiting at all when the
    database is locked: whoever holds the lock holds it for a while (another process), and the
    caller then writes through aiosqlite, which waits in its own thread; a read then goes
    through aiosqlite too. Its statements are only run synchronously, each transaction whole
    in one call, so a read never lands inside a write's transaction.
    """
    filename = sqlite_file(db)
    if filename is None or db._connection is None:  # type: ignore[attr-defined]
        return None
    key = (id(db), filename, threading.get_ident())
    found = _readers.get(key)
    if found is None:
        found = sqlite3.connect(filename, isolation_level=None, check_same_thread=True)
        found.row_factory = sqlite3.Row
        for pragma, value in db.pragmas.items():  # type: ignore[attr-defined]
            found.execute(f"PRAGMA {pragma}={value}")
        found.execute("PRAGMA busy_timeout = 0")
        found.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        # Checkpoints copy the log into the database file and sync it: not on the event loop's
        # thread (models/statements.py has aiosqlite's connection do them).
        found.execute("PRAGMA wal_autocheckpoint = 0")
        with _lock:
            _readers[key] = found
    return found


def open_reader(filename: str) -> sqlite3.Connection:
    """A read-only connection to `filename` that gives up quickly when the database is busy."""
    connection = sqlite3.connect(filename, isolation_level=None, check_same_thread=True)
    connection.row_factory = sqlite3.Row
    connection.execute("PRAGMA query_only = ON")
    connection.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
    # A reader never waits long: past this it gives up and the read goes through aiosqlite.
    connection.execute("PRAGMA busy_timeout = 20")
    return connection


def read(connection: sqlite3.Connection, sql: str, params: Sequence[Any]) -> list[dict[str, Any]] | None:
    """The rows as dicts, or None when this connection could not read them (the caller reads them the usual way)."""
    try:
        return [dict(row) for row in connection.execute(sql, params).fetchall()]
    except sqlite3.Error:
        return None


def read_each(
    connection: sqlite3.Connection, statements: Sequence[tuple[str, Sequence[Any]]]
) -> list[dict[str, Any]] | None:
    """The rows of several SELECTs one after another, as `read`, in one read transaction: one
    snapshot for all of them, as one compound SELECT would have, and one lock of the database
    instead of one per statement."""
    try:
        connection.execute("BEGIN")
        try:
            found: list[dict[str, Any]] = []
            for sql, params in statements:
                found += [dict(row) for row in connection.execute(sql, params).fetchall()]
            return found
        finally:
            connection.execute("COMMIT")
    except sqlite3.Error:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        return None


def read_tuples(connection: sqlite3.Connection, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]] | None:
    """As `read`, the rows as plain tuples (no dict per row, for wide or many rows)."""
    try:
        cursor = connection.cursor()
        cursor.row_factory = None
        return cursor.execute(sql, params).fetchall()
    except sqlite3.Error:
        return None


def close_readers() -> None:
    """Close every read connection (when the database closes)."""
    with _lock:
        found = list(_readers.values())
        _readers.clear()
    for connection in found:
        try:
            connection.close()
        except sqlite3.ProgrammingError:
            # Made on another thread; it goes with its thread's end.
            pass
