"""Storage tests: schema migrations and the multi-row insert helper."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import httpx

from zep_integrations.server import ZepServer
from zep_integrations.server.storage import (
    MESSAGE_COLUMNS,
    MIGRATIONS,
    Storage,
    _split_sql,
    insert_many,
)

NOW = "2024-06-01T09:00:00.000000Z"


def _schema_v1_database(path: Path) -> None:
    """Write a database exactly as schema version 1 left it, with one session, message, fact."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    for statement in _split_sql(MIGRATIONS[0]):
        conn.execute(statement)
    conn.execute("PRAGMA user_version = 1")
    conn.execute(
        "INSERT INTO sessions(uuid, session_id, created_at, updated_at) VALUES (?, ?, ?, ?)",
        ("00000000-0000-4000-8000-000000000001", "old", NOW, NOW),
    )
    conn.execute(
        "INSERT INTO messages(uuid, session_id, role, role_type, content, metadata, token_count,"
        " created_at, updated_at) VALUES (?, 1, 'Jane', 'user', ?, NULL, 6, ?, ?)",
        ("00000000-0000-4000-8000-000000000002", "I live in Paris.", NOW, NOW),
    )
    conn.execute(
        "INSERT INTO facts(uuid, session_id, content, rating, created_at)"
        " VALUES (?, 1, ?, NULL, ?)",
        ("00000000-0000-4000-8000-000000000003", "Jane: I live in Paris.", NOW),
    )
    conn.close()


def test_schema_v1_database_upgrades_in_place(tmp_path: Path) -> None:
    """A version-1 file gains the later migrations and keeps serving its data, facts deduped."""
    path = tmp_path / "v1.db"
    _schema_v1_database(path)
    server = ZepServer(path)
    try:
        conn = sqlite3.connect(path)
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        indexes = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        assert "facts_content" in indexes
        conn.close()
        http = httpx.Client(transport=server.transport(), base_url="http://zep/api/v2/")
        memory = http.get("sessions/old/memory").json()
        assert [m["content"] for m in memory["messages"]] == ["I live in Paris."]
        assert memory["facts"] == ["Jane: I live in Paris."]
        hits = http.post("sessions/old/search", json={"text": "Paris"}).json()
        assert [h["message"]["content"] for h in hits] == ["I live in Paris."]
        body = {"messages": [{"role_type": "user", "role": "Jane", "content": "I live in Paris."}]}
        assert http.post("sessions/old/memory", json=body).status_code == 200
        assert http.get("sessions/old/facts").json()["facts"][0]["fact"] == (
            "Jane: I live in Paris."
        )
        assert len(http.get("sessions/old/facts").json()["facts"]) == 1
    finally:
        server.close()
    Storage(path).close()  # reopening an up-to-date file applies nothing


def test_insert_many_keeps_order_across_statements(tmp_path: Path) -> None:
    """Rows beyond one statement's parameter budget are split and keep their order and FTS rows."""
    store = Storage(tmp_path / "s.db")
    try:
        with store.write() as conn:
            conn.execute(
                "INSERT INTO sessions(uuid, session_id, created_at, updated_at)"
                " VALUES (?, ?, ?, ?)",
                ("u", "s", NOW, NOW),
            )
            rows = [(f"m{i}", 1, None, "user", f"word{i}", None, 1, NOW, NOW) for i in range(250)]
            insert_many(
                conn,
                "messages",
                MESSAGE_COLUMNS,
                rows,
            )
        with store.read() as conn:
            got = [r[0] for r in conn.execute("SELECT uuid FROM messages ORDER BY id")]
            found = conn.execute(
                "SELECT rowid FROM messages_fts WHERE messages_fts MATCH 'word249'"
            ).fetchall()
        assert got == [f"m{i}" for i in range(250)]
        assert [r[0] for r in found] == [250]
    finally:
        store.close()
