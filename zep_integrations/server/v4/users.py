"""v4 users and lookups (zep-cloud 4.0.1 ``user/raw_client.py``, ``lookup/raw_client.py``)."""

from __future__ import annotations

import sqlite3
from typing import Any

from zep_integrations._limits import check_id, check_json_value
from zep_integrations.server import graph
from zep_integrations.server.handler import Ctx, HTTPError, Route, field_map, field_str
from zep_integrations.server.knowledge import graph_hooks
from zep_integrations.server.records import deep_merge
from zep_integrations.server.storage import dumps, loads
from zep_integrations.server.v4.common import (
    new_task,
    node_v4,
    order_sql,
    page,
    page_args,
    parse_uuid,
    thread_v4,
    user_v4,
)

_TEXT_FIELDS = ("email", "first_name", "last_name", "time_zone")
_ORDER = {"created_at": "created_at", "updated_at": "updated_at", "email": "email"}


def find_user(conn: sqlite3.Connection, ctx: Ctx, key: str = "user_uuid") -> sqlite3.Row:
    """The user addressed by the path parameter ``key``; 400/404 as v4 answers them."""
    user_uuid = parse_uuid(ctx.args[key], key)
    row = conn.execute("SELECT * FROM users WHERE uuid = ?", (user_uuid,)).fetchone()
    if row is None:
        raise HTTPError(404, f"user {user_uuid} not found", param=key)
    return row  # type: ignore[no-any-return]


def checked_map(body: dict[str, Any], key: str = "metadata") -> dict[str, Any] | None:
    """An object field that must be storable JSON; 400 naming the problem otherwise."""
    value = field_map(body, key)
    if value is not None:
        try:
            check_json_value(value, key)
        except (TypeError, ValueError) as exc:
            raise HTTPError(400, str(exc), param=key) from None
    return value


def _fields(body: dict[str, Any]) -> tuple[dict[str, str | None], bool | None]:
    texts = {}
    for name in _TEXT_FIELDS:
        value = field_str(body, name)
        if value is not None:
            try:
                check_json_value(value, name)
            except ValueError as exc:
                raise HTTPError(400, str(exc), param=name) from None
        texts[name] = value
    ontology = body.get("disable_default_ontology")
    if ontology is not None and not isinstance(ontology, bool):
        raise HTTPError(
            400, "disable_default_ontology must be a boolean", param="disable_default_ontology"
        )
    return texts, ontology


def create_user(ctx: Ctx) -> tuple[int, Any]:
    """``POST users`` → 201 ``User`` with a server ``uuid`` and ``graph_uuid``.

    ``user_id`` is optional (an identity-provider id, unique); without it the user's v2/v3 id
    is its UUID (see ``common.py``).
    """
    body = ctx.obj()
    texts, ontology = _fields(body)
    metadata = checked_map(body)
    user_id = field_str(body, "user_id")
    if user_id is not None:
        try:
            check_id(user_id, "user_id")
        except ValueError as exc:
            raise HTTPError(400, str(exc), param="user_id") from None
    user_uuid = ctx.env.new_uuid()
    now = ctx.now()
    with ctx.env.store.write() as conn:
        if (
            user_id is not None
            and conn.execute("SELECT 1 FROM users WHERE user_id = ?", (user_id,)).fetchone()
        ):
            raise HTTPError(409, f"a user with user_id {user_id!r} exists", param="user_id")
        conn.execute(
            "INSERT INTO users(uuid, user_id, email, first_name, last_name, time_zone,"
            " disable_default_ontology, metadata, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                user_uuid,
                user_id or user_uuid,
                *texts.values(),
                None if ontology is None else int(ontology),
                dumps(metadata),
                now,
                now,
            ),
        )
        row = conn.execute("SELECT * FROM users WHERE uuid = ?", (user_uuid,)).fetchone()
        return 201, user_v4(row)


def get_user(ctx: Ctx) -> tuple[int, Any]:
    """``GET users/{user_uuid}``."""
    with ctx.env.store.read() as conn:
        return 200, user_v4(find_user(conn, ctx))


def update_user(ctx: Ctx) -> tuple[int, Any]:
    """``PATCH users/{user_uuid}``: given fields replace, metadata deep-merges."""
    body = ctx.obj()
    texts, ontology = _fields(body)
    metadata = checked_map(body)
    with ctx.env.store.write() as conn:
        row = find_user(conn, ctx)
        values = {k: row[k] if v is None else v for k, v in texts.items()}
        merged = loads(row["metadata"])
        if metadata:
            merged = deep_merge(merged, metadata)
        conn.execute(
            "UPDATE users SET email = ?, first_name = ?, last_name = ?, time_zone = ?,"
            " disable_default_ontology = ?, metadata = ?, updated_at = ? WHERE id = ?",
            (
                *values.values(),
                row["disable_default_ontology"] if ontology is None else int(ontology),
                dumps(merged),
                ctx.now(),
                row["id"],
            ),
        )
        row = conn.execute("SELECT * FROM users WHERE id = ?", (row["id"],)).fetchone()
        return 200, user_v4(row)


def delete_user(ctx: Ctx) -> tuple[int, Any]:
    """``DELETE users/{user_uuid}`` → 202 ``{task}``; its threads and graph go with it."""
    with ctx.env.store.write() as conn:
        row = find_user(conn, ctx)
        conn.execute("DELETE FROM users WHERE id = ?", (row["id"],))
        return 202, {"task": new_task(ctx, conn, "user_delete")}


