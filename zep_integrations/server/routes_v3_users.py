"""The v3 user API (zep-cloud 3.30.0 ``user/raw_client.py``) under ``/api/v2``.

v3 and v2 share ``POST users``, ``GET``/``PATCH``/``DELETE users/{user_id}``, ``users-ordered``
and ``users/{user_id}/node``. One route serves both: the v3 ``User`` is the v2 one plus
``graph_uuid``, ``time_zone`` and ``disable_default_ontology``, and ``users-ordered`` gains
``search``/``order_by``/``asc``. Writes go through the v2 route functions (one validation of the
shared fields), then store the v3-only fields. ``DELETE`` is the v2 route unchanged.
"""

from __future__ import annotations

import sqlite3
import zoneinfo
from typing import Any

from zep_integrations.server import graph, routes_users, threads
from zep_integrations.server.handler import Ctx, HTTPError, Route
from zep_integrations.server.knowledge import graph_hooks

__all__ = ["ROUTES"]

USER_ORDER = {"created_at": "created_at", "user_id": "user_id", "email": "email"}


def _extras(body: dict[str, Any]) -> dict[str, Any]:
    """The v3-only fields present in ``body``, validated (400 before anything is written)."""
    extras: dict[str, Any] = {}
    if body.get("time_zone") is not None:
        zone = body["time_zone"]
        if not isinstance(zone, str):
            raise HTTPError(400, "time_zone must be an IANA time zone name such as Europe/Paris")
        try:
            zoneinfo.ZoneInfo(zone)
        except (ValueError, zoneinfo.ZoneInfoNotFoundError):
            raise HTTPError(400, f"time_zone {zone!r} is not an IANA time zone name") from None
        extras["time_zone"] = zone
    if body.get("disable_default_ontology") is not None:
        if not isinstance(body["disable_default_ontology"], bool):
            raise HTTPError(400, "disable_default_ontology must be a boolean")
        extras["disable_default_ontology"] = int(body["disable_default_ontology"])
    return extras


def _store_extras(ctx: Ctx, user_id: str, extras: dict[str, Any]) -> dict[str, Any]:
    with ctx.env.store.write() as conn:
        for column, value in extras.items():
            conn.execute(f"UPDATE users SET {column} = ? WHERE user_id = ?", (value, user_id))
        return threads.user_json(conn, _find(conn, user_id), ctx.env.project_uuid)


def _find(conn: sqlite3.Connection, user_id: str) -> sqlite3.Row:
    row = conn.execute("SELECT * FROM users WHERE user_id = ?", (user_id,)).fetchone()
    if row is None:
        raise HTTPError(404, "not found")
    return row  # type: ignore[no-any-return]


def add_user(ctx: Ctx) -> tuple[int, Any]:
    """``POST users``: the v2 user, then the v3 fields."""
    extras = _extras(ctx.obj())
    status, user = routes_users.add_user(ctx)
    return status, _store_extras(ctx, user["user_id"], extras)


def update_user(ctx: Ctx) -> tuple[int, Any]:
    """``PATCH users/{user_id}``: the v2 update, then the v3 fields."""
    extras = _extras(ctx.obj())
    routes_users.update_user(ctx)
    return 200, _store_extras(ctx, ctx.args["user_id"], extras)


def get_user(ctx: Ctx) -> tuple[int, Any]:
    """``GET users/{user_id}``."""
    with ctx.env.store.read() as conn:
        return 200, threads.user_json(conn, _find(conn, ctx.args["user_id"]), ctx.env.project_uuid)


def list_users(ctx: Ctx) -> tuple[int, Any]:
    """``GET users-ordered?pageNumber&pageSize&search&order_by&asc``: newest first by default.

    ``search`` matches ``user_id``, names and email (case-insensitive substring).
    """
    page_number = ctx.q_int("pageNumber", "page_number", minimum=1) or 1
    page_size = ctx.q_int("pageSize", "page_size", minimum=1)
    order_by = ctx.q("order_by")
    if order_by is not None and order_by not in USER_ORDER:
        raise HTTPError(400, f"order_by must be one of {', '.join(USER_ORDER)}")
    direction = "ASC" if ctx.q_bool("asc") else "DESC"
    where, args = "", []
    search = ctx.q("search")
    if search:
        pattern = "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        where = " WHERE " + " OR ".join(
            f"{c} LIKE ? ESCAPE '\\'" for c in ("user_id", "first_name", "last_name", "email")
        )
        args = [pattern] * 4
    column = USER_ORDER[order_by] if order_by else "id"
    sql = f"SELECT * FROM users{where} ORDER BY {column} {direction}, id {direction}"
    page_args: list[Any] = []
    if page_size is not None:
        sql += " LIMIT ? OFFSET ?"
        page_args = [threads.sql_int(page_size), threads.sql_int((page_number - 1) * page_size)]
    with ctx.env.store.read() as conn:
        total = conn.execute(f"SELECT count(*) FROM users{where}", args).fetchone()[0]
        rows = conn.execute(sql, [*args, *page_args]).fetchall()
        users = [threads.user_json(conn, row, ctx.env.project_uuid) for row in rows]
    return 200, {"users": users, "total_count": total, "row_count": len(users)}


def get_user_threads(ctx: Ctx) -> tuple[int, Any]:
    """``GET users/{user_id}/threads``: a list of ``Thread``, oldest first."""
    with ctx.env.store.read() as conn:
        user = _find(conn, ctx.args["user_id"])
        rows = conn.execute(
            "SELECT * FROM sessions WHERE user_id = ? ORDER BY id", (user["user_id"],)
        ).fetchall()
        return 200, [threads.thread_json(row, user, ctx.env.project_uuid) for row in rows]


def get_user_node(ctx: Ctx) -> tuple[int, Any]:
    """``GET users/{user_id}/node`` -> ``{"node": EntityNode}`` with the user summary."""
    with ctx.env.store.read() as conn:
        owner = graph.user_owner(conn, ctx.args["user_id"])
        return 200, {"node": graph.user_node_json(conn, owner, graph_hooks(ctx.env.intelligence))}


def warm_user(ctx: Ctx) -> tuple[int, Any]:
    """``GET users/{user_id}/warm``: nothing to warm in SQLite; 404 for an unknown user."""
    with ctx.env.store.read() as conn:
        _find(conn, ctx.args["user_id"])
    return 200, {"message": "OK"}


ROUTES = [
    Route("POST", "users", add_user),
    Route("GET", "users-ordered", list_users),
    Route("GET", "users/{user_id}", get_user),
    Route("PATCH", "users/{user_id}", update_user),
    Route("GET", "users/{user_id}/threads", get_user_threads),
    Route("GET", "users/{user_id}/node", get_user_node),
    Route("GET", "users/{user_id}/warm", warm_user),
]
