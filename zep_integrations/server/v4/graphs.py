"""v4 graphs (create, get, list, update, delete, lookup) and tasks.

zep-cloud 4.0.1 ``graph/raw_client.py`` and ``task/raw_client.py``. A user's graph is read-only
here (it goes with its user); standalone graphs are the v3 ``graphs`` rows.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from zep_integrations.server import graph
from zep_integrations.server.handler import Ctx, HTTPError, Route, field_str
from zep_integrations.server.v4.common import (
    find_owner,
    ingestion_task,
    new_task,
    order_sql,
    page,
    page_args,
    parse_uuid,
    task_v4,
)
from zep_integrations.server.v4.users import thread_by_id, user_by_id

_GRAPH_ORDER = {"created_at": "created_at", "name": "name", "updated_at": "updated_at"}


def _graph_v4(conn: sqlite3.Connection, owner: graph.Owner) -> dict[str, Any]:
    """A ``Graph``: a user's graph or a standalone one (its v3 ``graph_id`` kept)."""
    if owner.kind == "user":
        user = conn.execute("SELECT * FROM users WHERE id = ?", (owner.rowid,)).fetchone()
        return {
            "uuid": owner.graph_uuid,
            "graph_id": None,
            "name": owner.name,
            "description": None,
            "time_zone": user["time_zone"],
            "type": "user",
            "user_uuid": owner.uuid,
            "created_at": user["created_at"],
            "updated_at": user["updated_at"],
        }
    row = conn.execute("SELECT * FROM graphs WHERE id = ?", (owner.rowid,)).fetchone()
    return _standalone_v4(row)


def _standalone_v4(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "uuid": row["uuid"],
        "graph_id": None if row["graph_id"] == row["uuid"] else row["graph_id"],
        "name": row["name"],
        "description": row["description"],
        "time_zone": row["time_zone"],
        "type": "standalone",
        "user_uuid": None,
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
    }


def _graph_fields(body: dict[str, Any]) -> dict[str, str | None]:
    return {name: field_str(body, name) for name in ("name", "description", "time_zone")}


def create_graph(ctx: Ctx) -> tuple[int, Any]:
    """``POST graphs`` → 201 ``Graph`` (standalone; its v3 ``graph_id`` is its UUID)."""
    fields = _graph_fields(ctx.obj())
    graph_uuid = ctx.env.new_uuid()
    now = ctx.now()
    with ctx.env.store.write() as conn:
        conn.execute(
            "INSERT INTO graphs(uuid, graph_id, name, description, time_zone, created_at,"
            " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (graph_uuid, graph_uuid, *fields.values(), now, now),
        )
        row = conn.execute("SELECT * FROM graphs WHERE uuid = ?", (graph_uuid,)).fetchone()
    return 201, _standalone_v4(row)


def get_graph(ctx: Ctx) -> tuple[int, Any]:
    """``GET graphs/{graph_uuid}``."""
    with ctx.env.store.read() as conn:
        return 200, _graph_v4(conn, find_owner(ctx, conn))


def _standalone(ctx: Ctx, conn: sqlite3.Connection) -> sqlite3.Row:
    owner = find_owner(ctx, conn)
    if owner.kind == "user":
        raise HTTPError(
            400, "a user's graph belongs to the user: update or delete the user", param="graph_uuid"
        )
    return conn.execute("SELECT * FROM graphs WHERE id = ?", (owner.rowid,)).fetchone()  # type: ignore[no-any-return]


def update_graph(ctx: Ctx) -> tuple[int, Any]:
    """``PATCH graphs/{graph_uuid}``: given fields replace (standalone graphs)."""
    fields = _graph_fields(ctx.obj())
    with ctx.env.store.write() as conn:
        row = _standalone(ctx, conn)
        values = {k: row[k] if v is None else v for k, v in fields.items()}
        conn.execute(
            "UPDATE graphs SET name = ?, description = ?, time_zone = ?, updated_at = ?"
            " WHERE id = ?",
            (*values.values(), ctx.now(), row["id"]),
        )
        row = conn.execute("SELECT * FROM graphs WHERE id = ?", (row["id"],)).fetchone()
    return 200, _standalone_v4(row)


def delete_graph(ctx: Ctx) -> tuple[int, Any]:
    """``DELETE graphs/{graph_uuid}`` → 202 ``{task}``; its episodes and edges go with it."""
    with ctx.env.store.write() as conn:
        row = _standalone(ctx, conn)
        conn.execute("DELETE FROM graphs WHERE id = ?", (row["id"],))
        return 202, {"task": new_task(ctx, conn, "graph_delete")}


