"""Routes of section 4.2 (memory, messages, summaries, questions) and ``extract`` (6).

Search routes live in ``routes_search.py``, facts in ``routes_facts.py``.
"""

from __future__ import annotations

import sqlite3
import uuid as uuid_module
from typing import Any

from zep_integrations._limits import MAX_JSON_INT
from zep_integrations.models import ROLE_TYPES
from zep_integrations.server.handler import (
    Ctx,
    HTTPError,
    Route,
    field_int,
    field_map,
    field_str,
    field_strs,
)
from zep_integrations.server.memory import (
    DEFAULT_LASTN,
    SUMMARY_EVERY,
    Turn,
    assemble_memory,
    context_parts,
    last_messages,
    parse_schema,
    turns_of,
)
from zep_integrations.server.records import (
    deep_merge,
    message_json,
    summary_json,
    token_count,
)
from zep_integrations.server.routes_facts import add_facts
from zep_integrations.server.routes_sessions import find_session
from zep_integrations.server.storage import MESSAGE_COLUMNS, dumps, insert_many, loads

MAX_MESSAGES_PER_WRITE = 30
_ROLE_TYPES = frozenset(ROLE_TYPES)


def get_memory(ctx: Ctx) -> tuple[int, Any]:
    """``GET sessions/{session_id}/memory`` (section 5)."""
    lastn = ctx.q_int("lastn", minimum=None)
    if lastn is not None and lastn < 0:
        raise HTTPError(400, "lastn cannot be negative")
    min_rating = ctx.q_float("minRating")
    with ctx.env.store.read() as conn:
        session = find_session(conn, ctx.args["session_id"])
        return 200, assemble_memory(conn, session, lastn or DEFAULT_LASTN, min_rating)


def _validate_messages(ctx: Ctx, body: dict[str, Any]) -> list[dict[str, Any]]:
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise HTTPError(400, "messages must be a non-empty array")
    if len(messages) > MAX_MESSAGES_PER_WRITE:
        raise HTTPError(400, f"at most {MAX_MESSAGES_PER_WRITE} messages may be added per call")
    limit = ctx.env.max_message_chars
    for message in messages:
        # Fast path for a well-formed message; anything else gets the checks below, which
        # name what is wrong.
        if (
            type(message) is dict
            and type(content := message.get("content")) is str
            and len(content) <= limit
            and message.get("role_type") in _ROLE_TYPES
            and type(message.get("role") or "") is str
            and not message.get("metadata")
        ):
            continue
        if not isinstance(message, dict):
            raise HTTPError(400, "every message must be a JSON object")
        content = field_str(message, "content", required=True)
        role_type = field_str(message, "role_type")
        if not role_type:
            raise HTTPError(400, "messages are required to have a RoleType")
        if role_type not in ROLE_TYPES:
            raise HTTPError(400, f"role_type must be one of {', '.join(ROLE_TYPES)}")
        field_str(message, "role")
        field_map(message, "metadata")
        if content is not None and len(content) > limit:
            raise HTTPError(400, f"message content exceeds {limit} characters")
    ignore = field_strs(body, "ignore_roles")
    if ignore is not None and any(role not in ROLE_TYPES for role in ignore):
        raise HTTPError(400, f"ignore_roles must be role types: {', '.join(ROLE_TYPES)}")
    return messages


