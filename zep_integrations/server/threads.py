"""Threads, messages and users over the v2 tables, version-neutral.

A thread **is** a v2 session (``thread_id`` == ``session_id``, ``Thread.uuid`` == the session's
UUID); a v3/v4 message's ``role`` / ``name`` are the v2 ``role_type`` / ``role``; users are the v2
users. Route modules of each version translate shapes around these functions. Stable names:

* :func:`check_metadata` (the v3/v4 message metadata limits), :class:`NewMessage`.
* :func:`find_thread`, :func:`create_thread`, :func:`list_threads`, :func:`delete_thread`,
  :func:`thread_user`, :func:`thread_json`.
* :func:`read_messages` (``lastn`` / ``limit`` + 1-based page ``cursor``), :func:`add_messages`
  (store, extract facts into the user's graph, summarise), :func:`message_json`,
  :func:`find_message`, :func:`update_message_metadata`.
* :func:`user_json` (v2 user plus ``graph_uuid``, ``time_zone``, ``disable_default_ontology``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from zep_integrations.server import graph
from zep_integrations.server.handler import Ctx, HTTPError
from zep_integrations.server.knowledge import graph_hooks
from zep_integrations.server.memory import Turn
from zep_integrations.server.records import deep_merge, token_count
from zep_integrations.server.records import user_json as v2_user_json
from zep_integrations.server.storage import MESSAGE_COLUMNS, dumps, insert_many, loads

__all__ = [
    "MAX_METADATA_KEYS",
    "THREAD_ORDER",
    "NewMessage",
    "add_messages",
    "check_metadata",
    "create_thread",
    "delete_thread",
    "find_message",
    "find_thread",
    "list_threads",
    "message_json",
    "read_messages",
    "sql_int",
    "thread_json",
    "thread_user",
    "update_message_metadata",
    "user_json",
]

MAX_METADATA_KEYS = 10
"""Message and episode metadata: at most 10 keys, values scalars or arrays of scalars
(zep-cloud 3.30.0 ``thread/message/raw_client.py`` docstring)."""

THREAD_ORDER = {
    "created_at": "created_at",
    "updated_at": "updated_at",
    "user_id": "user_id",
    "thread_id": "session_id",
}


SQL_MAX = 2**62
"""Counts and offsets bound into SQL are capped here: SQLite integers are 64-bit, and a larger
``limit`` from a query string would otherwise fail the request with an overflow."""


def sql_int(value: int) -> int:
    """``value`` capped at :data:`SQL_MAX` (a page that large is "all of them")."""
    return min(value, SQL_MAX)


def check_metadata(metadata: Any, what: str = "metadata") -> None:
    """Raise ``ValueError`` unless ``metadata`` is an object of at most 10 scalar-ish values."""
    if not isinstance(metadata, Mapping):
        raise ValueError(f"{what} must be an object")
    if len(metadata) > MAX_METADATA_KEYS:
        raise ValueError(
            f"{what} has {len(metadata)} keys; at most {MAX_METADATA_KEYS} are allowed"
        )
    for key, value in metadata.items():
        values = value if isinstance(value, list) else [value]
        if not all(v is None or isinstance(v, (str, int, float, bool)) for v in values):
            raise ValueError(
                f"{what}[{key!r}] must be a string, number, boolean or an array of those"
            )


@dataclass(frozen=True)
class NewMessage:
    """A message to add, already validated (v3 ``Message`` / v4 ``AddMessage``).

    Attributes:
        role: The role type (``user``, ``assistant``, ...): v2 ``role_type``.
        name: The speaker's name: v2 ``role``.
        content: The text.
        created_at: When it was sent (RFC 3339), else the time of the write.
        metadata: At most :data:`MAX_METADATA_KEYS` keys.

    Example:
        >>> NewMessage("user", "Jane", "I live in Lisbon.").role
        'user'
    """

    role: str
    name: str | None
    content: str
    created_at: str | None = None
    metadata: dict[str, Any] | None = None


def thread_user(conn: sqlite3.Connection, session: sqlite3.Row) -> sqlite3.Row | None:
    """The user row of a thread (``None`` for a v2 session created without a user)."""
    if session["user_id"] is None:
        return None
    row = conn.execute("SELECT * FROM users WHERE user_id = ?", (session["user_id"],)).fetchone()
    return row  # type: ignore[no-any-return]


def user_json(conn: sqlite3.Connection, row: sqlite3.Row, project_uuid: str) -> dict[str, Any]:
    """A ``User`` for v2 and v3 alike: the v2 fields plus the v3 ones."""
    count = conn.execute(
        "SELECT count(*) FROM sessions WHERE user_id = ?", (row["user_id"],)
    ).fetchone()[0]
    out = v2_user_json(row, project_uuid, int(count))
    out["graph_uuid"] = graph.user_graph_uuid(row["uuid"])
    out["time_zone"] = row["time_zone"]
    out["disable_default_ontology"] = bool(row["disable_default_ontology"])
    return out


def thread_json(
    session: sqlite3.Row, user: sqlite3.Row | None, project_uuid: str
) -> dict[str, Any]:
    """A ``Thread`` (zep-cloud 3.30.0 ``types/thread.py``)."""
    return {
        "uuid": session["uuid"],
        "thread_id": session["session_id"],
        "user_id": session["user_id"],
        "user_uuid": user["uuid"] if user is not None else None,
        "graph_uuid": graph.user_graph_uuid(user["uuid"]) if user is not None else None,
        "project_uuid": project_uuid,
        "created_at": session["created_at"],
        "updated_at": session["updated_at"],
    }


def find_thread(conn: sqlite3.Connection, thread_id: str) -> sqlite3.Row:
    """The session row of a thread; 404 ``thread not found``."""
    row = conn.execute("SELECT * FROM sessions WHERE session_id = ?", (thread_id,)).fetchone()
    if row is None:
        raise HTTPError(404, f"thread not found: {thread_id}")
    return row  # type: ignore[no-any-return]


def create_thread(
    conn: sqlite3.Connection, thread_uuid: str, thread_id: str, user_id: str, now: str
) -> sqlite3.Row:
    """Create a thread of an existing user; 404 for an unknown user, 400 for a taken id."""
    graph.user_owner(conn, user_id)
    if conn.execute("SELECT 1 FROM sessions WHERE session_id = ?", (thread_id,)).fetchone():
        raise HTTPError(400, f"thread already exists with thread_id: {thread_id}")
    conn.execute(
        "INSERT INTO sessions(uuid, session_id, user_id, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (thread_uuid, thread_id, user_id, now, now),
    )
    return find_thread(conn, thread_id)


def list_threads(
    conn: sqlite3.Connection,
    *,
    page_number: int,
    page_size: int | None,
    order_by: str | None,
    asc: bool,
) -> tuple[list[sqlite3.Row], int]:
    """A page of threads (every session) and the total; ``order_by`` in :data:`THREAD_ORDER`."""
    column = THREAD_ORDER[order_by] if order_by else "id"
    direction = "ASC" if asc else "DESC"
    sql, args = f"SELECT * FROM sessions ORDER BY {column} {direction}, id {direction}", []
    if page_size is not None:
        sql += " LIMIT ? OFFSET ?"
        args = [sql_int(page_size), sql_int((page_number - 1) * page_size)]
    total = int(conn.execute("SELECT count(*) FROM sessions").fetchone()[0])
    return conn.execute(sql, args).fetchall(), total


def delete_thread(conn: sqlite3.Connection, thread_id: str) -> None:
    """Delete a thread with its messages, summaries and facts (cascade); 404 when missing."""
    row = find_thread(conn, thread_id)
    conn.execute("DELETE FROM sessions WHERE id = ?", (row["id"],))


def read_messages(
    conn: sqlite3.Connection,
    session_rowid: int,
    *,
    lastn: int | None = None,
    limit: int | None = None,
    cursor: int = 1,
) -> tuple[list[sqlite3.Row], int]:
    """Messages oldest first and the thread's total.

    ``lastn`` (the newest n) overrides ``limit``/``cursor``; ``cursor`` is a 1-based page number
    of ``limit`` messages.
    """
    total = int(
        conn.execute(
            "SELECT count(*) FROM messages WHERE session_id = ?", (session_rowid,)
        ).fetchone()[0]
    )
    if lastn:
        rows = conn.execute(
            "SELECT * FROM messages WHERE session_id = ? ORDER BY id DESC LIMIT ?",
            (session_rowid, sql_int(lastn)),
        ).fetchall()
        rows.reverse()
        return rows, total
    sql, args = "SELECT * FROM messages WHERE session_id = ? ORDER BY id", [session_rowid]
    if limit:
        sql += " LIMIT ? OFFSET ?"
        args += [sql_int(limit), sql_int((cursor - 1) * limit)]
    return conn.execute(sql, args).fetchall(), total


def message_json(row: sqlite3.Row) -> dict[str, Any]:
    """A v3 ``Message``: v2 ``role_type`` is ``role``, v2 ``role`` is ``name``."""
    return {
        "uuid": row["uuid"],
        "role": row["role_type"],
        "name": row["role"],
        "content": row["content"],
        "created_at": row["created_at"],
        "metadata": loads(row["metadata"]),
        "processed": True,
    }


def add_messages(
    ctx: Ctx,
    conn: sqlite3.Connection,
    session: sqlite3.Row,
    messages: Sequence[NewMessage],
    ignore_roles: Sequence[str] = (),
    *,
    strict_ontology: bool = False,
) -> list[str]:
    """Store validated messages in a thread and ingest them; returns their UUIDs.

    Facts come from ``intelligence.extract_facts`` over the messages whose role is not in
    ``ignore_roles``; each fact's source episodes are the messages containing its sentence
    (all ingested messages when none does). They go to the thread user's graph, so every other
    thread of that user sees them. Summaries follow the v2 rule (``routes_memory._summarise``).
    """
    from zep_integrations.server.routes_memory import _summarise

    env = ctx.env
    now = ctx.now()
    rowid = int(session["id"])
    uuids = [env.new_uuid() for _ in messages]
    insert_many(
        conn,
        "messages",
        MESSAGE_COLUMNS,
        [
            (
                uuid,
                rowid,
                m.name,
                m.role,
                m.content,
                dumps(m.metadata),
                token_count(m.content),
                m.created_at or now,
                now,
            )
            for uuid, m in zip(uuids, messages, strict=True)
        ],
    )
    conn.execute("UPDATE sessions SET updated_at = ? WHERE id = ?", (now, rowid))
    ingest = [(u, m) for u, m in zip(uuids, messages, strict=True) if m.role not in ignore_roles]
    turns = [Turn(m.name, m.role, m.content, m.created_at or now) for _, m in ingest]
    facts = env.intelligence.extract_facts(turns) if turns else []
    if facts:
        user = thread_user(conn, session)
        sources = []
        for fact in facts:
            sentence = fact.split(": ", 1)[-1]
            found = [u for u, m in ingest if sentence in m.content] or [u for u, _ in ingest]
            sources.append((fact, found))
        valid_at = max(m.created_at or now for _, m in ingest)
        if user is None:
            # A v2 session without a user has no user graph: its facts stay session facts.
            from zep_integrations.server.routes_facts import add_facts

            add_facts(ctx, conn, rowid, facts)
        else:
            owner = graph.owner_of_user(user)
            hooks = graph_hooks(env.intelligence)
            graph.record_facts(
                conn,
                hooks,
                env.new_uuid,
                owner,
                rowid,
                sources,
                valid_at,
                now,
                strict_ontology=strict_ontology,
            )
    _summarise(ctx, conn, rowid)
    return uuids


def find_message(conn: sqlite3.Connection, message_uuid: str) -> sqlite3.Row:
    """A message by UUID; 404 ``message not found``."""
    row = conn.execute("SELECT * FROM messages WHERE uuid = ?", (message_uuid,)).fetchone()
    if row is None:
        raise HTTPError(404, f"message not found: {message_uuid}")
    return row  # type: ignore[no-any-return]


def update_message_metadata(
    conn: sqlite3.Connection, message_uuid: str, metadata: Mapping[str, Any], now: str
) -> sqlite3.Row:
    """Deep-merge ``metadata`` into a message's (as v2 does).

    The merged value must keep the v3 limits, else ``ValueError`` and nothing changes.
    """
    row = find_message(conn, message_uuid)
    merged = deep_merge(loads(row["metadata"]), metadata)
    check_metadata(merged, "the message's merged metadata")
    conn.execute(
        "UPDATE messages SET metadata = ?, updated_at = ? WHERE id = ?",
        (dumps(merged), now, row["id"]),
    )
    return find_message(conn, message_uuid)
