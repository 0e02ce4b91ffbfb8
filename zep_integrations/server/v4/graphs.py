"""v4 graphs: typed search, context, episodes, edges, nodes, standalone graphs and tasks.

zep-cloud 4.0.1 ``graph/raw_client.py``, ``graph/{episode,edge,node}/raw_client.py`` and
``task/raw_client.py``. Shapes only: the graph itself is ``server/graph.py`` and
``server/graph_search.py`` (shared with v3). A user graph is addressed by its ``graph_uuid`` or
the user's UUID. Search honours ``reranker`` ``rrf``/``mmr`` and the filters that map onto what
is stored; anything else is refused with a 400 naming it, never silently ignored.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from zep_integrations.server import graph, graph_items
from zep_integrations.server.graph_search import (
    GraphQuery,
    graph_context,
    search_edges,
    search_episodes,
    search_nodes,
)
from zep_integrations.server.handler import Ctx, HTTPError, Route, field_num, field_str
from zep_integrations.server.knowledge import graph_hooks
from zep_integrations.server.routes_v3_threads import parse_time
from zep_integrations.server.v4.common import (
    edge_v4,
    episodes_v4,
    find_owner,
    ingestion_task,
    new_task,
    node_v4,
    order_sql,
    page,
    page_args,
    parse_uuid,
    task_v4,
)
from zep_integrations.server.v4.users import checked_map, thread_by_id, user_by_id

MAX_SEARCH_PAGE = 50
"""Graph search pages hold at most 50 results (zep-langgraph 1.0.0 ``tools.py``)."""
MAX_DATA_CHARS = 10_000
DEFAULT_CONTEXT_CHARS = 2500
MAX_CONTEXT_CHARS = 50_000
_EMPTY_SCOPES = ("observations", "thread-summaries")
_FILTERS = {
    "edges": {"edge_types", "exclude_edge_types", "edge_uuids"},
    "nodes": {"node_labels", "exclude_node_labels"},
    "episodes": set(),
}
_GRAPH_ORDER = {"created_at": "created_at", "name": "name", "updated_at": "updated_at"}


def _query(ctx: Ctx, scope: str, limit: int) -> GraphQuery:
    body = ctx.obj()
    text = field_str(body, "query", required=True, empty_ok=False)
    assert text is not None
    reranker = field_str(body, "reranker") or "rrf"
    if reranker not in ("rrf", "mmr"):
        raise HTTPError(
            400,
            f"reranker {reranker!r} is not supported by this server; use rrf or mmr",
            param="reranker",
        )
    mmr_lambda = field_num(body, "mmr_lambda")
    if mmr_lambda is not None and not 0.0 <= mmr_lambda <= 1.0:
        raise HTTPError(400, "mmr_lambda must be between 0 and 1", param="mmr_lambda")
    for name in ("center_node_uuid", "bfs_origin_node_uuids"):
        if body.get(name):
            raise HTTPError(400, f"{name} is not supported by this server", param=name)
    filters = body.get("filters") or {}
    if not isinstance(filters, dict):
        raise HTTPError(400, "filters must be an object", param="filters")
    given = {k: v for k, v in filters.items() if v not in (None, [], {})}
    unknown = sorted(set(given) - _FILTERS.get(scope, set()))
    if unknown:
        raise HTTPError(
            400,
            f"filters {', '.join(unknown)} not supported for {scope} search by this server",
            param=f"filters.{unknown[0]}",
        )
    lists: dict[str, list[str]] = {}
    for key, value in given.items():
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise HTTPError(400, f"filters.{key} must be an array of strings", param=key)
        lists[key] = value
    return GraphQuery(
        text=text,
        limit=limit,
        reranker=reranker,
        mmr_lambda=0.5 if mmr_lambda is None else mmr_lambda,
        edge_types=lists.get("edge_types"),
        exclude_edge_types=lists.get("exclude_edge_types", ()),
        edge_uuids=lists.get("edge_uuids"),
        node_labels=lists.get("node_labels"),
        exclude_node_labels=lists.get("exclude_node_labels", ()),
    )


def search_graph(ctx: Ctx) -> tuple[int, Any]:
    """``POST graphs/{graph_uuid}/search/{scope}?page_size&cursor``.

    ``edges``, ``nodes`` and ``episodes`` search the graph; ``observations`` and
    ``thread-summaries`` answer an empty page (nothing of those kinds is derived here).
    """
    scope = ctx.args["scope"]
    if scope not in _FILTERS and scope not in _EMPTY_SCOPES:
        raise HTTPError(404, f"unknown search scope {scope!r}", param="scope")
    size, offset = page_args(ctx, default=10)
    if size > MAX_SEARCH_PAGE:
        raise HTTPError(400, f"page_size must be at most {MAX_SEARCH_PAGE}", param="page_size")
    # One more than the page, so the answer knows whether another page follows.
    q = _query(ctx, scope, offset + size + 1)
    hooks = graph_hooks(ctx.env.intelligence)
    with ctx.env.store.read() as conn:
        owner = find_owner(ctx, conn)
        if scope in _EMPTY_SCOPES:
            return 200, page([], 0, 0)
        if scope == "edges":
            hits = [edge_v4(e, owner) for e in search_edges(conn, owner, q, hooks)]
        elif scope == "nodes":
            hits = [node_v4(n, owner) for n in search_nodes(conn, owner, q, hooks)]
        else:
            hits = episodes_v4(conn, search_episodes(conn, owner, q), owner)
    items = hits[offset : offset + size]
    return 200, page(items, offset, offset + len(items) + (len(hits) > offset + size))


def get_context(ctx: Ctx) -> tuple[int, Any]:
    """``POST graphs/{graph_uuid}/context``: the context block of the graph for ``query``."""
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
    if (field_str(body, "recency_bias") or "off") != "off":
        raise HTTPError(400, "recency_bias is not supported by this server", param="recency_bias")
    if body.get("filters"):
        raise HTTPError(400, "filters are not supported for context", param="filters")
    if body.get("template_uuid") is not None:
        template = parse_uuid(str(body["template_uuid"]), "template_uuid")
        raise HTTPError(404, f"context template {template} not found", param="template_uuid")
    hooks = graph_hooks(ctx.env.intelligence)
    with ctx.env.store.read() as conn:
        owner = find_owner(ctx, conn)
        context = graph_context(conn, owner, query, hooks)
        out: dict[str, Any] = {"context": context[:limit], "truncated": len(context) > limit}
        if body.get("include_results") is True:
            q = GraphQuery(text=query)
            out["results"] = {
                "edges": [edge_v4(e, owner) for e in search_edges(conn, owner, q, hooks)],
                "nodes": [node_v4(n, owner) for n in search_nodes(conn, owner, q, hooks)],
                "episodes": episodes_v4(conn, search_episodes(conn, owner, q), owner),
                "observations": [],
                "thread_summaries": [],
            }
    return 200, out


def add_episode(ctx: Ctx) -> tuple[int, Any]:
    """``POST graphs/{graph_uuid}/episodes`` → 202 ``{episode, task}``; facts are extracted."""
    body = ctx.obj()
    data = field_str(body, "data", required=True, empty_ok=False)
    assert data is not None
    if len(data) > MAX_DATA_CHARS:
        raise HTTPError(
            400, f"data has {len(data)} characters; at most {MAX_DATA_CHARS}", param="data"
        )
    source = field_str(body, "type") or "text"
    if source not in ("text", "json", "message"):
        raise HTTPError(400, "type must be text, json or message", param="type")
    metadata = checked_map(body)
    if metadata is not None and len(metadata) > 10:
        raise HTTPError(400, "metadata may have at most 10 keys", param="metadata")
    reference = parse_time(body.get("reference_time"), "reference_time")
    description = field_str(body, "source_description")
    document_id = field_str(body, "document_id")
    now = ctx.now()
    hooks = graph_hooks(ctx.env.intelligence)
    with ctx.env.store.write() as conn:
        owner = find_owner(ctx, conn)
        try:
            episode = graph.add_data_episode(
                conn,
                hooks,
                ctx.env.new_uuid,
                owner,
                source=source,
                data=data,
                created_at=reference or now,
                now=now,
                source_description=description,
                metadata=metadata,
                document_id=document_id,
            )
        except ValueError as exc:
            raise HTTPError(400, f"data is not valid JSON: {exc}", param="data") from None
        (out,) = episodes_v4(conn, [episode], owner)
        task = ingestion_task(out["uuid"], "add_episode", now, {"episode_uuid": out["uuid"]})
    return 202, {"episode": out, "task": task}


def _episode_rows(
    conn: sqlite3.Connection, owner: graph.Owner, size: int, offset: int, desc: bool
) -> tuple[list[dict[str, Any]], int]:
    user_id = owner.key if owner.kind == "user" else None
    union = (
        "SELECT 'm' AS kind, messages.id AS rid, messages.created_at AS at FROM messages"
        " JOIN sessions ON sessions.id = messages.session_id WHERE sessions.user_id = ?"
        f" UNION ALL SELECT 'e', id, created_at FROM episodes WHERE {owner.column} = ?"
    )
    args = [user_id, owner.rowid]
    total = conn.execute(f"SELECT count(*) FROM ({union})", args).fetchone()[0]
    way = "DESC" if desc else "ASC"
    picked = conn.execute(
        f"{union} ORDER BY at {way}, kind {way}, rid {way} LIMIT ? OFFSET ?",
        [*args, size, offset],
    ).fetchall()
    out = []
    for kind, rid, _ in picked:
        if kind == "m":
            row = conn.execute(
                "SELECT messages.*, sessions.session_id AS thread_id FROM messages"
                " JOIN sessions ON sessions.id = messages.session_id WHERE messages.id = ?",
                (rid,),
            ).fetchone()
            out.append(graph.message_episode_json(row, row["thread_id"]))
        else:
            row = conn.execute("SELECT * FROM episodes WHERE id = ?", (rid,)).fetchone()
            out.append(graph.data_episode_json(row))
    return out, int(total)


def _desc(ctx: Ctx) -> bool:
    order = (ctx.q("order") or "asc").lower()
    if order not in ("asc", "desc"):
        raise HTTPError(400, "order must be asc or desc", param="order")
    return order == "desc"


def list_episodes(ctx: Ctx) -> tuple[int, Any]:
    """``POST graphs/{graph_uuid}/episodes/list``: thread messages and added data, oldest first."""
    size, offset = page_args(ctx)
    desc = _desc(ctx)
    with ctx.env.store.read() as conn:
        owner = find_owner(ctx, conn)
        episodes, total = _episode_rows(conn, owner, size, offset, desc)
        items = episodes_v4(conn, episodes, owner)
    return 200, page(items, offset, total)


def _find_episode(
    ctx: Ctx, conn: sqlite3.Connection
) -> tuple[graph.Owner, str, sqlite3.Row, dict[str, Any]]:
    owner = find_owner(ctx, conn)
    episode_uuid = parse_uuid(ctx.args["episode_uuid"], "episode_uuid")
    if owner.kind == "user":
        row = conn.execute(
            "SELECT messages.*, sessions.session_id AS thread_id FROM messages"
            " JOIN sessions ON sessions.id = messages.session_id"
            " WHERE messages.uuid = ? AND sessions.user_id = ?",
            (episode_uuid, owner.key),
        ).fetchone()
        if row is not None:
            return owner, "messages", row, graph.message_episode_json(row, row["thread_id"])
    row = conn.execute(
        f"SELECT * FROM episodes WHERE uuid = ? AND {owner.column} = ?",
        (episode_uuid, owner.rowid),
    ).fetchone()
    if row is None:
        raise HTTPError(404, f"episode {episode_uuid} not found", param="episode_uuid")
    return owner, "episodes", row, graph.data_episode_json(row)


def get_episode(ctx: Ctx) -> tuple[int, Any]:
    """``GET graphs/{graph_uuid}/episodes/{episode_uuid}``."""
    with ctx.env.store.read() as conn:
        owner, _, _, episode = _find_episode(ctx, conn)
        (out,) = episodes_v4(conn, [episode], owner)
    return 200, out


def delete_episode(ctx: Ctx) -> tuple[int, Any]:
    """``DELETE graphs/{graph_uuid}/episodes/{episode_uuid}`` → 202 ``{task}``.

    Added data goes with the edges that came only from it; a thread message is refused (400,
    delete the thread), as in v3 (``graph_items.delete_episode``).
    """
    with ctx.env.store.write() as conn:
        _, _, row, _ = _find_episode(ctx, conn)
        graph_items.delete_episode(conn, row["uuid"])
        return 202, {"task": new_task(ctx, conn, "episode_delete", {"episode_uuid": row["uuid"]})}


def list_edges(ctx: Ctx) -> tuple[int, Any]:
    """``POST graphs/{graph_uuid}/edges/list``: the graph's facts, oldest first."""
    size, offset = page_args(ctx)
    way = "DESC" if _desc(ctx) else "ASC"
    hooks = graph_hooks(ctx.env.intelligence)
    with ctx.env.store.read() as conn:
        owner = find_owner(ctx, conn)
        where = f"FROM facts WHERE {owner.column} = ?"
        total = conn.execute(f"SELECT count(*) {where}", (owner.rowid,)).fetchone()[0]
        rows = conn.execute(
            f"SELECT * {where} ORDER BY id {way} LIMIT ? OFFSET ?", (owner.rowid, size, offset)
        ).fetchall()
        items = [edge_v4(graph.edge_json(row, owner, hooks), owner) for row in rows]
    return 200, page(items, offset, int(total))


