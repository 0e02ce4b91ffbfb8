"""Routes of sections 4.1 (sessions) and 4.5-adjacent session bookkeeping."""

from __future__ import annotations

import sqlite3
from typing import Any

from zep_integrations._limits import MAX_JSON_INT
from zep_integrations.server.handler import (
    Ctx,
    HTTPError,
    Route,
    field_id,
    field_int,
    field_map,
    field_str,
    field_strs,
)
from zep_integrations.server.memory import last_messages, turns_of
from zep_integrations.server.records import deep_merge, session_json
from zep_integrations.server.storage import dumps, loads

ORDER_BY = {
    "created_at": "created_at",
    "updated_at": "updated_at",
    "user_id": "user_id",
    "session_id": "session_id",
}


def find_session(conn: sqlite3.Connection, session_id: str) -> sqlite3.Row:
    """The session row; 404 ``not found`` when missing."""
    row = conn.execute("SELECT * FROM sessions WHERE session_id = ?", (session_id,)).fetchone()
    if row is None:
        raise HTTPError(404, "not found")
    return row  # type: ignore[no-any-return]


def _session(ctx: Ctx, conn: sqlite3.Connection, session_id: str) -> dict[str, Any]:
    return session_json(find_session(conn, session_id), ctx.env.project_uuid)


def _clean_metadata(metadata: dict[str, Any]) -> dict[str, Any]:
    # Zep reserves the top-level "system" key for privileged callers and drops it (section 4.1).
    return {key: value for key, value in metadata.items() if key != "system"}


def add_session(ctx: Ctx) -> tuple[int, Any]:
    """``POST sessions``."""
    body = ctx.obj()
    session_id = field_id(body, "session_id", required=True)
    user_id = field_str(body, "user_id") or None
    metadata = field_map(body, "metadata")
    rating = field_map(body, "fact_rating_instruction")
    now = ctx.now()
    with ctx.env.store.write() as conn:
        if conn.execute("SELECT 1 FROM sessions WHERE session_id = ?", (session_id,)).fetchone():
            raise HTTPError(400, f"session already exists with session_id: {session_id}")
        if (
            user_id is not None
            and not conn.execute("SELECT 1 FROM users WHERE user_id = ?", (user_id,)).fetchone()
        ):
            raise HTTPError(400, "user not found")
        conn.execute(
            "INSERT INTO sessions(uuid, session_id, user_id, metadata, fact_rating_instruction,"
            " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                ctx.env.new_uuid(),
                session_id,
                user_id,
                dumps(_clean_metadata(metadata) if metadata is not None else None),
                dumps(rating),
                now,
                now,
            ),
        )
        assert session_id is not None
        return 201, _session(ctx, conn, session_id)


def get_session(ctx: Ctx) -> tuple[int, Any]:
    """``GET sessions/{session_id}``."""
    with ctx.env.store.read() as conn:
        return 200, _session(ctx, conn, ctx.args["session_id"])


def update_session(ctx: Ctx) -> tuple[int, Any]:
    """``PATCH sessions/{session_id}``: deep-merge metadata; 409 once ended."""
    body = ctx.obj()
    metadata = field_map(body, "metadata")
    rating = field_map(body, "fact_rating_instruction")
    with ctx.env.store.write() as conn:
        row = find_session(conn, ctx.args["session_id"])
        if row["ended_at"] is not None:
            raise HTTPError(409, "session has ended")
        merged = loads(row["metadata"])
        if metadata:
            merged = deep_merge(merged, _clean_metadata(metadata))
        conn.execute(
            "UPDATE sessions SET metadata = ?, fact_rating_instruction = ?, updated_at = ?"
            " WHERE id = ?",
            (
                dumps(merged),
                dumps(rating) if rating is not None else row["fact_rating_instruction"],
                ctx.now(),
                row["id"],
            ),
        )
        return 200, _session(ctx, conn, ctx.args["session_id"])


def list_sessions(ctx: Ctx) -> tuple[int, Any]:
    """``GET sessions-ordered``: accepts both paging spellings (section 4.1 notes)."""
    page_number = ctx.q_int("page_number", "pageNumber", minimum=1)
    page_size = ctx.q_int("page_size", "pageSize", minimum=1)
    order_by = ctx.q("order_by")
    if order_by is not None and order_by not in ORDER_BY:
        raise HTTPError(400, "invalid value for order_by")
    asc = ctx.q_bool("asc") or False
    column = ORDER_BY[order_by] if order_by else "id"
    sql = f"SELECT * FROM sessions ORDER BY {column} {'ASC' if asc else 'DESC'}, id"
    args: list[Any] = []
    if page_size is not None:
        sql += " LIMIT ? OFFSET ?"
        args += [page_size, min(((page_number or 1) - 1) * page_size, MAX_JSON_INT)]
    with ctx.env.store.read() as conn:
        total = conn.execute("SELECT count(*) FROM sessions").fetchone()[0]
        rows = conn.execute(sql, args).fetchall()
    sessions = [session_json(row, ctx.env.project_uuid) for row in rows]
    return 200, {"sessions": sessions, "total_count": total, "response_count": len(sessions)}


