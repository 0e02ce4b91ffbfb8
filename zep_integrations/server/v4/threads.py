"""v4 threads and messages (zep-cloud 4.0.1 ``thread/raw_client.py``, ``thread/message/``).

A v4 thread is a v2 session (its ``uuid``); the work is in the shared ``server/threads.py``.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from zep_integrations._limits import check_text
from zep_integrations.models import ROLE_TYPES
from zep_integrations.server import graph, threads
from zep_integrations.server.graph_search import thread_context
from zep_integrations.server.handler import Ctx, HTTPError, Route, field_str, field_strs
from zep_integrations.server.knowledge import graph_hooks
from zep_integrations.server.memory import context_parts, last_messages
from zep_integrations.server.routes_v3_threads import parse_time
from zep_integrations.server.v4.common import (
    episodes_v4,
    ingestion_task,
    message_v4,
    new_task,
    order_sql,
    page,
    page_args,
    parse_uuid,
    thread_v4,
)

MAX_MESSAGES_PER_CALL = 30
MAX_MESSAGE_CHARS = 4096
"""v3/v4 limits as Zep's own integrations enforce them (``zep-api-today.md`` 3.3, 4.3)."""
CONTEXT_QUERY_MESSAGES = 4
"""v4 "Smart Context Assembly" queries with the thread's four most recent messages."""

_ROLES = frozenset(ROLE_TYPES)
_THREAD_ORDER = {"created_at": "created_at", "updated_at": "updated_at"}
_MESSAGE_ORDER = {"created_at": "id"}
_PLAIN_KEYS = frozenset({"role", "name", "content"})


def find_thread(conn: sqlite3.Connection, ctx: Ctx) -> tuple[sqlite3.Row, str | None]:
    """The session addressed by ``thread_uuid`` and its owner's UUID; 400/404 as v4 answers."""
    thread_uuid = parse_uuid(ctx.args["thread_uuid"], "thread_uuid")
    row = conn.execute(
        "SELECT sessions.*, users.uuid AS user_uuid FROM sessions"
        " LEFT JOIN users ON users.user_id = sessions.user_id WHERE sessions.uuid = ?",
        (thread_uuid,),
    ).fetchone()
    if row is None:
        raise HTTPError(404, f"thread {thread_uuid} not found", param="thread_uuid")
    return row, row["user_uuid"]


def create_thread(ctx: Ctx) -> tuple[int, Any]:
    """``POST threads`` ``{user_uuid}`` → 201 ``Thread``."""
    raw = field_str(ctx.obj(), "user_uuid", required=True, empty_ok=False)
    assert raw is not None
    user_uuid = parse_uuid(raw, "user_uuid")
    thread_uuid = ctx.env.new_uuid()
    with ctx.env.store.write() as conn:
        user = conn.execute("SELECT user_id FROM users WHERE uuid = ?", (user_uuid,)).fetchone()
        if user is None:
            raise HTTPError(404, f"user {user_uuid} not found", param="user_uuid")
        # A v4 thread has no client id: its v2/v3 id is its UUID (see common.py).
        row = threads.create_thread(conn, thread_uuid, thread_uuid, user["user_id"], ctx.now())
        return 201, thread_v4(row, user_uuid)


def get_thread(ctx: Ctx) -> tuple[int, Any]:
    """``GET threads/{thread_uuid}``."""
    with ctx.env.store.read() as conn:
        row, user_uuid = find_thread(conn, ctx)
    return 200, thread_v4(row, user_uuid)


def list_threads(ctx: Ctx) -> tuple[int, Any]:
    """``GET threads?page_size&cursor&order_by&order&user_uuid``."""
    size, offset = page_args(ctx)
    order = order_sql(ctx, _THREAD_ORDER, "created_at", "sessions")
    raw_user = ctx.q("user_uuid")
    with ctx.env.store.read() as conn:
        where, args = "", []
        if raw_user is not None:
            user_uuid = parse_uuid(raw_user, "user_uuid")
            user = conn.execute("SELECT user_id FROM users WHERE uuid = ?", (user_uuid,)).fetchone()
            if user is None:
                raise HTTPError(404, f"user {user_uuid} not found", param="user_uuid")
            where, args = " WHERE sessions.user_id = ?", [user["user_id"]]
        total = conn.execute(f"SELECT count(*) FROM sessions{where}", args).fetchone()[0]
        rows = conn.execute(
            "SELECT sessions.*, users.uuid AS user_uuid FROM sessions"
            f" LEFT JOIN users ON users.user_id = sessions.user_id{where}"
            f" ORDER BY {order} LIMIT ? OFFSET ?",
            [*args, size, offset],
        ).fetchall()
    return 200, page([thread_v4(r, r["user_uuid"]) for r in rows], offset, int(total))


def delete_thread(ctx: Ctx) -> tuple[int, Any]:
    """``DELETE threads/{thread_uuid}`` → 202 ``{task}``; its messages go with it."""
    with ctx.env.store.write() as conn:
        row, _ = find_thread(conn, ctx)
        threads.delete_thread(conn, row["session_id"])
        return 202, {"task": new_task(ctx, conn, "thread_delete")}