def _summarise(ctx: Ctx, conn: sqlite3.Connection, session_rowid: int) -> None:
    """Write a new summary once ``SUMMARY_EVERY`` messages have left the window unsummarised."""
    last = conn.execute(
        "SELECT content, last_message_id FROM summaries WHERE session_id = ?"
        " ORDER BY id DESC LIMIT 1",
        (session_rowid,),
    ).fetchone()
    after = int(last["last_message_id"]) if last else 0
    count = conn.execute(
        "SELECT count(*) FROM (SELECT 1 FROM messages WHERE session_id = ? AND id > ? LIMIT ?)",
        (session_rowid, after, SUMMARY_EVERY + DEFAULT_LASTN),
    ).fetchone()[0]
    if count < SUMMARY_EVERY + DEFAULT_LASTN:
        return
    rows = conn.execute(
        "SELECT id, uuid, role, role_type, content, created_at FROM messages"
        " WHERE session_id = ? AND id > ? ORDER BY id",
        (session_rowid, after),
    ).fetchall()[:-DEFAULT_LASTN]
    content = ctx.env.intelligence.summarize(last["content"] if last else None, turns_of(rows))
    conn.execute(
        "INSERT INTO summaries(uuid, session_id, content, metadata, related_message_uuids,"
        " last_message_id, token_count, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            ctx.env.new_uuid(),
            session_rowid,
            content,
            None,
            dumps([row["uuid"] for row in rows]),
            rows[-1]["id"],
            token_count(content),
            ctx.now(),
        ),
    )


def add_memory(ctx: Ctx) -> tuple[int, Any]:
    """``POST sessions/{session_id}/memory``: validate everything, then one transaction."""
    body = ctx.obj()
    messages = _validate_messages(ctx, body)
    return_context = body.get("return_context") is True
    ignore = set(field_strs(body, "ignore_roles") or ())
    session_id = ctx.args["session_id"]
    now = ctx.now()
    with ctx.env.store.write() as conn:
        session = conn.execute(
            "SELECT * FROM sessions WHERE session_id = ?", (session_id,)
        ).fetchone()
        if session is None:
            # Zep CE creates an unknown session (without a user) on first write (section 5).
            conn.execute(
                "INSERT INTO sessions(uuid, session_id, created_at, updated_at)"
                " VALUES (?, ?, ?, ?)",
                (ctx.env.new_uuid(), session_id, now, now),
            )
            session = find_session(conn, session_id)
        elif session["ended_at"] is not None:
            raise HTTPError(409, "session has ended")
        rowid = int(session["id"])
        insert_many(
            conn,
            "messages",
            MESSAGE_COLUMNS,
            [
                (
                    ctx.env.new_uuid(),
                    rowid,
                    m.get("role"),
                    m["role_type"],
                    m["content"],
                    dumps(m.get("metadata")),
                    token_count(m["content"]),
                    now,
                    now,
                )
                for m in messages
            ],
        )
        conn.execute("UPDATE sessions SET updated_at = ? WHERE id = ?", (now, rowid))
        ingest = [m for m in messages if m["role_type"] not in ignore]
        facts = ctx.env.intelligence.extract_facts(
            [Turn(m.get("role"), m["role_type"], m["content"], now) for m in ingest]
        )
        if facts:
            add_facts(ctx, conn, rowid, facts)
        _summarise(ctx, conn, rowid)
        out: dict[str, Any] = {"message": "OK"}
        if return_context:
            window = last_messages(conn, rowid, DEFAULT_LASTN)
            out["context"] = context_parts(conn, session, window, None)[1]
    # 200, not CE's 201: both SDKs accept any 2xx and the cloud docs say 200 (section 5).
    return 200, out


def get_messages(ctx: Ctx) -> tuple[int, Any]:
    """``GET sessions/{session_id}/messages``: ``cursor`` is a 1-based page number."""
    limit = ctx.q_int("limit")
    cursor = ctx.q_int("cursor", minimum=1) or 1
    with ctx.env.store.read() as conn:
        session = find_session(conn, ctx.args["session_id"])
        total = conn.execute(
            "SELECT count(*) FROM messages WHERE session_id = ?", (session["id"],)
        ).fetchone()[0]
        sql, args = "SELECT * FROM messages WHERE session_id = ? ORDER BY id", [session["id"]]
        if limit:
            sql += " LIMIT ? OFFSET ?"
            args += [limit, min((cursor - 1) * limit, MAX_JSON_INT)]
        rows = conn.execute(sql, args).fetchall()
    messages = [message_json(row) for row in rows]
    return 200, {"messages": messages, "total_count": total, "row_count": len(messages)}


