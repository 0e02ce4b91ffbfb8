"""Routes of section 4.4 (users) and the user routes of section 6."""

from __future__ import annotations

import sqlite3
from typing import Any

from zep_integrations._limits import MAX_JSON_INT
from zep_integrations.server.handler import Ctx, HTTPError, Route, field_id, field_map, field_str
from zep_integrations.server.records import deep_merge, fact_json, session_json, user_json
from zep_integrations.server.storage import dumps, loads

_TEXT_FIELDS = ("email", "first_name", "last_name")


def _find_user(conn: sqlite3.Connection, user_id: str) -> sqlite3.Row:
    row = conn.execute("SELECT * FROM users WHERE user_id = ?", (user_id,)).fetchone()
    if row is None:
        raise HTTPError(404, "not found")
    return row  # type: ignore[no-any-return]


def _user(ctx: Ctx, conn: sqlite3.Connection, row: sqlite3.Row) -> dict[str, Any]:
    count = conn.execute(
        "SELECT count(*) FROM sessions WHERE user_id = ?", (row["user_id"],)
    ).fetchone()[0]
    return user_json(row, ctx.env.project_uuid, int(count))


def add_user(ctx: Ctx) -> tuple[int, Any]:
    """``POST users``."""
    body = ctx.obj()
    user_id = field_id(body, "user_id", required=True)
    texts = [field_str(body, name) for name in _TEXT_FIELDS]
    metadata = field_map(body, "metadata")
    rating = field_map(body, "fact_rating_instruction")
    now = ctx.now()
    with ctx.env.store.write() as conn:
        if conn.execute("SELECT 1 FROM users WHERE user_id = ?", (user_id,)).fetchone():
            raise HTTPError(400, f"user already exists with user_id: {user_id}")
        conn.execute(
            "INSERT INTO users(uuid, user_id, email, first_name, last_name, metadata,"
            " fact_rating_instruction, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (ctx.env.new_uuid(), user_id, *texts, dumps(metadata), dumps(rating), now, now),
        )
        assert user_id is not None
        return 201, _user(ctx, conn, _find_user(conn, user_id))


def get_user(ctx: Ctx) -> tuple[int, Any]:
    """``GET users/{user_id}``."""
    with ctx.env.store.read() as conn:
        return 200, _user(ctx, conn, _find_user(conn, ctx.args["user_id"]))


def update_user(ctx: Ctx) -> tuple[int, Any]:
    """``PATCH users/{user_id}``: given fields replace, metadata deep-merges."""
    body = ctx.obj()
    texts = {name: field_str(body, name) for name in _TEXT_FIELDS}
    metadata = field_map(body, "metadata")
    rating = field_map(body, "fact_rating_instruction")
    with ctx.env.store.write() as conn:
        row = _find_user(conn, ctx.args["user_id"])
        values = {name: row[name] if value is None else value for name, value in texts.items()}
        merged = loads(row["metadata"])
        if metadata:
            merged = deep_merge(merged, {k: v for k, v in metadata.items() if k != "system"})
        conn.execute(
            "UPDATE users SET email = ?, first_name = ?, last_name = ?, metadata = ?,"
            " fact_rating_instruction = ?, updated_at = ? WHERE id = ?",
            (
                values["email"],
                values["first_name"],
                values["last_name"],
                dumps(merged),
                dumps(rating) if rating is not None else row["fact_rating_instruction"],
                ctx.now(),
                row["id"],
            ),
        )
        return 200, _user(ctx, conn, _find_user(conn, ctx.args["user_id"]))


def delete_user(ctx: Ctx) -> tuple[int, Any]:
    """``DELETE users/{user_id}``: its sessions go with it (ON DELETE CASCADE)."""
    with ctx.env.store.write() as conn:
        row = _find_user(conn, ctx.args["user_id"])
        conn.execute("DELETE FROM users WHERE id = ?", (row["id"],))
    return 200, {"message": "OK"}