def _find_edge(ctx: Ctx, conn: sqlite3.Connection) -> tuple[graph.Owner, sqlite3.Row]:
    owner = find_owner(ctx, conn)
    edge_uuid = parse_uuid(ctx.args["edge_uuid"], "edge_uuid")
    row = conn.execute(
        f"SELECT * FROM facts WHERE uuid = ? AND {owner.column} = ?", (edge_uuid, owner.rowid)
    ).fetchone()
    if row is None:
        raise HTTPError(404, f"edge {edge_uuid} not found", param="edge_uuid")
    return owner, row


def get_edge(ctx: Ctx) -> tuple[int, Any]:
    """``GET graphs/{graph_uuid}/edges/{edge_uuid}``."""
    hooks = graph_hooks(ctx.env.intelligence)
    with ctx.env.store.read() as conn:
        owner, row = _find_edge(ctx, conn)
        return 200, edge_v4(graph.edge_json(row, owner, hooks), owner)


def delete_edge(ctx: Ctx) -> tuple[int, Any]:
    """``DELETE graphs/{graph_uuid}/edges/{edge_uuid}`` → 202 ``{task}``."""
    with ctx.env.store.write() as conn:
        _, row = _find_edge(ctx, conn)
        conn.execute("DELETE FROM facts WHERE id = ?", (row["id"],))
        return 202, {"task": new_task(ctx, conn, "edge_delete", {"edge_uuid": row["uuid"]})}


