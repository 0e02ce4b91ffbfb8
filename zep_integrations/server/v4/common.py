"""Shared pieces of the v4 routes: error envelope, UUID addresses, cursor pages, tasks, shapes.

The wire contract is zep-cloud 4.0.1 (``zep_cloud/*/raw_client.py`` and ``zep_cloud/types``);
``zep-api-today.md`` section 4 summarises it.

How v4 addresses map onto the one store (v2 sessions are v3/v4 threads):

* a v4 user's ``uuid`` is the stored user's ``uuid``; a thread's ``uuid`` is the session's.
* A user or thread created through v4 has no client-chosen id, so its v2/v3 id (``user_id``,
  ``session_id``) is its UUID string: v2 and v3 clients can still address it. v4 shows
  ``user_id``/``thread_id`` only when they differ from the UUID (a v2/v3-created resource).
* ``graph_uuid`` of a user graph is derived, not stored (``graph.user_graph_uuid``, shared with
  v3), so a database written before needs no backfill. Resolving one back to its user uses a
  per-server index built from the ``users`` table (``_GraphIndex``); every graph-scoped
  route also accepts the user's own UUID, as Zep's does.
* A standalone graph created through v4 gets its UUID as its v3 ``graph_id``, like users and
  threads.
"""

from __future__ import annotations

import base64
import binascii
import sqlite3
import threading
import uuid as uuid_module
import weakref
from collections.abc import Mapping
from typing import Any

from zep_integrations.server import graph
from zep_integrations.server.handler import Ctx, HTTPError, Request, Response, json_response
from zep_integrations.server.storage import Storage, dumps, loads

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "MAX_PAGE_SIZE",
    "fail",
    "find_owner",
    "message_v4",
    "new_task",
    "page",
    "page_args",
    "parse_uuid",
    "thread_v4",
    "user_v4",
]

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 1000

_CODES = {
    400: "invalid_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "unprocessable_entity",
    429: "rate_limited",
    500: "internal_error",
}


def fail(request: Request, exc: HTTPError) -> Response:
    """The v4 error envelope ``{"error": {"code", "message", "param"?, "request_id"}}``."""
    body: dict[str, Any] = {
        "code": exc.code or _CODES.get(exc.status, "error"),
        "message": exc.message,
    }
    if exc.param:
        body["param"] = exc.param
    body["request_id"] = request.headers.get("x-request-id") or uuid_module.uuid4().hex
    return json_response(exc.status, {"error": body})


def parse_uuid(value: str, param: str) -> str:
    """The canonical form of a UUID address; 400 ``invalid_identifier`` for anything else.

    v4 addresses are server UUIDs only: a v3 id in their place fails this way, as Zep's
    *Migrating from v3* guide documents; the lookup endpoints resolve v3 ids.
    """
    try:
        return str(uuid_module.UUID(value))
    except ValueError:
        raise HTTPError(
            400,
            f"{param} must be a UUID, got {value[:80]!r};"
            " resolve a v3 id with the lookup endpoints",
            code="invalid_identifier",
            param=param,
        ) from None


class _GraphIndex:
    """``graph_uuid`` -> user UUID for one database, grown from the ``users`` table on a miss.

    The derivation cannot be inverted, so the index remembers every user it has seen and reads
    only users added since (``id`` above the last one read; user ids are never reused). A hit is
    checked against the table, so a deleted user's graph is gone at once.
    """

    def __init__(self) -> None:
        self._users: dict[str, str] = {}
        self._last_id = 0
        self._lock = threading.Lock()

    def user_uuid(self, conn: sqlite3.Connection, graph_uuid: str) -> str | None:
        """The UUID of the user whose graph is ``graph_uuid``, None when there is none."""
        with self._lock:
            if graph_uuid not in self._users:
                for rowid, user_uuid in conn.execute(
                    "SELECT id, uuid FROM users WHERE id > ? ORDER BY id", (self._last_id,)
                ):
                    self._users[graph.user_graph_uuid(user_uuid)] = user_uuid
                    self._last_id = rowid
            return self._users.get(graph_uuid)


_indexes: weakref.WeakKeyDictionary[Storage, _GraphIndex] = weakref.WeakKeyDictionary()
_indexes_lock = threading.Lock()


