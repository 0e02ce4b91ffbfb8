"""The v3 thread API under ``/api/v2``, beside the v2 sessions it shares storage with.

Wire contract: zep-cloud 3.30.0 ``thread/raw_client.py``, ``thread/message/raw_client.py`` and
``task/raw_client.py``.

Shapes only: the work is in ``threads.py`` and ``graph_search.py``. Limits (``zep-api-today.md``
section 3.3): 30 messages per call, 4,096 characters per message, metadata at most 10 keys;
anything over is a 400 ``{"message": ...}`` before anything is written.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from zep_integrations._limits import check_id
from zep_integrations.models import ROLE_TYPES
from zep_integrations.server import graph, threads
from zep_integrations.server.graph_search import thread_context
from zep_integrations.server.handler import Ctx, HTTPError, Route, field_map, field_str, field_strs
from zep_integrations.server.knowledge import graph_hooks
from zep_integrations.server.records import rfc3339

__all__ = [
    "MAX_MESSAGES",
    "MAX_MESSAGE_CHARS",
    "ROUTES",
    "metadata_field",
    "parse_time",
    "strict_flag",
    "valid_id",
]

MAX_MESSAGES = 30
MAX_MESSAGE_CHARS = 4096
_ROLES = frozenset(ROLE_TYPES)


def valid_id(value: Any, what: str) -> str:
    """A client-chosen ID (``_limits.check_id``), else 400."""
    try:
        return check_id(value, what)
    except (TypeError, ValueError) as exc:
        raise HTTPError(400, str(exc)) from None


def parse_time(value: Any, what: str) -> str | None:
    """An RFC 3339 timestamp, normalised to UTC with microseconds; 400 when unparseable."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise HTTPError(400, f"{what} must be an RFC 3339 timestamp string")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise HTTPError(400, f"{what} is not an RFC 3339 timestamp: {value!r}") from None
    return rfc3339(moment)


def metadata_field(body: dict[str, Any], what: str) -> dict[str, Any] | None:
    """The ``metadata`` object of a body, within the v3 limits; 400 otherwise."""
    metadata = field_map(body, "metadata")
    if metadata is not None:
        try:
            threads.check_metadata(metadata, what)
        except ValueError as exc:
            raise HTTPError(400, str(exc)) from None
    return metadata


def strict_flag(body: dict[str, Any]) -> bool:
    """``strict_ontology`` (default false); 400 when not a boolean."""
    value = body.get("strict_ontology")
    if value is not None and not isinstance(value, bool):
        raise HTTPError(400, "strict_ontology must be a boolean")
    return bool(value)


def _messages(body: dict[str, Any]) -> list[threads.NewMessage]:
    raw = body.get("messages")
    if not isinstance(raw, list) or not raw:
        raise HTTPError(400, "messages must be a non-empty array")
    if len(raw) > MAX_MESSAGES:
        raise HTTPError(
            400, f"{len(raw)} messages given; at most {MAX_MESSAGES} may be added per call"
        )
    out = []
    for index, message in enumerate(raw):
        # Fast path for the common well-formed message; anything else gets the checks below,
        # which name what is wrong.
        if (
            type(message) is dict
            and type(content := message.get("content")) is str
            and len(content) <= MAX_MESSAGE_CHARS
            and message.get("role") in _ROLES
            and type(name := message.get("name") or "") is str
            and message.get("metadata") is None
            and message.get("created_at") is None
        ):
            out.append(threads.NewMessage(message["role"], name or None, content))
            continue
        what = f"messages[{index}]"
        if not isinstance(message, dict):
            raise HTTPError(400, f"{what} must be an object")
        role = field_str(message, "role")
        if role not in ROLE_TYPES:
            raise HTTPError(400, f"{what}.role must be one of {', '.join(ROLE_TYPES)}")
        content = field_str(message, "content", required=True) or ""
        if len(content) > MAX_MESSAGE_CHARS:
            raise HTTPError(
                400,
                f"{what}.content has {len(content)} characters; at most {MAX_MESSAGE_CHARS}"
                " are allowed per message",
            )
        out.append(
            threads.NewMessage(
                role=role,
                name=field_str(message, "name"),
                content=content,
                created_at=parse_time(message.get("created_at"), f"{what}.created_at"),
                metadata=metadata_field(message, f"{what}.metadata"),
            )
        )
    return out


