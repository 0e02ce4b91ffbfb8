"""Shared pieces of the v4 routes: error envelope, UUID addresses, cursor pages, tasks, shapes.

The wire contract is zep-cloud 4.0.1 (``zep_cloud/*/raw_client.py`` and ``zep_cloud/types``);
``zep-api-today.md`` section 4 summarises it.

How v4 addresses map onto the one store (v2 sessions are v3/v4 threads):

* a v4 user's ``uuid`` is the stored user's ``uuid``; a thread's ``uuid`` is the session's.
* A user or thread created through v4 has no client-chosen id, so its v2/v3 id (``user_id``,
  ``session_id``) is its UUID string: v2 and v3 clients can still address it. v4 shows
  ``user_id``/``thread_id`` only when they differ from the UUID (a v2/v3-created resource).
* ``graph_uuid`` of a user graph is derived, not stored: the user's UUID with its random bits
  XOR-ed by a fixed mask (:func:`graph_uuid_of`). Version and variant bits are untouched, so it
  is a valid UUID; XOR-ing again gives the user back, so resolving it is one index lookup; a
  database written before the v4 API needs no backfill.
"""

from __future__ import annotations

import base64
import binascii
import sqlite3
import uuid as uuid_module
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from zep_integrations.server.handler import Ctx, HTTPError, Request, Response, json_response
from zep_integrations.server.records import rfc3339
from zep_integrations.server.storage import dumps, loads

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "MAX_PAGE_SIZE",
    "fail",
    "graph_uuid_of",
    "message_v4",
    "new_task",
    "page",
    "page_args",
    "parse_time",
    "parse_uuid",
    "thread_v4",
    "user_of_graph",
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
    422: "unprocessable_entity",
    429: "rate_limited",
    500: "internal_error",
}

# Zero in the version nibble (octet 6, high) and the variant bits (octet 8, top two bits).
_GRAPH_MASK = 0x00000000_0000_0A5A_25A5_A5A5A5A5A5A5


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


def graph_uuid_of(user_uuid: str) -> str | None:
    """The derived ``graph_uuid`` of a user (see the module docstring); None if not a UUID."""
    try:
        return str(uuid_module.UUID(int=uuid_module.UUID(user_uuid).int ^ _GRAPH_MASK))
    except ValueError:
        return None


def user_of_graph(conn: sqlite3.Connection, graph_uuid: str) -> sqlite3.Row | None:
    """The user whose graph is ``graph_uuid``; a user's own UUID is accepted as well."""
    row = conn.execute("SELECT * FROM users WHERE uuid = ?", (graph_uuid,)).fetchone()
    if row is None:
        owner = graph_uuid_of(graph_uuid)
        row = conn.execute("SELECT * FROM users WHERE uuid = ?", (owner,)).fetchone()
    return row  # type: ignore[no-any-return]


def parse_time(value: Any, param: str) -> str | None:
    """An RFC 3339 timestamp field normalised to the store's format; 400 when malformed."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            return rfc3339(datetime.fromisoformat(value.replace("Z", "+00:00")))
        except ValueError:
            pass
    raise HTTPError(400, f"{param} must be an RFC 3339 timestamp", param=param)


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
        if not text.startswith("o") or not text[1:].isdigit():
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
        "graph_uuid": graph_uuid_of(row["uuid"]),
        "user_id": None if row["user_id"] == row["uuid"] else row["user_id"],
        "email": row["email"],
        "first_name": row["first_name"],
        "last_name": row["last_name"],
        "metadata": loads(row["metadata"]),
        "created_at": row["created_at"],
    }


def thread_v4(row: sqlite3.Row, user_uuid: str | None) -> dict[str, Any]:
    """A v4 ``Thread`` (``user_uuid`` is the owner's UUID, None for a v2 session without one)."""
    return {
        "uuid": row["uuid"],
        "user_uuid": user_uuid,
        "graph_uuid": graph_uuid_of(user_uuid) if user_uuid else None,
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


def standalone_graph_uuid(conn: sqlite3.Connection, graph_id: str) -> str | None:
    """The UUID of the standalone graph a v3 ``graph_id`` names, None when there is none.

    Standalone graphs are stored by the v3 graph routes; until a database has their table,
    no ``graph_id`` resolves.
    """
    has_table = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'graphs'"
    ).fetchone()
    if not has_table:
        return None
    row = conn.execute("SELECT uuid FROM graphs WHERE graph_id = ?", (graph_id,)).fetchone()
    return None if row is None else str(row[0])
