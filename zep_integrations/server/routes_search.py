"""Routes of section 4.2 that search memory: one session's, or across sessions."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from typing import Any

from zep_integrations._limits import MAX_SEARCH_LIMIT
from zep_integrations.server import search
from zep_integrations.server.handler import (
    Ctx,
    HTTPError,
    Route,
    field_map,
    field_num,
    field_str,
    field_strs,
)
from zep_integrations.server.records import fact_json, message_json, summary_json
from zep_integrations.server.routes_sessions import find_session
from zep_integrations.server.storage import loads


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
    if scope == "facts" and metadata_filter:
        raise HTTPError(
            400, "facts have no metadata: a metadata filter needs scope messages or summary"
        )
    try:
        keep = search.metadata_filter(metadata_filter)
    except ValueError as exc:
        raise HTTPError(400, str(exc)) from None
    # Fetch extra candidates when rows are filtered afterwards, so the limit still fills.
    wanted = 1000 if metadata_filter or min_fact_rating is not None or limit is None else limit * 4
    if text and text.strip():
        ranked = search.normalise(
            search.search_fts(conn, f"{table}_fts", text, [f"s{i}" for i in session_rowids], wanted)
        )
        if not ranked:
            return []
        pairs = search.ranked_rows(conn, table, ranked)
    else:
        # json_each: one bound parameter however many sessions (no "too many SQL variables").
        rows_list = conn.execute(
            f"SELECT * FROM {table} WHERE session_id IN (SELECT value FROM json_each(?))"
            " ORDER BY id DESC LIMIT ?",
            [json.dumps(list(session_rowids)), wanted],
        ).fetchall()
        pairs = [(row, 1.0) for row in rows_list]
    out = []
    for row, score in pairs:
        if scope != "facts" and not keep(loads(row["metadata"])):
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
    limit = ctx.q_int("limit", maximum=MAX_SEARCH_LIMIT)
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
    limit = ctx.q_int("limit", maximum=MAX_SEARCH_LIMIT)
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
            rows += conn.execute(
                "SELECT id, session_id FROM sessions"
                " WHERE session_id IN (SELECT value FROM json_each(?))",
                (json.dumps(session_ids),),
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


ROUTES = [
    Route("POST", "sessions/search", search_sessions),
    Route("POST", "sessions/{session_id}/search", search_memory),
]