def find_owner(ctx: Ctx, conn: sqlite3.Connection, key: str = "graph_uuid") -> graph.Owner:
    """The owner of the graph addressed by path parameter ``key``; 400/404 as v4 answers them.

    A user graph is found by its ``graph_uuid`` or the user's UUID, else a standalone graph.
    """
    graph_uuid = parse_uuid(ctx.args[key], key)
    row = conn.execute("SELECT * FROM users WHERE uuid = ?", (graph_uuid,)).fetchone()
    if row is None:
        with _indexes_lock:
            index = _indexes.setdefault(ctx.env.store, _GraphIndex())
        user_uuid = index.user_uuid(conn, graph_uuid)
        if user_uuid is not None:
            row = conn.execute("SELECT * FROM users WHERE uuid = ?", (user_uuid,)).fetchone()
    if row is not None:
        return graph.owner_of_user(row)
    standalone = conn.execute(
        "SELECT graph_id FROM graphs WHERE uuid = ?", (graph_uuid,)
    ).fetchone()
    if standalone is None:
        raise HTTPError(404, f"graph {graph_uuid} not found", param=key)
    return graph.graph_owner(conn, standalone[0])


def page_args(ctx: Ctx, default: int = DEFAULT_PAGE_SIZE) -> tuple[int, int]:
    """``(page_size, offset)`` from ``page_size`` and the opaque ``cursor``."""
    size = ctx.q_int("page_size", minimum=1) or default
    if size > MAX_PAGE_SIZE:
        raise HTTPError(400, f"page_size must be at most {MAX_PAGE_SIZE}", param="page_size")
    raw = ctx.q("cursor")
    if raw is None:
        return size, 0
    try:
        text = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode("ascii")
        if not text.startswith("o") or not text[1:].isdigit() or len(text) > 19:
            raise ValueError(text)
        return size, int(text[1:])
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise HTTPError(400, "cursor is not one this server returned", param="cursor") from None


def page(items: list[Any], offset: int, total: int) -> dict[str, Any]:
    """A cursor page ``{items, next_cursor, total_size}``; ``next_cursor`` null on the last."""
    end = offset + len(items)
    cursor = None
    if items and end < total:
        cursor = base64.urlsafe_b64encode(f"o{end}".encode("ascii")).decode("ascii").rstrip("=")
    return {"items": items, "next_cursor": cursor, "total_size": total}


def order_sql(ctx: Ctx, columns: Mapping[str, str], default: str, table: str = "") -> str:
    """``ORDER BY`` text from ``order_by`` (one of ``columns``) and ``order`` (asc/desc)."""
    order_by = ctx.q("order_by") or default
    if order_by not in columns:
        raise HTTPError(
            400, f"order_by must be one of {', '.join(sorted(columns))}", param="order_by"
        )
    order = (ctx.q("order") or "asc").lower()
    if order not in ("asc", "desc"):
        raise HTTPError(400, "order must be asc or desc", param="order")
    prefix = f"{table}." if table else ""
    return f"{prefix}{columns[order_by]} {order.upper()}, {prefix}id {order.upper()}"


def new_task(ctx: Ctx, conn: sqlite3.Connection, kind: str, result: Any = None) -> dict[str, Any]:
    """Record a task in the write's transaction and return its JSON.

    The work is done synchronously, so a task is born ``succeeded``; ``GET tasks/{uuid}``
    reads it back as long as the database lives.
    """
    row = {
        "uuid": ctx.env.new_uuid(),
        "type": kind,
        "status": "succeeded",
        "result": dumps(result),
        "created_at": ctx.now(),
    }
    conn.execute(
        "INSERT INTO tasks(uuid, type, status, result, created_at)"
        " VALUES (:uuid, :type, :status, :result, :created_at)",
        row,
    )
    return task_v4(row)


def ingestion_task(item_uuid: str, kind: str, created_at: str, result: Any) -> dict[str, Any]:
    """The task of an ingestion (add messages, add episode), named by what it stored.

    Its UUID is the last stored message's or the episode's, so it costs no row and
    ``GET tasks/{uuid}`` finds it there.
    """
    return task_v4(
        {
            "uuid": item_uuid,
            "type": kind,
            "status": "succeeded",
            "result": dumps(result),
            "created_at": created_at,
        }
    )