def _message_row(conn: sqlite3.Connection, ctx: Ctx) -> sqlite3.Row:
    session = find_session(conn, ctx.args["session_id"])
    try:
        uuid_module.UUID(ctx.args["message_uuid"])
    except ValueError:
        raise HTTPError(400, "unable to parse UUID") from None
    row = conn.execute(
        "SELECT * FROM messages WHERE session_id = ? AND uuid = ?",
        (session["id"], ctx.args["message_uuid"]),
    ).fetchone()
    if row is None:
        raise HTTPError(404, "not found")
    return row  # type: ignore[no-any-return]


def get_message(ctx: Ctx) -> tuple[int, Any]:
    """``GET sessions/{session_id}/messages/{message_uuid}``."""
    with ctx.env.store.read() as conn:
        return 200, message_json(_message_row(conn, ctx))


def update_message(ctx: Ctx) -> tuple[int, Any]:
    """``PATCH sessions/{session_id}/messages/{message_uuid}``: deep-merge metadata."""
    metadata = field_map(ctx.obj(), "metadata")
    if metadata is None:
        raise HTTPError(400, "metadata is required")
    metadata.pop("system", None)
    with ctx.env.store.write() as conn:
        row = _message_row(conn, ctx)
        merged = deep_merge(loads(row["metadata"]), metadata)
        conn.execute(
            "UPDATE messages SET metadata = ?, updated_at = ? WHERE id = ?",
            (dumps(merged), ctx.now(), row["id"]),
        )
        return 200, message_json(_message_row(conn, ctx))


def get_summaries(ctx: Ctx) -> tuple[int, Any]:
    """``GET sessions/{session_id}/summary``: oldest first."""
    with ctx.env.store.read() as conn:
        session = find_session(conn, ctx.args["session_id"])
        rows = conn.execute(
            "SELECT * FROM summaries WHERE session_id = ? ORDER BY id", (session["id"],)
        ).fetchall()
    summaries = [summary_json(row) for row in rows]
    return 200, {"summaries": summaries, "total_count": len(summaries), "row_count": len(summaries)}


def synthesize_question(ctx: Ctx) -> tuple[int, Any]:
    """``GET sessions/{session_id}/synthesize_question``."""
    n = ctx.q_int("lastNMessages") or 3
    with ctx.env.store.read() as conn:
        session = find_session(conn, ctx.args["session_id"])
        turns = turns_of(last_messages(conn, int(session["id"]), n))
    return 200, {"question": ctx.env.intelligence.synthesize_question(turns)}


def extract(ctx: Ctx) -> tuple[int, Any]:
    """``POST sessions/{session_id}/extract``: ``{field: str}`` for the schema's properties."""
    body = ctx.obj()
    last_n = field_int(body, "last_n")
    schema_text = field_str(body, "model_schema", required=True)
    current = field_str(body, "current_date_time")
    assert schema_text is not None
    try:
        schema = parse_schema(schema_text)
    except (ValueError, TypeError) as exc:
        raise HTTPError(400, f"model_schema is not a usable JSON schema object: {exc}") from None
    with ctx.env.store.read() as conn:
        session = find_session(conn, ctx.args["session_id"])
        turns = turns_of(last_messages(conn, int(session["id"]), max(1, last_n or 4)))
    return 200, ctx.env.intelligence.extract(schema, turns, current)


ROUTES = [
    Route("GET", "sessions/{session_id}/memory", get_memory),
    Route("POST", "sessions/{session_id}/memory", add_memory),
    Route("GET", "sessions/{session_id}/messages", get_messages),
    Route("GET", "sessions/{session_id}/messages/{message_uuid}", get_message),
    Route("PATCH", "sessions/{session_id}/messages/{message_uuid}", update_message),
    Route("GET", "sessions/{session_id}/summary", get_summaries),
    Route("GET", "sessions/{session_id}/synthesize_question", synthesize_question),
    Route("POST", "sessions/{session_id}/extract", extract),
]