def list_sessions_after(ctx: Ctx) -> tuple[int, Any]:
    """``GET sessions``: Zep v2 server's cursor listing, a flat array of sessions.

    Same contract as ``GET users``: ``cursor`` is the last integer ``id`` seen, ``limit`` the
    page size, oldest first.
    """
    cursor = ctx.q_int("cursor") or 0
    limit = ctx.q_int("limit")
    sql, args = "SELECT * FROM sessions WHERE id > ? ORDER BY id", [cursor]
    if limit:
        sql += " LIMIT ?"
        args.append(limit)
    with ctx.env.store.read() as conn:
        rows = conn.execute(sql, args).fetchall()
    return 200, [session_json(row, ctx.env.project_uuid) for row in rows]


def delete_session(ctx: Ctx) -> tuple[int, Any]:
    """``DELETE sessions/{session_id}/memory``: the session and everything in it (cascade)."""
    with ctx.env.store.write() as conn:
        row = find_session(conn, ctx.args["session_id"])
        conn.execute("DELETE FROM sessions WHERE id = ?", (row["id"],))
    return 200, {"message": "OK"}


def _classify(ctx: Ctx, conn: sqlite3.Connection, row: sqlite3.Row, spec: dict[str, Any]) -> Any:
    classes = field_strs(spec, "classes")
    name = field_str(spec, "name", required=True, empty_ok=False) or ""
    if not classes:
        raise HTTPError(400, "classes must be a non-empty array of strings")
    last_n = field_int(spec, "last_n") or 4
    turns = turns_of(last_messages(conn, int(row["id"]), max(1, last_n)))
    chosen = ctx.env.intelligence.classify(classes, turns)
    stored = deep_merge(loads(row["classifications"]), {name: chosen})
    conn.execute("UPDATE sessions SET classifications = ? WHERE id = ?", (dumps(stored), row["id"]))
    return {"class": chosen, "label": name}


def classify_session(ctx: Ctx) -> tuple[int, Any]:
    """``POST sessions/{session_id}/classify``."""
    body = ctx.obj()
    with ctx.env.store.write() as conn:
        row = find_session(conn, ctx.args["session_id"])
        return 200, _classify(ctx, conn, row, body)


def end_session(ctx: Ctx) -> tuple[int, Any]:
    """``POST sessions/{session_id}/end``, optionally classifying the session."""
    body = ctx.obj()
    classify = field_map(body, "classify")
    field_str(body, "instruction")
    with ctx.env.store.write() as conn:
        row = find_session(conn, ctx.args["session_id"])
        out: dict[str, Any] = {}
        if classify is not None:
            out["classification"] = _classify(ctx, conn, row, classify)
        now = ctx.now()
        conn.execute(
            "UPDATE sessions SET ended_at = coalesce(ended_at, ?), updated_at = ? WHERE id = ?",
            (now, now, row["id"]),
        )
        out["session"] = _session(ctx, conn, ctx.args["session_id"])
        return 200, out


def end_sessions(ctx: Ctx) -> tuple[int, Any]:
    """``POST sessions/end``: all or nothing; 404 if any session is unknown."""
    body = ctx.obj()
    session_ids = field_strs(body, "session_ids")
    if session_ids is None:
        raise HTTPError(400, "session_ids is required")
    now = ctx.now()
    with ctx.env.store.write() as conn:
        rows = [find_session(conn, session_id) for session_id in session_ids]
        for row in rows:
            conn.execute(
                "UPDATE sessions SET ended_at = coalesce(ended_at, ?), updated_at = ? WHERE id = ?",
                (now, now, row["id"]),
            )
        return 200, {"sessions": [_session(ctx, conn, sid) for sid in session_ids]}


ROUTES = [
    # Literal paths first: "sessions/search" and "sessions/end" must not read as session IDs.
    Route("POST", "sessions/end", end_sessions),
    Route("POST", "sessions", add_session),
    Route("GET", "sessions", list_sessions_after),
    Route("GET", "sessions-ordered", list_sessions),
    Route("GET", "sessions/{session_id}", get_session),
    Route("PATCH", "sessions/{session_id}", update_session),
    Route("DELETE", "sessions/{session_id}/memory", delete_session),
    Route("POST", "sessions/{session_id}/end", end_session),
    Route("POST", "sessions/{session_id}/classify", classify_session),
]