def create_thread(ctx: Ctx) -> tuple[int, Any]:
    """``POST threads`` ``{thread_id, user_id}`` -> 201 ``Thread``."""
    body = ctx.obj()
    thread_id = valid_id(body.get("thread_id"), "thread_id")
    user_id = valid_id(body.get("user_id"), "user_id")
    with ctx.env.store.write() as conn:
        row = threads.create_thread(conn, ctx.env.new_uuid(), thread_id, user_id, ctx.now())
        return 201, threads.thread_json(row, threads.thread_user(conn, row), ctx.env.project_uuid)


def list_threads(ctx: Ctx) -> tuple[int, Any]:
    """``GET threads?page_number&page_size&order_by&asc`` -> ``ThreadListResponse``."""
    order_by = ctx.q("order_by")
    if order_by is not None and order_by not in threads.THREAD_ORDER:
        raise HTTPError(400, f"order_by must be one of {', '.join(threads.THREAD_ORDER)}")
    page_number = ctx.q_int("page_number", "pageNumber", minimum=1) or 1
    page_size = ctx.q_int("page_size", "pageSize", minimum=1)
    with ctx.env.store.read() as conn:
        rows, total = threads.list_threads(
            conn,
            page_number=page_number,
            page_size=page_size,
            order_by=order_by,
            asc=bool(ctx.q_bool("asc")),
        )
        items = [
            threads.thread_json(row, threads.thread_user(conn, row), ctx.env.project_uuid)
            for row in rows
        ]
    return 200, {"threads": items, "response_count": len(items), "total_count": total}


def delete_thread(ctx: Ctx) -> tuple[int, Any]:
    """``DELETE threads/{thread_id}``."""
    with ctx.env.store.write() as conn:
        threads.delete_thread(conn, ctx.args["thread_id"])
    return 200, {"message": "OK"}


def get_messages(ctx: Ctx) -> tuple[int, Any]:
    """``GET threads/{thread_id}/messages?limit&cursor&lastn`` -> ``MessageListResponse``."""
    limit = ctx.q_int("limit")
    cursor = ctx.q_int("cursor", minimum=1) or 1
    lastn = ctx.q_int("lastn")
    with ctx.env.store.read() as conn:
        session = threads.find_thread(conn, ctx.args["thread_id"])
        user = threads.thread_user(conn, session)
        rows, total = threads.read_messages(
            conn, int(session["id"]), lastn=lastn, limit=limit, cursor=cursor
        )
    return 200, {
        "messages": [threads.message_json(row) for row in rows],
        "row_count": len(rows),
        "total_count": total,
        "thread_created_at": session["created_at"],
        "user_id": session["user_id"],
        "user_uuid": user["uuid"] if user is not None else None,
    }


def add_messages(ctx: Ctx) -> tuple[int, Any]:
    """``POST threads/{thread_id}/messages``: validate all, then one transaction."""
    body = ctx.obj()
    messages = _messages(body)
    ignore = field_strs(body, "ignore_roles") or []
    if any(role not in ROLE_TYPES for role in ignore):
        raise HTTPError(400, f"ignore_roles must hold roles among {', '.join(ROLE_TYPES)}")
    return_context = body.get("return_context")
    if return_context is not None and not isinstance(return_context, bool):
        raise HTTPError(400, "return_context must be a boolean")
    strict = strict_flag(body)
    with ctx.env.store.write() as conn:
        session = threads.find_thread(conn, ctx.args["thread_id"])
        uuids = threads.add_messages(ctx, conn, session, messages, ignore, strict_ontology=strict)
        # Ingestion is synchronous here; the task named after the last message has succeeded.
        out: dict[str, Any] = {"message_uuids": uuids, "task_id": uuids[-1]}
        if return_context:
            out["context"] = _context(ctx, conn, session)
    return 200, out