def list_messages(ctx: Ctx) -> tuple[int, Any]:
    """``GET threads/{thread_uuid}/messages?page_size&cursor&order_by&order``."""
    size, offset = page_args(ctx)
    order = order_sql(ctx, _MESSAGE_ORDER, "created_at")
    with ctx.env.store.read() as conn:
        row, _ = find_thread(conn, ctx)
        total = conn.execute(
            "SELECT count(*) FROM messages WHERE session_id = ?", (row["id"],)
        ).fetchone()[0]
        rows = conn.execute(
            f"SELECT * FROM messages WHERE session_id = ? ORDER BY {order} LIMIT ? OFFSET ?",
            (row["id"], size, offset),
        ).fetchall()
    return 200, page([message_v4(r, row["uuid"]) for r in rows], offset, int(total))


def _new_message(raw: Any, index: int) -> threads.NewMessage:
    # Fast path for the common message (role, content, optional name; ASCII text, which
    # cannot hold a lone surrogate); anything else gets the checks below, which name the fault.
    if type(raw) is dict and raw.keys() <= _PLAIN_KEYS:
        role, content, name = raw.get("role"), raw.get("content"), raw.get("name")
        if (
            role in _ROLES
            and type(content) is str
            and len(content) <= MAX_MESSAGE_CHARS
            and content.isascii()
            and (name is None or (type(name) is str and name.isascii()))
        ):
            return threads.NewMessage(role, name, content)
    param = f"messages[{index}]"
    if not isinstance(raw, dict):
        raise HTTPError(400, f"{param} must be an object", param=param)
    if raw.get("uuid") is not None:
        raise HTTPError(400, "message uuids are assigned by the server", param=f"{param}.uuid")
    role = field_str(raw, "role", required=True)
    if role not in _ROLES:
        raise HTTPError(
            400, f"{param}.role must be one of {', '.join(ROLE_TYPES)}", param=f"{param}.role"
        )
    content = field_str(raw, "content", required=True)
    assert content is not None
    if len(content) > MAX_MESSAGE_CHARS:
        raise HTTPError(
            400,
            f"{param}.content has {len(content)} characters;"
            f" at most {MAX_MESSAGE_CHARS} are allowed",
            param=f"{param}.content",
        )
    name = field_str(raw, "name")
    try:
        check_text(content, f"{param}.content")
        if name is not None:
            check_text(name, f"{param}.name")
    except ValueError as exc:
        raise HTTPError(400, str(exc), param=param) from None
    metadata = raw.get("metadata")
    if metadata is not None:
        try:
            threads.check_metadata(metadata, f"{param}.metadata")
        except ValueError as exc:
            raise HTTPError(400, str(exc), param=f"{param}.metadata") from None
    created = parse_time(raw.get("reference_time"), f"{param}.reference_time")
    return threads.NewMessage(role, name, content, created, metadata)


def _context(ctx: Ctx, conn: sqlite3.Connection, session: sqlite3.Row) -> str:
    """The thread's context block, over its user's whole graph.

    The latest 4 messages are the query; a v2 session without a user has only its own facts
    (the v2 memory context).
    """
    user = threads.thread_user(conn, session)
    if user is None:
        window = last_messages(conn, int(session["id"]), CONTEXT_QUERY_MESSAGES)
        return context_parts(conn, session, window, None)[1] if window else ""
    owner = graph.owner_of_user(user)
    hooks = graph_hooks(ctx.env.intelligence)
    return thread_context(conn, owner, int(session["id"]), hooks, CONTEXT_QUERY_MESSAGES)


def add_messages(ctx: Ctx) -> tuple[int, Any]:
    """``POST threads/{thread_uuid}/messages`` → 202 ``AddMessagesResult``.

    Validates everything before the one transaction: a refused call stores nothing.
    """
    body = ctx.obj()
    raw = body.get("messages")
    if not isinstance(raw, list) or not raw:
        raise HTTPError(400, "messages must be a non-empty array", param="messages")
    if len(raw) > MAX_MESSAGES_PER_CALL:
        raise HTTPError(
            400,
            f"{len(raw)} messages sent; at most {MAX_MESSAGES_PER_CALL} may be added per call",
            param="messages",
        )
    messages = [_new_message(m, i) for i, m in enumerate(raw)]
    ignore = field_strs(body, "ignore_roles") or []
    return_context = body.get("return_context") is True
    with ctx.env.store.write() as conn:
        row, _ = find_thread(conn, ctx)
        uuids = threads.add_messages(ctx, conn, row, messages, ignore)
        # The write's time, which add_messages gave the thread: the answer is built from what
        # was written instead of reading 30 rows back.
        now = conn.execute("SELECT updated_at FROM sessions WHERE id = ?", (row["id"],))
        written = str(now.fetchone()[0])
        out: dict[str, Any] = {
            "messages": [
                {
                    "uuid": message_uuid,
                    "thread_uuid": row["uuid"],
                    "role": m.role,
                    "name": m.name,
                    "content": m.content,
                    "metadata": m.metadata,
                    "reference_time": m.created_at or written,
                    "created_at": m.created_at or written,
                    "processed": True,
                }
                for message_uuid, m in zip(uuids, messages, strict=True)
            ],
            "task": ingestion_task(
                uuids[-1], "add_messages", written, {"episodes": [{"uuid": u} for u in uuids]}
            ),
        }
        if return_context:
            out["context"] = _context(ctx, conn, row)
    return 202, out


