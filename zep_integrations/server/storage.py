"""SQLite storage of the embedded server: schema, migrations, connection and transactions.

One write connection per server, guarded by a :class:`threading.Lock`: the in-process transport is
called from many threads (LlamaIndex worker threads, ``serve``'s worker pool) and a single sqlite3
connection must not be used by two threads at once. Reads borrow read-only connections from a
pool instead, so they never wait for that lock (see :meth:`Storage.read`). Several processes may
share one file, so the database runs in WAL mode with a ``busy_timeout`` and every write takes the
write lock up front (``BEGIN IMMEDIATE``) instead of upgrading a read lock mid-transaction, which
would fail with ``SQLITE_BUSY`` without waiting.

Full-text search uses contentless FTS5 tables (``content=''``) kept in sync by triggers. Each FTS
row carries a ``scope`` token (``s<session rowid>`` or ``c<collection rowid>``) so a search can be
restricted to a session or collection inside FTS5 itself: the engine then intersects doclists
instead of ranking every match in the whole database, which keeps search fast at millions of rows.
"""

from __future__ import annotations

import json
import queue
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

__all__ = ["MIGRATIONS", "SchemaVersionError", "Storage", "dumps", "insert_many", "loads"]

_FTS_TABLES = (
    # (fts table, source table, scope expression over NEW/OLD)
    ("messages_fts", "messages", "'s' || {row}.session_id"),
    ("summaries_fts", "summaries", "'s' || {row}.session_id"),
    ("facts_fts", "facts", "'s' || {row}.session_id"),
    ("documents_fts", "documents", "'c' || {row}.collection_id"),
)


def _fts_sql() -> str:
    parts = []
    for fts, table, scope in _FTS_TABLES:
        new, old = scope.format(row="new"), scope.format(row="old")
        parts.append(
            f"""
CREATE VIRTUAL TABLE {fts} USING fts5(
    content, scope, content='', tokenize='porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER {table}_ai AFTER INSERT ON {table} BEGIN
    INSERT INTO {fts}(rowid, content, scope) VALUES (new.id, new.content, {new});
END;
CREATE TRIGGER {table}_ad AFTER DELETE ON {table} BEGIN
    INSERT INTO {fts}({fts}, rowid, content, scope) VALUES ('delete', old.id, old.content, {old});
END;
CREATE TRIGGER {table}_au AFTER UPDATE OF content ON {table} BEGIN
    INSERT INTO {fts}({fts}, rowid, content, scope) VALUES ('delete', old.id, old.content, {old});
    INSERT INTO {fts}(rowid, content, scope) VALUES (new.id, new.content, {new});
END;
"""
        )
    return "".join(parts)


_SCHEMA_V1 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    user_id TEXT NOT NULL UNIQUE,
    email TEXT,
    first_name TEXT,
    last_name TEXT,
    metadata TEXT,
    fact_rating_instruction TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    session_id TEXT NOT NULL UNIQUE,
    user_id TEXT REFERENCES users(user_id) ON DELETE CASCADE,
    metadata TEXT,
    fact_rating_instruction TEXT,
    classifications TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    ended_at TEXT
);
CREATE INDEX sessions_user ON sessions(user_id);
CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    role TEXT,
    role_type TEXT NOT NULL,
    content TEXT NOT NULL,
    metadata TEXT,
    token_count INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX messages_session ON messages(session_id, id);