def _nodes(ctx: Ctx, conn: sqlite3.Connection, owner: graph.Owner) -> list[dict[str, Any]]:
    """Every node of a graph: the user's own, then the entities its facts name."""
    hooks = graph_hooks(ctx.env.intelligence)
    return [node_v4(node, owner) for node in graph_items.list_nodes(conn, owner, hooks)]


def list_nodes(ctx: Ctx) -> tuple[int, Any]:
    """``POST graphs/{graph_uuid}/nodes/list``: the user's node and the entity nodes."""
    size, offset = page_args(ctx)
    with ctx.env.store.read() as conn:
        nodes = _nodes(ctx, conn, find_owner(ctx, conn))
    return 200, page(nodes[offset : offset + size], offset, len(nodes))


def get_node(ctx: Ctx) -> tuple[int, Any]:
    """``GET graphs/{graph_uuid}/nodes/{node_uuid}``."""
    with ctx.env.store.read() as conn:
        owner = find_owner(ctx, conn)
        node_uuid = parse_uuid(ctx.args["node_uuid"], "node_uuid")
        for node in _nodes(ctx, conn, owner):
            if node["uuid"] == node_uuid:
                return 200, node
    raise HTTPError(404, f"node {node_uuid} not found", param="node_uuid")


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
    Route("POST", "graphs/{graph_uuid}/search/{scope}", search_graph),
    Route("POST", "graphs/{graph_uuid}/context", get_context),
    Route("POST", "graphs/{graph_uuid}/episodes", add_episode),
    Route("POST", "graphs/{graph_uuid}/episodes/list", list_episodes),
    Route("GET", "graphs/{graph_uuid}/episodes/{episode_uuid}", get_episode),
    Route("DELETE", "graphs/{graph_uuid}/episodes/{episode_uuid}", delete_episode),
    Route("POST", "graphs/{graph_uuid}/edges/list", list_edges),
    Route("GET", "graphs/{graph_uuid}/edges/{edge_uuid}", get_edge),
    Route("DELETE", "graphs/{graph_uuid}/edges/{edge_uuid}", delete_edge),
    Route("POST", "graphs/{graph_uuid}/nodes/list", list_nodes),
    Route("GET", "graphs/{graph_uuid}/nodes/{node_uuid}", get_node),
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
