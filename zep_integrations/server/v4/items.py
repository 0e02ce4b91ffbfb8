"""v4 episodes, edges and nodes of a graph (zep-cloud 4.0.1 ``graph/{episode,edge,node}/``).

Episodes are a user's thread messages and the data added to a graph, edges the facts, nodes the
user and the entities the facts name (``server/graph.py``, ``server/graph_items.py``). An item is
found only in the graph that addresses it.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from zep_integrations.server import graph, graph_items
from zep_integrations.server.handler import Ctx, HTTPError, Route, field_str
from zep_integrations.server.knowledge import graph_hooks
from zep_integrations.server.routes_v3_threads import parse_time
from zep_integrations.server.v4.common import (
    edge_v4,
    episodes_v4,
    find_owner,
    ingestion_task,
    new_task,
    node_v4,
    page,
    page_args,
    parse_uuid,
)
from zep_integrations.server.v4.users import checked_map

MAX_DATA_CHARS = 10_000


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


ROUTES = [
    Route("POST", "graphs/{graph_uuid}/episodes", add_episode),
    Route("POST", "graphs/{graph_uuid}/episodes/list", list_episodes),
    Route("GET", "graphs/{graph_uuid}/episodes/{episode_uuid}", get_episode),
    Route("DELETE", "graphs/{graph_uuid}/episodes/{episode_uuid}", delete_episode),
    Route("POST", "graphs/{graph_uuid}/edges/list", list_edges),
    Route("GET", "graphs/{graph_uuid}/edges/{edge_uuid}", get_edge),
    Route("DELETE", "graphs/{graph_uuid}/edges/{edge_uuid}", delete_edge),
    Route("POST", "graphs/{graph_uuid}/nodes/list", list_nodes),
    Route("GET", "graphs/{graph_uuid}/nodes/{node_uuid}", get_node),
]
