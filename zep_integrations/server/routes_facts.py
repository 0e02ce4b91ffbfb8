"""Routes of section 4.3 (facts), plus :func:`add_facts`, shared with ``POST memory``."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from zep_integrations.server.handler import Ctx, HTTPError, Route
from zep_integrations.server.records import fact_json
from zep_integrations.server.routes_sessions import find_session


def add_facts(ctx: Ctx, conn: sqlite3.Connection, session_rowid: int, facts: Sequence[str]) -> None:
    """Store ``facts`` for a session, skipping any it already has (in order, duplicates once)."""
    now = ctx.now()
    for fact in dict.fromkeys(facts):
        if conn.execute(
            "SELECT 1 FROM facts WHERE session_id = ? AND content = ?", (session_rowid, fact)
        ).fetchone():
            continue
        # user_rowid puts the fact in its user's graph (see storage._SCHEMA_V3_GRAPH).
        conn.execute(
            "INSERT INTO facts(uuid, session_id, content, rating, created_at, user_rowid)"
            " VALUES (?, ?, ?, ?, ?, (SELECT users.id FROM sessions JOIN users"
            " ON users.user_id = sessions.user_id WHERE sessions.id = ?))",
            (ctx.env.new_uuid(), session_rowid, fact, None, now, session_rowid),
        )


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
        add_facts(ctx, conn, int(session["id"]), [i["fact"] for i in items])
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
    Route("GET", "sessions/{session_id}/facts", get_session_facts),
    Route("POST", "sessions/{session_id}/facts", add_session_facts),
    Route("GET", "facts/{fact_uuid}", get_fact),
    Route("DELETE", "facts/{fact_uuid}", delete_fact),
]
