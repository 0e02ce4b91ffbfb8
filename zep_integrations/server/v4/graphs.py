"""v4 graphs: typed search, context, episodes, edges, nodes and tasks.

zep-cloud 4.0.1 ``graph/raw_client.py``, ``graph/{episode,edge,node}/raw_client.py`` and
``task/raw_client.py``. A user graph is addressed by its ``graph_uuid`` or the user's UUID; its
episodes are the messages of the user's threads, its edges the facts extracted from them and its
nodes the user's own node.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from zep_integrations.server import search
from zep_integrations.server.handler import Ctx, HTTPError, Route, field_num, field_str
from zep_integrations.server.memory import build_context
from zep_integrations.server.storage import loads
from zep_integrations.server.v4.common import (
    graph_uuid_of,
    new_task,
    page,
    page_args,
    parse_uuid,
    task_v4,
    user_of_graph,
)
from zep_integrations.server.v4.domain import rank, user_session_rowids
from zep_integrations.server.v4.users import user_node

MAX_SEARCH_PAGE = 50
"""Graph search pages hold at most 50 results (zep-langgraph 1.0.0 ``tools.py``)."""
DEFAULT_CONTEXT_CHARS = 2500
MAX_CONTEXT_CHARS = 50_000
_SCOPES = ("edges", "nodes", "episodes", "observations", "thread-summaries")
_RERANKERS = ("rrf", "mmr", "node_distance", "episode_mentions", "cross_encoder")


def find_graph(conn: sqlite3.Connection, ctx: Ctx) -> sqlite3.Row:
    """The user owning the addressed graph; 400 ``invalid_identifier`` / 404 otherwise."""
    graph_uuid = parse_uuid(ctx.args["graph_uuid"], "graph_uuid")
    user = user_of_graph(conn, graph_uuid)
    if user is None:
        raise HTTPError(404, f"graph {graph_uuid} not found", param="graph_uuid")
    return user


def _name(user: sqlite3.Row) -> str:
    return " ".join(p for p in (user["first_name"], user["last_name"]) if p) or user["user_id"]


def edge_v4(row: sqlite3.Row, user: sqlite3.Row, score: float | None = None) -> dict[str, Any]:
    """A fact as an ``Edge`` from the user's node: valid from when it was stated."""
    out: dict[str, Any] = {
        "uuid": row["uuid"],
        "name": "STATED",
        "fact": row["content"],
        "source_node_uuid": user["uuid"],
        "source_node_name": _name(user),
        "source_node_labels": ["Entity", "User"],
        "attributes": {},
        "episode_uuids": [],
        "created_at": row["created_at"],
        "valid_at": row["created_at"],
        "invalid_at": None,
        "expired_at": None,
        "graph_uuid": graph_uuid_of(user["uuid"]),
        "user_uuid": user["uuid"],
    }
    if score is not None:
        out["score"] = out["relevance"] = score
    return out


def episode_v4(
    row: sqlite3.Row, thread_uuid: str, user: sqlite3.Row, score: float | None = None
) -> dict[str, Any]:
    """A message as a ``message`` ``Episode``."""
    out: dict[str, Any] = {
        "uuid": row["uuid"],
        "content": row["content"],
        "source": "message",
        "source_description": None,
        "role": row["role_type"],
        "role_name": row["role"],
        "thread_uuid": thread_uuid,
        "graph_uuid": graph_uuid_of(user["uuid"]),
        "user_uuid": user["uuid"],
        "metadata": loads(row["metadata"]),
        "reference_time": row["created_at"],
        "created_at": row["created_at"],
        "processed": True,
    }
    if score is not None:
        out["score"] = out["relevance"] = score
    return out


def _thread_uuids(conn: sqlite3.Connection, rows: list[sqlite3.Row]) -> dict[int, str]:
    ids = sorted({int(r["session_id"]) for r in rows})
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    return {
        int(r[0]): str(r[1])
        for r in conn.execute(f"SELECT id, uuid FROM sessions WHERE id IN ({marks})", ids)
    }


