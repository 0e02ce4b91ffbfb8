"""Routes of sections 4.2 (memory, messages, search) and 4.3 (facts), plus ``extract`` (6)."""

from __future__ import annotations

import sqlite3
import uuid as uuid_module
from collections.abc import Sequence
from typing import Any

from zep_integrations.models import ROLE_TYPES
from zep_integrations.server import search
from zep_integrations.server.handler import (
    Ctx,
    HTTPError,
    Route,
    field_int,
    field_map,
    field_num,
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
    fact_json,
    message_json,
    summary_json,
    token_count,
)
from zep_integrations.server.routes_sessions import find_session
from zep_integrations.server.storage import dumps, insert_many, loads

MAX_MESSAGES_PER_WRITE = 30
_ROLE_TYPES = frozenset(ROLE_TYPES)
_MESSAGE_COLUMNS = (
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
            and type(message.get("metadata") or {}) is dict
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


def _add_facts(
    ctx: Ctx, conn: sqlite3.Connection, session_rowid: int, facts: Sequence[str]
) -> None:
    now = ctx.now()
    for fact in dict.fromkeys(facts):
        if conn.execute(
            "SELECT 1 FROM facts WHERE session_id = ? AND content = ?", (session_rowid, fact)
        ).fetchone():
            continue
        conn.execute(
            "INSERT INTO facts(uuid, session_id, content, rating, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (ctx.env.new_uuid(), session_rowid, fact, None, now),
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
            _MESSAGE_COLUMNS,
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
            _add_facts(ctx, conn, rowid, facts)
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
            args += [limit, (cursor - 1) * limit]
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


def _search_options(
    body: dict[str, Any],
) -> tuple[str, str | None, float | None, float | None, float | None]:
    scope = field_str(body, "search_scope") or "messages"
    if scope not in ("messages", "summary", "facts"):
        raise HTTPError(400, "search_scope must be messages, summary or facts")
    search_type = field_str(body, "search_type")
    if search_type not in (None, "similarity", "mmr"):
        raise HTTPError(400, "search_type must be similarity or mmr")
    mmr_lambda = field_num(body, "mmr_lambda")
    if mmr_lambda is not None and not 0.0 <= mmr_lambda <= 1.0:
        raise HTTPError(400, "mmr_lambda must be between 0 and 1")
    return (
        scope,
        search_type,
        mmr_lambda,
        field_num(body, "min_score"),
        field_num(body, "min_fact_rating"),
    )


_SCOPE_TABLES = {"messages": "messages", "summary": "summaries", "facts": "facts"}


def _scored(
    conn: sqlite3.Connection,
    scope: str,
    text: str | None,
    session_rowids: Sequence[int],
    metadata_filter: dict[str, Any] | None,
    min_fact_rating: float | None,
    limit: int | None,
) -> list[tuple[sqlite3.Row, float]]:
    """Rows of ``scope`` in the sessions, scored; metadata filter and rating applied."""
    table = _SCOPE_TABLES[scope]
    # Fetch extra candidates when rows are filtered afterwards, so the limit still fills.
    wanted = 1000 if metadata_filter or min_fact_rating is not None or limit is None else limit * 4
    if text and text.strip():
        ranked = search.normalise(
            search.search_fts(conn, f"{table}_fts", text, [f"s{i}" for i in session_rowids], wanted)
        )
        if not ranked:
            return []
        marks = ",".join("?" * len(ranked))
        rows = {
            int(r["id"]): r
            for r in conn.execute(
                f"SELECT * FROM {table} WHERE id IN ({marks})", [i for i, _ in ranked]
            )
        }
        pairs = [(rows[i], score) for i, score in ranked if i in rows]
    else:
        marks = ",".join("?" * len(session_rowids))
        rows_list = conn.execute(
            f"SELECT * FROM {table} WHERE session_id IN ({marks}) ORDER BY id DESC LIMIT ?",
            [*session_rowids, wanted],
        ).fetchall()
        pairs = [(row, 1.0) for row in rows_list]
    out = []
    for row, score in pairs:
        if scope != "facts" and not search.matches_filter(loads(row["metadata"]), metadata_filter):
            continue
        if (
            scope == "facts"
            and min_fact_rating is not None
            and (row["rating"] or 0) < min_fact_rating
        ):
            continue
        out.append((row, score))
    return out


def _hit(scope: str, row: sqlite3.Row, score: float) -> dict[str, Any]:
    if scope == "messages":
        return {"message": message_json(row), "metadata": loads(row["metadata"]), "score": score}
    if scope == "summary":
        return {"summary": summary_json(row), "metadata": loads(row["metadata"]), "score": score}
    return {"fact": fact_json(row), "score": score}


def search_memory(ctx: Ctx) -> tuple[int, Any]:
    """``POST sessions/{session_id}/search``: a JSON array of MemorySearchResult."""
    limit = ctx.q_int("limit")
    body = ctx.obj()
    text = field_str(body, "text")
    scope, search_type, mmr_lambda, min_score, min_rating = _search_options(body)
    metadata_filter = field_map(body, "metadata")
    with ctx.env.store.read() as conn:
        session = find_session(conn, ctx.args["session_id"])
        scored = _scored(
            conn, scope, text, [int(session["id"])], metadata_filter, min_rating, limit
        )
    chosen = search.select(
        scored,
        text_of=lambda row: str(row["content"]),
        limit=limit,
        min_score=min_score,
        search_type=search_type,
        mmr_lambda=mmr_lambda,
    )
    return 200, [_hit(scope, row, score) for row, score in chosen]


def search_sessions(ctx: Ctx) -> tuple[int, Any]:
    """``POST sessions/search`` over a user's sessions and/or listed sessions."""
    limit = ctx.q_int("limit")
    body = ctx.obj()
    text = field_str(body, "text")
    user_id = field_str(body, "user_id")
    session_ids = field_strs(body, "session_ids") or []
    scope, search_type, mmr_lambda, min_score, min_rating = _search_options(body)
    record_filter = field_map(body, "record_filter")
    with ctx.env.store.read() as conn:
        rows: list[sqlite3.Row] = []
        if user_id:
            rows += conn.execute(
                "SELECT id, session_id FROM sessions WHERE user_id = ?", (user_id,)
            )
        if session_ids:
            marks = ",".join("?" * len(session_ids))
            rows += conn.execute(
                f"SELECT id, session_id FROM sessions WHERE session_id IN ({marks})", session_ids
            )
        names = {int(r["id"]): str(r["session_id"]) for r in rows}
        scored = (
            _scored(conn, scope, text, list(names), record_filter, min_rating, limit)
            if names
            else []
        )
    chosen = search.select(
        scored,
        text_of=lambda row: str(row["content"]),
        limit=limit,
        min_score=min_score,
        search_type=search_type,
        mmr_lambda=mmr_lambda,
    )
    results = []
    for row, score in chosen:
        hit = _hit(scope, row, score)
        hit.pop("metadata", None)
        hit["session_id"] = names[int(row["session_id"])]
        results.append(hit)
    return 200, {"results": results}


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
    except ValueError as exc:
        raise HTTPError(400, f"model_schema is not a JSON schema object: {exc}") from None
    with ctx.env.store.read() as conn:
        session = find_session(conn, ctx.args["session_id"])
        turns = turns_of(last_messages(conn, int(session["id"]), max(1, last_n or 4)))
    return 200, ctx.env.intelligence.extract(schema, turns, current)


def get_session_facts(ctx: Ctx) -> tuple[int, Any]:
    """``GET sessions/{session_id}/facts``."""
    min_rating = ctx.q_float("minRating")
    with ctx.env.store.read() as conn:
        session = find_session(conn, ctx.args["session_id"])
        rows = conn.execute(
            "SELECT * FROM facts WHERE session_id = ? ORDER BY id", (session["id"],)
        ).fetchall()
    facts = [
        fact_json(r)
        for r in rows
        if min_rating is None or r["rating"] is None or r["rating"] >= min_rating
    ]
    return 200, {"facts": facts}


def add_session_facts(ctx: Ctx) -> tuple[int, Any]:
    """``POST sessions/{session_id}/facts``: body ``{"facts": [{"fact": str}]}``."""
    items = ctx.obj().get("facts")
    if not isinstance(items, list) or not all(
        isinstance(i, dict) and isinstance(i.get("fact"), str) and i["fact"] for i in items
    ):
        raise HTTPError(400, 'facts must be an array of {"fact": "<text>"} objects')
    with ctx.env.store.write() as conn:
        session = find_session(conn, ctx.args["session_id"])
        _add_facts(ctx, conn, int(session["id"]), [i["fact"] for i in items])
    return 200, {"message": "OK"}


def get_fact(ctx: Ctx) -> tuple[int, Any]:
    """``GET facts/{fact_uuid}``."""
    with ctx.env.store.read() as conn:
        row = conn.execute(
            "SELECT * FROM facts WHERE uuid = ?", (ctx.args["fact_uuid"],)
        ).fetchone()
    if row is None:
        raise HTTPError(404, "not found")
    return 200, {"fact": fact_json(row)}


def delete_fact(ctx: Ctx) -> tuple[int, Any]:
    """``DELETE facts/{fact_uuid}``: zep-python parses a JSON string, zep-cloud an object."""
    with ctx.env.store.write() as conn:
        deleted = conn.execute("DELETE FROM facts WHERE uuid = ?", (ctx.args["fact_uuid"],))
        if deleted.rowcount == 0:
            raise HTTPError(404, "not found")
    return 200, ("Deleted" if ctx.python_sdk else {"message": "OK"})


ROUTES = [
    Route("POST", "sessions/search", search_sessions),
    Route("GET", "sessions/{session_id}/memory", get_memory),
    Route("POST", "sessions/{session_id}/memory", add_memory),
    Route("GET", "sessions/{session_id}/messages", get_messages),
    Route("GET", "sessions/{session_id}/messages/{message_uuid}", get_message),
    Route("PATCH", "sessions/{session_id}/messages/{message_uuid}", update_message),
    Route("POST", "sessions/{session_id}/search", search_memory),
    Route("GET", "sessions/{session_id}/summary", get_summaries),
    Route("GET", "sessions/{session_id}/synthesize_question", synthesize_question),
    Route("POST", "sessions/{session_id}/extract", extract),
    Route("GET", "sessions/{session_id}/facts", get_session_facts),
    Route("POST", "sessions/{session_id}/facts", add_session_facts),
    Route("GET", "facts/{fact_uuid}", get_fact),
    Route("DELETE", "facts/{fact_uuid}", delete_fact),
]