def list_users(ctx: Ctx) -> tuple[int, Any]:
    """``POST users/list?page_size&cursor&order_by&order`` body ``{search}``."""
    size, offset = page_args(ctx)
    order = order_sql(ctx, _ORDER, "created_at")
    text = field_str(ctx.obj(), "search")
    where, args = "", []
    if text:
        where = (
            " WHERE instr(lower(coalesce(email, '') || ' ' || coalesce(first_name, '') || ' '"
            " || coalesce(last_name, '') || ' ' || user_id), ?) > 0"
        )
        args.append(text.lower())
    with ctx.env.store.read() as conn:
        total = conn.execute(f"SELECT count(*) FROM users{where}", args).fetchone()[0]
        rows = conn.execute(
            f"SELECT * FROM users{where} ORDER BY {order} LIMIT ? OFFSET ?", [*args, size, offset]
        ).fetchall()
    return 200, page([user_v4(r) for r in rows], offset, int(total))


def get_user_node(ctx: Ctx) -> tuple[int, Any]:
    """``GET users/{user_uuid}/node``: the user's node, with the user summary."""
    with ctx.env.store.read() as conn:
        owner = graph.owner_of_user(find_user(conn, ctx))
        node = graph.user_node_json(conn, owner, graph_hooks(ctx.env.intelligence))
    return 200, node_v4(node, owner)


def _lookup_field(body: dict[str, Any], key: str) -> str:
    value = field_str(body, key, required=True, empty_ok=False)
    assert value is not None
    return value


def user_by_id(conn: sqlite3.Connection, user_id: str) -> sqlite3.Row | None:
    """The user a v2/v3 ``user_id`` names."""
    return conn.execute(  # type: ignore[no-any-return]
        "SELECT * FROM users WHERE user_id = ?", (user_id,)
    ).fetchone()


def thread_by_id(conn: sqlite3.Connection, thread_id: str) -> sqlite3.Row | None:
    """The session a v3 ``thread_id`` / v2 ``session_id`` names, with its user's UUID."""
    return conn.execute(  # type: ignore[no-any-return]
        "SELECT sessions.*, users.uuid AS user_uuid FROM sessions"
        " LEFT JOIN users ON users.user_id = sessions.user_id WHERE session_id = ?",
        (thread_id,),
    ).fetchone()


def lookup_user(ctx: Ctx) -> tuple[int, Any]:
    """``POST users/lookup`` ``{user_id}``: the user a v2/v3 id names."""
    user_id = _lookup_field(ctx.obj(), "user_id")
    with ctx.env.store.read() as conn:
        row = user_by_id(conn, user_id)
    if row is None:
        raise HTTPError(404, f"no user has user_id {user_id!r}", param="user_id")
    return 200, user_v4(row)


def lookup_thread(ctx: Ctx) -> tuple[int, Any]:
    """``POST threads/lookup`` ``{thread_id}``: the thread a v3 thread / v2 session id names."""
    thread_id = _lookup_field(ctx.obj(), "thread_id")
    with ctx.env.store.read() as conn:
        row = thread_by_id(conn, thread_id)
    if row is None:
        raise HTTPError(404, f"no thread has thread_id {thread_id!r}", param="thread_id")
    return 200, thread_v4(row, row["user_uuid"])


def lookup_batch(ctx: Ctx) -> tuple[int, Any]:
    """``POST lookup`` ``{users[], threads[], graphs[]}`` → ``{items: [LookupItem]}``."""
    body = ctx.obj()
    wanted: dict[str, list[str]] = {}
    for key in ("users", "threads", "graphs"):
        value = body.get(key) or []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise HTTPError(400, f"{key} must be an array of strings", param=key)
        wanted[key] = value
    items: list[dict[str, Any]] = []
    with ctx.env.store.read() as conn:
        for user_id in wanted["users"]:
            user = user_by_id(conn, user_id)
            items.append(_item("user", user_id, user["uuid"] if user else None))
        for thread_id in wanted["threads"]:
            thread = thread_by_id(conn, thread_id)
            items.append(_item("thread", thread_id, thread["uuid"] if thread else None))
        for graph_id in wanted["graphs"]:
            found = conn.execute("SELECT uuid FROM graphs WHERE graph_id = ?", (graph_id,))
            row = found.fetchone()
            items.append(_item("graph", graph_id, row[0] if row else None))
    return 200, {"items": items}


def _item(kind: str, legacy_id: str, found_uuid: str | None) -> dict[str, Any]:
    return {
        "resource_type": kind,
        "legacy_id": legacy_id,
        "uuid": found_uuid,
        "found": found_uuid is not None,
    }


ROUTES = [
    Route("POST", "users", create_user),
    Route("POST", "users/list", list_users),
    Route("POST", "users/lookup", lookup_user),
    Route("POST", "threads/lookup", lookup_thread),
    Route("POST", "lookup", lookup_batch),
    Route("GET", "users/{user_uuid}", get_user),
    Route("PATCH", "users/{user_uuid}", update_user),
    Route("DELETE", "users/{user_uuid}", delete_user),
    Route("GET", "users/{user_uuid}/node", get_user_node),
]
