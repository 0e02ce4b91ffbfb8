"""Domain operations the v4 routes need that the version-neutral layer does not offer yet.

Kept apart on purpose: the v2 routes hold the same steps inline (``routes_memory.add_memory``),
and the shared domain layer for threads and the user graph is being built for the v3 API. When
it lands, these functions are replaced by it and this module goes away. Everything here works on
the v2 tables: sessions are threads, messages are message episodes, facts are edges and the user
is the one node every user graph has.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from zep_integrations.server import search
from zep_integrations.server.handler import Ctx
from zep_integrations.server.memory import Turn, context_parts, last_messages
from zep_integrations.server.records import token_count
from zep_integrations.server.routes_facts import add_facts
from zep_integrations.server.routes_memory import _summarise
from zep_integrations.server.storage import MESSAGE_COLUMNS, dumps, insert_many

__all__ = [
    "NewMessage",
    "append_messages",
    "thread_context",
    "user_session_rowids",
]

CONTEXT_QUERY_MESSAGES = 4
"""v4 "Smart Context Assembly" queries with the thread's four most recent messages."""


@dataclass(frozen=True)
class NewMessage:
    """A validated message to store (``role`` is the v2 ``role_type``, ``name`` the v2 role)."""

    role: str
    name: str | None
    content: str
    metadata: dict[str, Any] | None
    created_at: str | None


def append_messages(
    ctx: Ctx,
    conn: sqlite3.Connection,
    session: sqlite3.Row,
    messages: Sequence[NewMessage],
    ignore_roles: Sequence[str],
) -> list[dict[str, Any]]:
    """Store messages in a session with their facts and summary.

    Returns the stored rows as ``{column: value}`` (``metadata`` still JSON text), built from
    what was written rather than read back.
    """
    now = ctx.now()
    rowid = int(session["id"])
    rows = [
        (
            ctx.env.new_uuid(),
            rowid,
            m.name,
            m.role,
            m.content,
            dumps(m.metadata),
            token_count(m.content),
            m.created_at or now,
            now,
        )
        for m in messages
    ]
    insert_many(conn, "messages", MESSAGE_COLUMNS, rows)
    conn.execute("UPDATE sessions SET updated_at = ? WHERE id = ?", (now, rowid))
    ignored = set(ignore_roles)
    facts = ctx.env.intelligence.extract_facts(
        [
            Turn(m.name, m.role, m.content, m.created_at or now)
            for m in messages
            if m.role not in ignored
        ]
    )
    if facts:
        add_facts(ctx, conn, rowid, facts)
    _summarise(ctx, conn, rowid)
    return [dict(zip(MESSAGE_COLUMNS, row, strict=True)) for row in rows]


def user_session_rowids(conn: sqlite3.Connection, user_id: str) -> list[int]:
    """Rowids of every session of a user (its graph's threads)."""
    return [
        int(r[0]) for r in conn.execute("SELECT id FROM sessions WHERE user_id = ?", (user_id,))
    ]


def thread_context(conn: sqlite3.Connection, session: sqlite3.Row) -> str:
    """The context block of a thread: its latest messages as the query over the user's facts."""
    window = last_messages(conn, int(session["id"]), CONTEXT_QUERY_MESSAGES)
    if not window:
        return ""
    return context_parts(conn, session, window, None)[1]


def rank(
    conn: sqlite3.Connection,
    table: str,
    query: str,
    session_rowids: Sequence[int],
    limit: int,
) -> list[tuple[sqlite3.Row, float]]:
    """Rows of ``messages`` or ``facts`` in the sessions matching ``query``, scores in (0, 1]."""
    if not session_rowids:
        return []
    ranked = search.normalise(
        search.search_fts(conn, f"{table}_fts", query, [f"s{i}" for i in session_rowids], limit)
    )
    return search.ranked_rows(conn, table, ranked)