def list_graphs(ctx: Ctx) -> tuple[int, Any]:
    """``POST graphs/list?page_size&cursor&order_by&order`` ``{search}``: standalone graphs."""
    size, offset = page_args(ctx)
    order = order_sql(ctx, _GRAPH_ORDER, "created_at")
    text = field_str(ctx.obj(), "search")
    where, args = "", []
    if text:
        where = " WHERE instr(lower(coalesce(name, '') || ' ' || graph_id), ?) > 0"
        args.append(text.lower())
    with ctx.env.store.read() as conn:
        total = conn.execute(f"SELECT count(*) FROM graphs{where}", args).fetchone()[0]
        rows = conn.execute(
            f"SELECT * FROM graphs{where} ORDER BY {order} LIMIT ? OFFSET ?", [*args, size, offset]
        ).fetchall()
    return 200, page([_standalone_v4(r) for r in rows], offset, int(total))


def lookup_graph(ctx: Ctx) -> tuple[int, Any]:
    """``POST graphs/lookup``: the graph a v3 id names.

    ``{graph_id}`` names a standalone graph; ``{user_id}`` a user's graph; ``{thread_id}`` the
    graph of the thread's user.
    """
    body = ctx.obj()
    keys = [k for k in ("graph_id", "user_id", "thread_id") if body.get(k) is not None]
    if len(keys) != 1:
        raise HTTPError(400, "give exactly one of graph_id, user_id or thread_id")
    key = keys[0]
    value = field_str(body, key, required=True, empty_ok=False)
    assert value is not None
    with ctx.env.store.read() as conn:
        user: sqlite3.Row | None = None
        if key == "graph_id":
            row = conn.execute("SELECT * FROM graphs WHERE graph_id = ?", (value,)).fetchone()
            if row is not None:
                return 200, _standalone_v4(row)
        elif key == "user_id":
            user = user_by_id(conn, value)
        else:
            thread = thread_by_id(conn, value)
            user = user_by_id(conn, thread["user_id"]) if thread and thread["user_id"] else None
        if user is not None:
            return 200, _graph_v4(conn, graph.owner_of_user(user))
    raise HTTPError(404, f"no graph for {key} {value!r}", param=key)


def get_task(ctx: Ctx) -> tuple[int, Any]:
    """``GET tasks/{task_uuid}``.

    A stored task (deletes), else an ingestion's (``common.ingestion_task``): the last message
    of an add or an added episode.
    """
    task_uuid = parse_uuid(ctx.args["task_uuid"], "task_uuid")
    with ctx.env.store.read() as conn:
        row = conn.execute("SELECT * FROM tasks WHERE uuid = ?", (task_uuid,)).fetchone()
        if row is not None:
            return 200, task_v4(row)
        message = conn.execute(
            "SELECT updated_at FROM messages WHERE uuid = ?", (task_uuid,)
        ).fetchone()
        if message is not None:
            return 200, ingestion_task(task_uuid, "add_messages", message[0], None)
        episode = conn.execute(
            "SELECT created_at FROM episodes WHERE uuid = ?", (task_uuid,)
        ).fetchone()
        if episode is not None:
            return 200, ingestion_task(task_uuid, "add_episode", episode[0], None)
    raise HTTPError(404, f"task {task_uuid} not found", param="task_uuid")


ROUTES = [
    Route("POST", "graphs", create_graph),
    Route("POST", "graphs/list", list_graphs),
    Route("POST", "graphs/lookup", lookup_graph),
    Route("GET", "graphs/{graph_uuid}", get_graph),
    Route("PATCH", "graphs/{graph_uuid}", update_graph),
    Route("DELETE", "graphs/{graph_uuid}", delete_graph),
    Route("GET", "tasks/{task_uuid}", get_task),
]

READS = frozenset(
    {
        "users/list",
        "users/lookup",
        "threads/lookup",
        "graphs/lookup",
        "graphs/list",
        "lookup",
        "graphs/{graph_uuid}/search/{scope}",
        "graphs/{graph_uuid}/context",
        "graphs/{graph_uuid}/episodes/list",
        "graphs/{graph_uuid}/edges/list",
        "graphs/{graph_uuid}/nodes/list",
    }
)
"""``POST`` routes that change nothing: ``Idempotency-Key`` is not recorded for them."""