def _context(ctx: Ctx, conn: Any, session: Any) -> str:
    user = threads.thread_user(conn, session)
    if user is None:
        return ""
    hooks = graph_hooks(ctx.env.intelligence)
    return thread_context(conn, graph.owner_of_user(user), int(session["id"]), hooks)


def get_context(ctx: Ctx) -> tuple[int, Any]:
    """``GET threads/{thread_id}/context``; context templates are not kept here (404)."""
    template_id = ctx.q("template_id")
    with ctx.env.store.read() as conn:
        session = threads.find_thread(conn, ctx.args["thread_id"])
        if template_id is not None:
            raise HTTPError(404, f"context template not found: {template_id}")
        return 200, {"context": _context(ctx, conn, session)}


def get_summary(ctx: Ctx) -> tuple[int, Any]:
    """``GET threads/{thread_id}/summary``: the newest summary; 404 while there is none."""
    with ctx.env.store.read() as conn:
        session = threads.find_thread(conn, ctx.args["thread_id"])
        row = conn.execute(
            "SELECT * FROM summaries WHERE session_id = ? ORDER BY id DESC LIMIT 1",
            (session["id"],),
        ).fetchone()
    if row is None:
        raise HTTPError(404, "thread has no summary yet")
    return 200, {
        "uuid": row["uuid"],
        "thread_id": session["session_id"],
        "summary": row["content"],
        "created_at": row["created_at"],
        "last_summarized_at": row["created_at"],
    }


def get_episodes(ctx: Ctx) -> tuple[int, Any]:
    """``GET threads/{thread_id}/episodes``: the thread's messages as episodes."""
    with ctx.env.store.read() as conn:
        session = threads.find_thread(conn, ctx.args["thread_id"])
        rows, _ = threads.read_messages(conn, int(session["id"]))
    thread_id = session["session_id"]
    return 200, {"episodes": [graph.message_episode_json(row, thread_id) for row in rows]}


def update_message(ctx: Ctx) -> tuple[int, Any]:
    """``PATCH messages/{message_uuid}`` ``{metadata}`` -> the updated ``Message``."""
    metadata = metadata_field(ctx.obj(), "metadata")
    if metadata is None:
        raise HTTPError(400, "metadata is required")
    with ctx.env.store.write() as conn:
        try:
            row = threads.update_message_metadata(
                conn, ctx.args["message_uuid"], metadata, ctx.now()
            )
        except ValueError as exc:
            raise HTTPError(400, str(exc)) from None
        return 200, threads.message_json(row)


def get_task(ctx: Ctx) -> tuple[int, Any]:
    """``GET tasks/{task_id}``: ingestion runs inside the write, so a known task has succeeded.

    Task IDs are those this API hands out: the last message UUID of an add-messages call and
    an added episode's UUID.
    """
    task_id = ctx.args["task_id"]
    with ctx.env.store.read() as conn:
        row = conn.execute(
            "SELECT 'add_messages' AS type, updated_at AS created_at FROM messages WHERE uuid = ?"
            " UNION ALL SELECT 'add_episode', created_at FROM episodes WHERE uuid = ?",
            (task_id, task_id),
        ).fetchone()
    if row is None:
        raise HTTPError(404, f"task not found: {task_id}")
    when = row["created_at"]
    return 200, {
        "task_id": task_id,
        "type": row["type"],
        "status": "succeeded",
        "created_at": when,
        "started_at": when,
        "updated_at": when,
        "completed_at": when,
    }


ROUTES = [
    Route("POST", "threads", create_thread),
    Route("GET", "threads", list_threads),
    Route("DELETE", "threads/{thread_id}", delete_thread),
    Route("GET", "threads/{thread_id}/messages", get_messages),
    Route("POST", "threads/{thread_id}/messages", add_messages),
    Route("POST", "threads/{thread_id}/messages-batch", add_messages),
    Route("GET", "threads/{thread_id}/context", get_context),
    Route("GET", "threads/{thread_id}/summary", get_summary),
    Route("GET", "threads/{thread_id}/episodes", get_episodes),
    Route("PATCH", "messages/{message_uuid}", update_message),
    Route("GET", "tasks/{task_id}", get_task),
]