def _search_body(ctx: Ctx) -> tuple[str, str, float]:
    body = ctx.obj()
    query = field_str(body, "query", required=True, empty_ok=False)
    assert query is not None
    reranker = field_str(body, "reranker") or "rrf"
    if reranker not in _RERANKERS:
        raise HTTPError(400, f"reranker must be one of {', '.join(_RERANKERS)}", param="reranker")
    mmr_lambda = field_num(body, "mmr_lambda")
    if mmr_lambda is not None and not 0.0 <= mmr_lambda <= 1.0:
        raise HTTPError(400, "mmr_lambda must be between 0 and 1", param="mmr_lambda")
    return query, reranker, 0.5 if mmr_lambda is None else mmr_lambda


def _ranked(
    conn: sqlite3.Connection,
    user: sqlite3.Row,
    table: str,
    query: str,
    reranker: str,
    mmr_lambda: float,
    wanted: int,
) -> list[tuple[sqlite3.Row, float]]:
    hits = rank(conn, table, query, user_session_rowids(conn, user["user_id"]), wanted)
    if reranker == "mmr":
        return search.mmr(
            [row for row, _ in hits],
            [score for _, score in hits],
            lambda row: str(row["content"]),
            wanted,
            mmr_lambda,
        )
    return hits


def search_graph(ctx: Ctx) -> tuple[int, Any]:
    """``POST graphs/{graph_uuid}/search/{scope}?page_size&cursor``.

    ``edges``, ``nodes`` and ``episodes`` search the user graph; ``observations`` and
    ``thread-summaries`` answer an empty page (nothing of those kinds is derived here).
    """
    scope = ctx.args["scope"]
    if scope not in _SCOPES:
        raise HTTPError(404, f"unknown search scope {scope!r}", param="scope")
    size, offset = page_args(ctx, default=10)
    if size > MAX_SEARCH_PAGE:
        raise HTTPError(400, f"page_size must be at most {MAX_SEARCH_PAGE}", param="page_size")
    query, reranker, mmr_lambda = _search_body(ctx)
    with ctx.env.store.read() as conn:
        user = find_graph(conn, ctx)
        if scope == "nodes":
            words = search.token_set(query) - search.STOPWORDS
            node = user_node(conn, user)
            text = f"{node['name']} {node['summary']}"
            overlap = len(words & search.token_set(text))
            items = [{**node, "score": 1.0, "relevance": 1.0}] if overlap else []
            return 200, page(items[offset : offset + size], offset, len(items))
        if scope not in ("edges", "episodes"):
            return 200, page([], 0, 0)
        table = "facts" if scope == "edges" else "messages"
        hits = _ranked(conn, user, table, query, reranker, mmr_lambda, offset + size + 1)
        chosen = hits[offset : offset + size]
        if scope == "edges":
            items = [edge_v4(row, user, score) for row, score in chosen]
        else:
            threads = _thread_uuids(conn, [row for row, _ in chosen])
            items = [
                episode_v4(row, threads[int(row["session_id"])], user, score)
                for row, score in chosen
            ]
    total = offset + len(items) + (1 if len(hits) > offset + size else 0)
    return 200, page(items, offset, total)


def graph_context(ctx: Ctx) -> tuple[int, Any]:
    """``POST graphs/{graph_uuid}/context``: facts and episodes relevant to ``query``."""
    body = ctx.obj()
    query = field_str(body, "query", required=True, empty_ok=False)
    assert query is not None
    limit = body.get("max_characters")
    if limit is None:
        limit = DEFAULT_CONTEXT_CHARS
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_CONTEXT_CHARS:
        raise HTTPError(
            400,
            f"max_characters must be an integer from 1 to {MAX_CONTEXT_CHARS}",
            param="max_characters",
        )
    with ctx.env.store.read() as conn:
        user = find_graph(conn, ctx)
        facts = _ranked(conn, user, "facts", query, "rrf", 0.5, 10)
        episodes = _ranked(conn, user, "messages", query, "rrf", 0.5, 5)
        context = build_context([row for row, _ in facts], [row for row, _ in episodes])
        out: dict[str, Any] = {"context": context[:limit], "truncated": len(context) > limit}
        if body.get("include_results") is True:
            threads = _thread_uuids(conn, [row for row, _ in episodes])
            out["results"] = {
                "edges": [edge_v4(row, user, score) for row, score in facts],
                "nodes": [],
                "episodes": [
                    episode_v4(row, threads[int(row["session_id"])], user, score)
                    for row, score in episodes
                ],
                "observations": [],
                "thread_summaries": [],
            }
    return 200, out