def _message(conn: sqlite3.Connection, ctx: Ctx) -> tuple[sqlite3.Row, sqlite3.Row]:
    thread, _ = find_thread(conn, ctx)
    message_uuid = parse_uuid(ctx.args["message_uuid"], "message_uuid")
    row = conn.execute(
        "SELECT * FROM messages WHERE session_id = ? AND uuid = ?", (thread["id"], message_uuid)
    ).fetchone()
    if row is None:
        raise HTTPError(404, f"message {message_uuid} not found", param="message_uuid")
    return thread, row


def get_message(ctx: Ctx) -> tuple[int, Any]:
    """``GET threads/{thread_uuid}/messages/{message_uuid}``."""
    with ctx.env.store.read() as conn:
        thread, row = _message(conn, ctx)
    return 200, message_v4(row, thread["uuid"])


def update_message(ctx: Ctx) -> tuple[int, Any]:
    """``PATCH threads/{thread_uuid}/messages/{message_uuid}`` ``{metadata}`` (deep merge)."""
    metadata = ctx.obj().get("metadata")
    if not isinstance(metadata, dict):
        raise HTTPError(400, "metadata must be an object", param="metadata")
    with ctx.env.store.write() as conn:
        thread, row = _message(conn, ctx)
        try:
            row = threads.update_message_metadata(conn, row["uuid"], metadata, ctx.now())
        except ValueError as exc:
            raise HTTPError(400, str(exc), param="metadata") from None
    return 200, message_v4(row, thread["uuid"])


def get_context(ctx: Ctx) -> tuple[int, Any]:
    """``GET threads/{thread_uuid}/context?template_uuid``.

    Context templates are not stored by this server, so any ``template_uuid`` is unknown (404).
    """
    template = ctx.q("template_uuid")
    with ctx.env.store.read() as conn:
        row, _ = find_thread(conn, ctx)
        if template is not None:
            template_uuid = parse_uuid(template, "template_uuid")
            raise HTTPError(
                404, f"context template {template_uuid} not found", param="template_uuid"
            )
        return 200, {"context": _context(ctx, conn, row)}


def list_episodes(ctx: Ctx) -> tuple[int, Any]:
    """``GET threads/{thread_uuid}/episodes?page_size&cursor``: its messages as episodes."""
    size, offset = page_args(ctx)
    with ctx.env.store.read() as conn:
        row, _ = find_thread(conn, ctx)
        user = threads.thread_user(conn, row)
        if user is None:
            raise HTTPError(
                404, "this thread has no user, so it is in no graph", param="thread_uuid"
            )
        owner = graph.owner_of_user(user)
        total = conn.execute(
            "SELECT count(*) FROM messages WHERE session_id = ?", (row["id"],)
        ).fetchone()[0]
        rows = conn.execute(
            "SELECT * FROM messages WHERE session_id = ? ORDER BY id LIMIT ? OFFSET ?",
            (row["id"], size, offset),
        ).fetchall()
        episodes = [graph.message_episode_json(r, row["session_id"]) for r in rows]
        items = episodes_v4(conn, episodes, owner)
    return 200, page(items, offset, int(total))


def get_summary(ctx: Ctx) -> tuple[int, Any]:
    """``GET threads/{thread_uuid}/summary``: the latest summary; 404 while there is none."""
    with ctx.env.store.read() as conn:
        row, user_uuid = find_thread(conn, ctx)
        summary = conn.execute(
            "SELECT * FROM summaries WHERE session_id = ? ORDER BY id DESC LIMIT 1", (row["id"],)
        ).fetchone()
    if summary is None:
        raise HTTPError(404, "this thread has no summary yet", param="thread_uuid")
    return 200, {
        "uuid": summary["uuid"],
        "summary": summary["content"],
        "thread_uuid": row["uuid"],
        "graph_uuid": graph.user_graph_uuid(user_uuid) if user_uuid else None,
        "created_at": summary["created_at"],
        "last_summarized_at": summary["created_at"],
    }


ROUTES = [
    Route("POST", "threads", create_thread),
    Route("GET", "threads", list_threads),
    Route("GET", "threads/{thread_uuid}", get_thread),
    Route("DELETE", "threads/{thread_uuid}", delete_thread),
    Route("GET", "threads/{thread_uuid}/messages", list_messages),
    Route("POST", "threads/{thread_uuid}/messages", add_messages),
    Route("GET", "threads/{thread_uuid}/messages/{message_uuid}", get_message),
    Route("PATCH", "threads/{thread_uuid}/messages/{message_uuid}", update_message),
    Route("GET", "threads/{thread_uuid}/context", get_context),
    Route("GET", "threads/{thread_uuid}/summary", get_summary),
    Route("GET", "threads/{thread_uuid}/episodes", list_episodes),
]