def list_users(ctx: Ctx) -> tuple[int, Any]:
    """``GET users-ordered``: newest first, camelCase paging (section 4.4)."""
    page_number = ctx.q_int("pageNumber", "page_number", minimum=1)
    page_size = ctx.q_int("pageSize", "page_size", minimum=1)
    sql, args = "SELECT * FROM users ORDER BY id DESC", []
    if page_size is not None:
        sql += " LIMIT ? OFFSET ?"
        args = [page_size, min(((page_number or 1) - 1) * page_size, MAX_JSON_INT)]
    with ctx.env.store.read() as conn:
        total = conn.execute("SELECT count(*) FROM users").fetchone()[0]
        users = [_user(ctx, conn, row) for row in conn.execute(sql, args).fetchall()]
    return 200, {"users": users, "total_count": total, "row_count": len(users)}


def list_users_after(ctx: Ctx) -> tuple[int, Any]:
    """``GET users``: Zep v2 server's cursor listing, a flat array of users.

    ``cursor`` is the integer ``id`` of the last user seen (0 or absent: from the start) and
    ``limit`` the page size (absent: all); users come oldest first, ``id > cursor``. Ids are
    never reused (AUTOINCREMENT), so a cursor cannot skip a user created after a delete.
    """
    cursor = ctx.q_int("cursor") or 0
    limit = ctx.q_int("limit")
    sql, args = "SELECT * FROM users WHERE id > ? ORDER BY id", [cursor]
    if limit:
        sql += " LIMIT ?"
        args.append(limit)
    with ctx.env.store.read() as conn:
        return 200, [_user(ctx, conn, row) for row in conn.execute(sql, args).fetchall()]


def get_user_sessions(ctx: Ctx) -> tuple[int, Any]:
    """``GET users/{user_id}/sessions``; zep-python expects a list of lists (section 7)."""
    with ctx.env.store.read() as conn:
        rows = conn.execute(
            "SELECT * FROM sessions WHERE user_id = ? ORDER BY id", (ctx.args["user_id"],)
        ).fetchall()
    sessions = [session_json(row, ctx.env.project_uuid) for row in rows]
    return 200, ([sessions] if ctx.python_sdk else sessions)


def get_user_facts(ctx: Ctx) -> tuple[int, Any]:
    """``GET users/{user_id}/facts``: the facts of all of the user's sessions."""
    with ctx.env.store.read() as conn:
        _find_user(conn, ctx.args["user_id"])
        rows = conn.execute(
            "SELECT facts.* FROM facts JOIN sessions ON sessions.id = facts.session_id"
            " WHERE sessions.user_id = ? ORDER BY facts.id",
            (ctx.args["user_id"],),
        ).fetchall()
    return 200, {"facts": [fact_json(row) for row in rows]}


def get_user_node(ctx: Ctx) -> tuple[int, Any]:
    """``GET users/{user_id}/node``: a node synthesised from the user record."""
    with ctx.env.store.read() as conn:
        row = _find_user(conn, ctx.args["user_id"])
        facts = conn.execute(
            "SELECT facts.content FROM facts JOIN sessions ON sessions.id = facts.session_id"
            " WHERE sessions.user_id = ? ORDER BY facts.id DESC LIMIT 5",
            (row["user_id"],),
        ).fetchall()
    name = " ".join(p for p in (row["first_name"], row["last_name"]) if p) or row["user_id"]
    node = {
        "uuid": row["uuid"],
        "name": name,
        "summary": " ".join(str(f[0]) for f in reversed(facts)),
        "created_at": row["created_at"],
        "labels": ["User"],
        "attributes": {
            k: v for k, v in (("email", row["email"]), ("user_id", row["user_id"])) if v
        },
    }
    return 200, {"node": node}


ROUTES = [
    Route("POST", "users", add_user),
    Route("GET", "users", list_users_after),
    Route("GET", "users-ordered", list_users),
    Route("GET", "users/{user_id}", get_user),
    Route("PATCH", "users/{user_id}", update_user),
    Route("DELETE", "users/{user_id}", delete_user),
    Route("GET", "users/{user_id}/sessions", get_user_sessions),
    Route("GET", "users/{user_id}/facts", get_user_facts),
    Route("GET", "users/{user_id}/node", get_user_node),
]