def task_v4(row: sqlite3.Row | Mapping[str, Any]) -> dict[str, Any]:
    """A ``Task``."""
    return {
        "uuid": row["uuid"],
        "type": row["type"],
        "status": row["status"],
        "progress": {"stage": "completed"},
        "result": loads(row["result"]),
        "created_at": row["created_at"],
        "started_at": row["created_at"],
        "completed_at": row["created_at"],
        "updated_at": row["created_at"],
    }


def user_v4(row: sqlite3.Row) -> dict[str, Any]:
    """A v4 ``User``."""
    return {
        "uuid": row["uuid"],
        "graph_uuid": graph.user_graph_uuid(row["uuid"]),
        "user_id": None if row["user_id"] == row["uuid"] else row["user_id"],
        "email": row["email"],
        "first_name": row["first_name"],
        "last_name": row["last_name"],
        "metadata": loads(row["metadata"]),
        "time_zone": row["time_zone"],
        "disable_default_ontology": bool(row["disable_default_ontology"]),
        "created_at": row["created_at"],
    }


def thread_v4(row: sqlite3.Row, user_uuid: str | None) -> dict[str, Any]:
    """A v4 ``Thread`` (``user_uuid`` is the owner's UUID, None for a v2 session without one)."""
    return {
        "uuid": row["uuid"],
        "user_uuid": user_uuid,
        "graph_uuid": graph.user_graph_uuid(user_uuid) if user_uuid else None,
        "thread_id": None if row["session_id"] == row["uuid"] else row["session_id"],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
    }


def message_v4(row: sqlite3.Row | Mapping[str, Any], thread_uuid: str) -> dict[str, Any]:
    """A v4 ``Message``: v2 ``role_type`` is v4 ``role``, v2 ``role`` is v4 ``name``."""
    return {
        "uuid": row["uuid"],
        "thread_uuid": thread_uuid,
        "role": row["role_type"],
        "name": row["role"],
        "content": row["content"],
        "metadata": loads(row["metadata"]),
        "reference_time": row["created_at"],
        "created_at": row["created_at"],
        "processed": True,
    }


def _owned_by(out: dict[str, Any], owner: graph.Owner) -> dict[str, Any]:
    out["graph_uuid"] = owner.graph_uuid
    out["user_uuid"] = owner.uuid if owner.kind == "user" else None
    return out


def edge_v4(edge: Mapping[str, Any], owner: graph.Owner) -> dict[str, Any]:
    """A v4 ``Edge`` from the shared (v3-shaped) edge: ``episodes`` is ``episode_uuids``."""
    out = dict(edge)
    out["episode_uuids"] = out.pop("episodes", None) or []
    return _owned_by(out, owner)


def node_v4(node: Mapping[str, Any], owner: graph.Owner) -> dict[str, Any]:
    """A v4 ``Node`` (``episode_uuids`` and ``episode_uuids_truncated`` are required)."""
    out = dict(node)
    out["episode_uuids"] = out.pop("episodes", None) or []
    out["episode_uuids_truncated"] = bool(out.pop("episodes_truncated", False))
    return _owned_by(out, owner)


def episodes_v4(
    conn: sqlite3.Connection, episodes: list[dict[str, Any]], owner: graph.Owner
) -> list[dict[str, Any]]:
    """v4 ``Episode``s from the shared (v3-shaped) ones.

    A message's ``role`` is its role type, ``role_name`` its speaker, and its thread is named
    by UUID (``thread_uuid``).
    """
    ids = sorted({str(e["thread_id"]) for e in episodes if e.get("thread_id") is not None})
    threads: dict[str, str] = {}
    if ids:
        marks = ",".join("?" * len(ids))
        threads = {
            str(r[0]): str(r[1])
            for r in conn.execute(
                f"SELECT session_id, uuid FROM sessions WHERE session_id IN ({marks})", ids
            )
        }
    out = []
    for episode in episodes:
        item = dict(episode)
        item.pop("task_id", None)
        if item.get("source") == "message":
            item["role_name"] = item.pop("role", None)
            item["role"] = item.pop("role_type", None)
            item["thread_uuid"] = threads.get(str(item.pop("thread_id", None)))
        item["reference_time"] = item.get("created_at")
        out.append(_owned_by(item, owner))
    return out