def _user_rows(
    conn: sqlite3.Connection, user: sqlite3.Row, table: str, size: int, offset: int, desc: bool
) -> tuple[list[sqlite3.Row], int]:
    rowids = user_session_rowids(conn, user["user_id"])
    if not rowids:
        return [], 0
    marks = ",".join("?" * len(rowids))
    total = conn.execute(
        f"SELECT count(*) FROM {table} WHERE session_id IN ({marks})", rowids
    ).fetchone()[0]
    rows = conn.execute(
        f"SELECT * FROM {table} WHERE session_id IN ({marks})"
        f" ORDER BY id {'DESC' if desc else 'ASC'} LIMIT ? OFFSET ?",
        [*rowids, size, offset],
    ).fetchall()
    return rows, int(total)


def _order_desc(ctx: Ctx) -> bool:
    order = (ctx.q("order") or "asc").lower()
    if order not in ("asc", "desc"):
        raise HTTPError(400, "order must be asc or desc", param="order")
    return order == "desc"


def list_episodes(ctx: Ctx) -> tuple[int, Any]:
    """``POST graphs/{graph_uuid}/episodes/list``: the messages of the user's threads."""
    size, offset = page_args(ctx)
    desc = _order_desc(ctx)
    with ctx.env.store.read() as conn:
        user = find_graph(conn, ctx)
        rows, total = _user_rows(conn, user, "messages", size, offset, desc)
        threads = _thread_uuids(conn, rows)
        items = [episode_v4(r, threads[int(r["session_id"])], user) for r in rows]
    return 200, page(items, offset, total)


def _owned(conn: sqlite3.Connection, ctx: Ctx, table: str, key: str) -> tuple[Any, sqlite3.Row]:
    user = find_graph(conn, ctx)
    item_uuid = parse_uuid(ctx.args[key], key)
    row = conn.execute(
        f"SELECT {table}.*, sessions.uuid AS thread_uuid FROM {table}"
        f" JOIN sessions ON sessions.id = {table}.session_id"
        f" WHERE {table}.uuid = ? AND sessions.user_id = ?",
        (item_uuid, user["user_id"]),
    ).fetchone()
    if row is None:
        raise HTTPError(404, f"{key.split('_')[0]} {item_uuid} not found", param=key)
    return user, row


def get_episode(ctx: Ctx) -> tuple[int, Any]:
    """``GET graphs/{graph_uuid}/episodes/{episode_uuid}``."""
    with ctx.env.store.read() as conn:
        user, row = _owned(conn, ctx, "messages", "episode_uuid")
    return 200, episode_v4(row, row["thread_uuid"], user)


def delete_episode(ctx: Ctx) -> tuple[int, Any]:
    """``DELETE graphs/{graph_uuid}/episodes/{episode_uuid}`` → 202 ``{task}``."""
    with ctx.env.store.write() as conn:
        _, row = _owned(conn, ctx, "messages", "episode_uuid")
        conn.execute("DELETE FROM messages WHERE id = ?", (row["id"],))
        return 202, {"task": new_task(ctx, conn, "episode_delete", {"episode_uuid": row["uuid"]})}


def list_edges(ctx: Ctx) -> tuple[int, Any]:
    """``POST graphs/{graph_uuid}/edges/list``: the facts of the user's threads."""
    size, offset = page_args(ctx)
    desc = _order_desc(ctx)
    with ctx.env.store.read() as conn:
        user = find_graph(conn, ctx)
        rows, total = _user_rows(conn, user, "facts", size, offset, desc)
    return 200, page([edge_v4(r, user) for r in rows], offset, total)