CREATE TABLE summaries (
    id INTEGER PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    content TEXT NOT NULL,
    metadata TEXT,
    related_message_uuids TEXT,
    last_message_id INTEGER NOT NULL,
    token_count INTEGER NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX summaries_session ON summaries(session_id, id);
CREATE TABLE facts (
    id INTEGER PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    content TEXT NOT NULL,
    rating REAL,
    created_at TEXT NOT NULL
);
CREATE INDEX facts_session ON facts(session_id, id);
CREATE TABLE collections (
    id INTEGER PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL UNIQUE,
    description TEXT,
    metadata TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE documents (
    id INTEGER PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    collection_id INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
    document_id TEXT,
    content TEXT NOT NULL,
    metadata TEXT,
    embedding TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX documents_collection ON documents(collection_id, id);
CREATE INDEX documents_document_id ON documents(collection_id, document_id);
"""

_SCHEMA_V2 = """
CREATE INDEX facts_content ON facts(session_id, content);
"""
"""Writing facts skips those a session already has: an index lookup instead of a scan of the
session's facts on every ``POST memory`` that states one."""


def _rebuild_with_autoincrement(table: str, indexes: str) -> str:
    """Recreate ``table`` with ``id INTEGER PRIMARY KEY AUTOINCREMENT``, keeping every row.

    SQLite cannot add AUTOINCREMENT to an existing table: copy into a new table, drop the old
    one and rename (the documented table-rebuild procedure; ``_migrate`` turns foreign keys off
    around it so dropping ``sessions`` does not cascade to its messages).
    """
    create = _SCHEMA_V1.split(f"CREATE TABLE {table} (", 1)[1].split(");", 1)[0]
    columns = [line.strip().split()[0] for line in create.strip().splitlines()]
    body = create.replace("id INTEGER PRIMARY KEY,", "id INTEGER PRIMARY KEY AUTOINCREMENT,", 1)
    names = ", ".join(columns)
    return f"""
CREATE TABLE {table}_rebuilt ({body});
INSERT INTO {table}_rebuilt({names}) SELECT {names} FROM {table};
DROP TABLE {table};
ALTER TABLE {table}_rebuilt RENAME TO {table};
{indexes}
"""


_SCHEMA_V3 = _rebuild_with_autoincrement("users", "") + _rebuild_with_autoincrement(
    "sessions", "CREATE INDEX sessions_user ON sessions(user_id);"
)
"""Users and sessions never reuse an integer ``id``: without AUTOINCREMENT SQLite hands the
largest id out again once its row is deleted, so three different sessions came back as
``id=15``. ``sqlite_sequence`` starts at the largest id present when migrating."""

_FACT_SCOPE = (
    "trim(coalesce('s' || {row}.session_id, '') || ' ' || coalesce('u' || {row}.user_rowid, '')"
    " || ' ' || coalesce('g' || {row}.graph_rowid, ''))"
)
"""A fact's FTS scope holds every owner token (``s<session>``, ``u<user>``, ``g<graph>``), so one
``scope : "u7"`` clause finds a user's facts from all of their threads and their added data."""


def _graph_sql() -> str:
    fact_new, fact_old = _FACT_SCOPE.format(row="new"), _FACT_SCOPE.format(row="old")
    episode_new, episode_old = (
        f"coalesce('u' || {row}.user_rowid, 'g' || {row}.graph_rowid)" for row in ("new", "old")
    )
    return f"""
ALTER TABLE users ADD COLUMN time_zone TEXT;
ALTER TABLE users ADD COLUMN disable_default_ontology INTEGER;
CREATE TABLE graphs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid TEXT NOT NULL UNIQUE,
    graph_id TEXT NOT NULL UNIQUE,
    name TEXT,
    description TEXT,
    time_zone TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE episodes (
    id INTEGER PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    user_rowid INTEGER REFERENCES users(id) ON DELETE CASCADE,
    graph_rowid INTEGER REFERENCES graphs(id) ON DELETE CASCADE,
    source TEXT NOT NULL,
    content TEXT NOT NULL,
    source_description TEXT,
    metadata TEXT,
    document_id TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX episodes_user ON episodes(user_rowid, id);
CREATE INDEX episodes_graph ON episodes(graph_rowid, id);
CREATE VIRTUAL TABLE episodes_fts USING fts5(
    content, scope, content='', tokenize='porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER episodes_ai AFTER INSERT ON episodes BEGIN
    INSERT INTO episodes_fts(rowid, content, scope) VALUES (new.id, new.content, {episode_new});
END;
CREATE TRIGGER episodes_ad AFTER DELETE ON episodes BEGIN
    INSERT INTO episodes_fts(episodes_fts, rowid, content, scope)
    VALUES ('delete', old.id, old.content, {episode_old});
END;
CREATE TABLE facts_graph (
    id INTEGER PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    session_id INTEGER REFERENCES sessions(id) ON DELETE CASCADE,
    user_rowid INTEGER REFERENCES users(id) ON DELETE CASCADE,
    graph_rowid INTEGER REFERENCES graphs(id) ON DELETE CASCADE,
    content TEXT NOT NULL,
    rating REAL,
    created_at TEXT NOT NULL,
    name TEXT,
    entities TEXT,
    episodes TEXT,
    valid_at TEXT,
    invalid_at TEXT,
    expired_at TEXT
);
INSERT INTO facts_graph(id, uuid, session_id, user_rowid, content, rating, created_at)
SELECT facts.id, facts.uuid, facts.session_id, users.id, facts.content, facts.rating,
    facts.created_at
FROM facts LEFT JOIN sessions ON sessions.id = facts.session_id
LEFT JOIN users ON users.user_id = sessions.user_id;
DROP TABLE facts;
ALTER TABLE facts_graph RENAME TO facts;
CREATE INDEX facts_session ON facts(session_id, id);
CREATE INDEX facts_content ON facts(session_id, content);
CREATE INDEX facts_user ON facts(user_rowid, id);
CREATE INDEX facts_graph_owner ON facts(graph_rowid, id);
CREATE INDEX facts_user_content ON facts(user_rowid, content);
CREATE INDEX facts_graph_content ON facts(graph_rowid, content);
DROP TABLE facts_fts;
CREATE VIRTUAL TABLE facts_fts USING fts5(
    content, scope, content='', tokenize='porter unicode61 remove_diacritics 2'
);
INSERT INTO facts_fts(rowid, content, scope) SELECT id, content, {_FACT_SCOPE.format(row="facts")}
FROM facts;
CREATE TRIGGER facts_ai AFTER INSERT ON facts BEGIN
    INSERT INTO facts_fts(rowid, content, scope) VALUES (new.id, new.content, {fact_new});
END;
CREATE TRIGGER facts_ad AFTER DELETE ON facts BEGIN
    INSERT INTO facts_fts(facts_fts, rowid, content, scope)
    VALUES ('delete', old.id, old.content, {fact_old});
END;
CREATE TRIGGER facts_au AFTER UPDATE OF content, session_id, user_rowid, graph_rowid ON facts BEGIN
    INSERT INTO facts_fts(facts_fts, rowid, content, scope)
    VALUES ('delete', old.id, old.content, {fact_old});
    INSERT INTO facts_fts(rowid, content, scope) VALUES (new.id, new.content, {fact_new});
END;
"""


_SCHEMA_V3_GRAPH = _graph_sql()
"""The v3 thread API and the graph views (``server/graph.py``): user ``time_zone`` and
``disable_default_ontology``; standalone ``graphs`` (AUTOINCREMENT: ``Graph.id`` is on the wire
and must not come back for another graph); ``episodes`` (data added with ``POST graph``, messages
being the other episodes); facts become graph edges: owned by a session, a user or a graph, with
relation ``name``, ``entities`` (JSON names, the first one the target), source ``episodes`` and
validity dates. SQLite cannot relax ``facts.session_id NOT NULL`` in place, so the table is
rebuilt with its rowids, and its FTS index rebuilt with the user token in every fact's scope.
Every writer of a session's fact fills ``user_rowid`` from the session's user
(``routes_facts.add_facts``)."""

_SCHEMA_V4_API = """
CREATE TABLE idempotency_keys (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    fingerprint TEXT NOT NULL,
    status INTEGER NOT NULL,
    body BLOB NOT NULL,
    created_at REAL NOT NULL
);
CREATE TABLE tasks (
    id INTEGER PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    status TEXT NOT NULL,
    result TEXT,
    created_at TEXT NOT NULL
);
"""
"""The v4 API (zep-cloud 4.x): ``Idempotency-Key`` answers (kept >= 24 hours, see
``server/idempotency.py``; rows are in time order, so no index on ``created_at``) and the tasks
that deletes return. Work is synchronous here, so a task is stored already ``succeeded`` in the
transaction that did the work; an ingestion's task is its last message or its episode, which
needs no row."""

MIGRATIONS: tuple[str, ...] = (
    _SCHEMA_V1 + _fts_sql(),
    _SCHEMA_V2,
    _SCHEMA_V3,
    _SCHEMA_V3_GRAPH,
    _SCHEMA_V4_API,
)
"""Schema migrations; ``PRAGMA user_version`` is the number applied. Append, never edit."""


# SQLite's historical default limit on bound parameters per statement (999 before 3.32).
_MAX_VARIABLES = 999


MESSAGE_COLUMNS = (
    "uuid",
    "session_id",
    "role",
    "role_type",
    "content",
    "metadata",
    "token_count",
    "created_at",
    "updated_at",
)
"""The columns a message row is written with (see :func:`insert_many`)."""


def insert_many(
    conn: sqlite3.Connection, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Insert ``rows`` in order with multi-row ``INSERT ... VALUES (...), (...)`` statements.

    Not ``executemany``: that runs one statement per row, and each statement that fires an FTS
    trigger opens a savepoint at which FTS5 flushes its pending terms, so every row would write
    its own index segment. One statement per batch flushes once: writing 30 messages got ~3x
    cheaper (measured in ``benchmarks/server_bench.py``). Rowids are still assigned in row order.
    """
    if not rows:
        return
    per_statement = max(1, _MAX_VARIABLES // len(columns))
    marks = "(" + ", ".join("?" * len(columns)) + ")"
    head = f"INSERT INTO {table}({', '.join(columns)}) VALUES "
    for start in range(0, len(rows), per_statement):
        chunk = rows[start : start + per_statement]
        args = [value for row in chunk for value in row]
        conn.execute(head + ", ".join([marks] * len(chunk)), args)


def dumps(value: Any) -> str | None:
    """Encode a JSON column (``None`` stays SQL ``NULL``)."""
    return None if value is None else json.dumps(value, separators=(",", ":"), allow_nan=False)


def loads(text: str | None) -> Any:
    """Decode a JSON column."""
    return None if text is None else json.loads(text)


class SchemaVersionError(RuntimeError):
    """The database was written by a newer version of this package (its schema is newer)."""


class Storage:
    """The database of one server: a single locked connection plus schema management.

    Args:
        path: The SQLite file; created (with its schema) when missing.
        busy_timeout_ms: How long a writer waits for another process's write lock.
    """

    def __init__(self, path: str | Path, *, busy_timeout_ms: int = 30_000) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        # Per thread: how deep this thread is in write() (a v4 write with an Idempotency-Key
        # runs the route's own write() inside one outer transaction, see :meth:`write`).
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()  # not the write lock: a writer may open a reader
        self._idle_readers: queue.SimpleQueue[sqlite3.Connection] = queue.SimpleQueue()
        # check_same_thread=False: the lock above serialises access across threads.
        # isolation_level=None: we issue BEGIN/COMMIT ourselves (BEGIN IMMEDIATE for writes).
        self._conn = sqlite3.connect(
            str(self.path), check_same_thread=False, isolation_level=None, timeout=30.0
        )
        self._conn.row_factory = sqlite3.Row
        self._conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        self._busy_timeout_ms = int(busy_timeout_ms)
        try:
            # Before anything writes (even the switch to WAL): a newer schema is not ours.
            self._check_version()
            self._enable_wal(busy_timeout_ms / 1000)
            # NORMAL is durable across application crashes in WAL mode (no fsync per commit).
            self._conn.execute("PRAGMA synchronous = NORMAL")
            self._migrate()
        except BaseException:
            self._conn.close()
            raise

    def _enable_wal(self, timeout_s: float) -> None:
        # Switching a new file to WAL needs an exclusive lock, and SQLite does not call the busy
        # handler for it: a second process opening the same new file at the same moment gets
        # "database is locked" at once. Retry until busy_timeout, as the handler would.
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                self._conn.execute("PRAGMA journal_mode = WAL")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.01)

    def _check_version(self, version: int | None = None) -> int:
        if version is None:
            version = int(self._conn.execute("PRAGMA user_version").fetchone()[0])
        if version > len(MIGRATIONS):
            raise SchemaVersionError(
                f"{self.path} has schema version {version}, newer than this version of "
                f"zep-integrations understands ({len(MIGRATIONS)}); upgrade zep-integrations "
                "to open it (nothing was changed)"
            )
        return version

    def _migrate(self) -> None:
        with self._lock:
            # Foreign keys off while migrating (a no-op inside a transaction, so before BEGIN):
            # rebuilding a table drops it, and with them on that would cascade to its children.
            self._conn.execute("PRAGMA foreign_keys = OFF")
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                version = int(self._conn.execute("PRAGMA user_version").fetchone()[0])
                # Again under the write lock: another process may have upgraded it meanwhile.
                self._check_version(version)
                for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                    for statement in _split_sql(script):
                        self._conn.execute(statement)
                    self._conn.execute(f"PRAGMA user_version = {number}")
                problems = self._conn.execute("PRAGMA foreign_key_check").fetchall()
                if problems:
                    raise RuntimeError(f"migration left dangling references: {problems[:5]}")
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            finally:
                self._conn.execute("PRAGMA foreign_keys = ON")

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (``BEGIN IMMEDIATE``); rolled back on any exception.

        Nested in another :meth:`write` of the same thread it joins that transaction: the
        outermost one commits or rolls back everything, so a caller can make a route's work
        and its own bookkeeping (an idempotency record) one atomic unit.
        """
        depth = getattr(self._local, "depth", 0)
        if depth:
            # This thread already holds the lock and an open transaction: join it.
            self._local.depth = depth + 1
            try:
                yield self._conn
            finally:
                self._local.depth = depth
            return
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            self._local.depth = 1
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            finally:
                self._local.depth = 0
            self._conn.execute("COMMIT")

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """One read transaction: a consistent snapshot across the statements of a request.

        Reads do not take the write lock: each borrows a read-only connection of its own from a
        pool (one per concurrent reader, reused), and WAL lets readers run while a writer
        writes. So a long search or a big write in one thread never holds up a short read in
        another (``serve`` answers requests on a pool of worker threads).
        """
        try:
            conn = self._idle_readers.get_nowait()
        except queue.Empty:
            conn = self._open_reader()
        try:
            conn.execute("BEGIN")
            try:
                yield conn
            finally:
                conn.execute("COMMIT")
        finally:
            self._idle_readers.put(conn)

    def _open_reader(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            str(self.path), check_same_thread=False, isolation_level=None, timeout=30.0
        )
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {self._busy_timeout_ms}")
        # A read path that tried to write would fail loudly instead of bypassing the write lock.
        conn.execute("PRAGMA query_only = ON")
        with self._readers_lock:
            self._readers.append(conn)
        return conn

    def meta(self, key: str, default: str) -> str:
        """Read (and on first use store) a value of the ``meta`` table."""
        with self.write() as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
            if row is not None:
                return str(row[0])
            conn.execute("INSERT INTO meta(key, value) VALUES (?, ?)", (key, default))
            return default

    def close(self) -> None:
        """Close the connections."""
        with self._lock, self._readers_lock:
            for reader in self._readers:
                reader.close()
            self._readers.clear()
            self._conn.close()


def _split_sql(script: str) -> list[str]:
    """Split a script into statements; ``sqlite3.complete_statement`` keeps triggers whole."""
    statements: list[str] = []
    current = ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            if current.strip():
                statements.append(current.strip())
            current = ""
    if current.strip():
        statements.append(current.strip())
    return statements