def get_edge(ctx: Ctx) -> tuple[int, Any]:
    """``GET graphs/{graph_uuid}/edges/{edge_uuid}``."""
    with ctx.env.store.read() as conn:
        user, row = _owned(conn, ctx, "facts", "edge_uuid")
    return 200, edge_v4(row, user)


def delete_edge(ctx: Ctx) -> tuple[int, Any]:
    """``DELETE graphs/{graph_uuid}/edges/{edge_uuid}`` → 202 ``{task}``."""
    with ctx.env.store.write() as conn:
        _, row = _owned(conn, ctx, "facts", "edge_uuid")
        conn.execute("DELETE FROM facts WHERE id = ?", (row["id"],))
        return 202, {"task": new_task(ctx, conn, "edge_delete", {"edge_uuid": row["uuid"]})}


def list_nodes(ctx: Ctx) -> tuple[int, Any]:
    """``POST graphs/{graph_uuid}/nodes/list``: the user's node."""
    size, offset = page_args(ctx)
    with ctx.env.store.read() as conn:
        nodes = [user_node(conn, find_graph(conn, ctx))]
    return 200, page(nodes[offset : offset + size], offset, len(nodes))


def get_node(ctx: Ctx) -> tuple[int, Any]:
    """``GET graphs/{graph_uuid}/nodes/{node_uuid}``."""
    with ctx.env.store.read() as conn:
        user = find_graph(conn, ctx)
        node_uuid = parse_uuid(ctx.args["node_uuid"], "node_uuid")
        if node_uuid != user["uuid"]:
            raise HTTPError(404, f"node {node_uuid} not found", param="node_uuid")
        return 200, user_node(conn, user)


def graph_v4(user: sqlite3.Row) -> dict[str, Any]:
    """A user graph as a ``Graph``."""
    return {
        "uuid": graph_uuid_of(user["uuid"]),
        "graph_id": None,
        "name": _name(user),
        "description": None,
        "type": "user",
        "user_uuid": user["uuid"],
        "created_at": user["created_at"],
        "updated_at": user["updated_at"],
    }


def get_graph(ctx: Ctx) -> tuple[int, Any]:
    """``GET graphs/{graph_uuid}``."""
    with ctx.env.store.read() as conn:
        return 200, graph_v4(find_graph(conn, ctx))


def get_task(ctx: Ctx) -> tuple[int, Any]:
    """``GET tasks/{task_uuid}``."""
    task_uuid = parse_uuid(ctx.args["task_uuid"], "task_uuid")
    with ctx.env.store.read() as conn:
        row = conn.execute("SELECT * FROM tasks WHERE uuid = ?", (task_uuid,)).fetchone()
    if row is None:
        raise HTTPError(404, f"task {task_uuid} not found", param="task_uuid")
    return 200, task_v4(row)


ROUTES = [
    Route("POST", "graphs/{graph_uuid}/search/{scope}", search_graph),
    Route("POST", "graphs/{graph_uuid}/context", graph_context),
    Route("POST", "graphs/{graph_uuid}/episodes/list", list_episodes),
    Route("GET", "graphs/{graph_uuid}/episodes/{episode_uuid}", get_episode),
    Route("DELETE", "graphs/{graph_uuid}/episodes/{episode_uuid}", delete_episode),
    Route("POST", "graphs/{graph_uuid}/edges/list", list_edges),
    Route("GET", "graphs/{graph_uuid}/edges/{edge_uuid}", get_edge),
    Route("DELETE", "graphs/{graph_uuid}/edges/{edge_uuid}", delete_edge),
    Route("POST", "graphs/{graph_uuid}/nodes/list", list_nodes),
    Route("GET", "graphs/{graph_uuid}/nodes/{node_uuid}", get_node),
    Route("GET", "graphs/{graph_uuid}", get_graph),
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
