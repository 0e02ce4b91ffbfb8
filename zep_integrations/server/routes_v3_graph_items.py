"""The v3 graph item routes under ``/api/v2``: episodes, edges and nodes of one graph or by UUID.

Wire contract: zep-cloud 3.30.0 ``graph/episode/raw_client.py``, ``graph/edge/raw_client.py`` and
``graph/node/raw_client.py``. Shapes only; the work is in ``graph_items.py``. Listing options
other than ``limit`` and ``uuid_cursor`` (edges) are refused with a 400 rather than ignored.
"""

from __future__ import annotations

from typing import Any

from zep_integrations.server import graph, graph_items
from zep_integrations.server.handler import Ctx, HTTPError, Route, field_int, field_str
from zep_integrations.server.knowledge import graph_hooks
from zep_integrations.server.routes_v3_threads import metadata_field, parse_time

__all__ = ["ROUTES"]


def _owner(ctx: Ctx, conn: Any) -> graph.Owner:
    if "user_id" in ctx.args:
        return graph.user_owner(conn, ctx.args["user_id"])
    return graph.graph_owner(conn, ctx.args["graph_id"])


def _list_options(ctx: Ctx, allowed: tuple[str, ...]) -> dict[str, Any]:
    body = ctx.obj()
    refused = sorted(k for k, v in body.items() if v is not None and k not in allowed)
    if refused:
        raise HTTPError(400, f"{', '.join(refused)} not supported here; use {', '.join(allowed)}")
    limit = field_int(body, "limit")
    if limit is not None and limit < 1:
        raise HTTPError(400, "limit must be at least 1")
    return {"limit": limit, "after_uuid": field_str(body, "uuid_cursor")}


def get_episode(ctx: Ctx) -> tuple[int, Any]:
    """``GET graph/episodes/{uuid}``: a message or added data as an ``Episode``."""
    with ctx.env.store.read() as conn:
        return 200, graph_items.find_episode(conn, ctx.args["uuid"])


def delete_episode(ctx: Ctx) -> tuple[int, Any]:
    """``DELETE graph/episodes/{uuid}``: added data and the edges only it supported."""
    with ctx.env.store.write() as conn:
        graph_items.delete_episode(conn, ctx.args["uuid"])
    return 200, {"message": "OK"}


def list_episodes(ctx: Ctx) -> tuple[int, Any]:
    """``GET graph/episodes/user/{user_id}`` and ``…/graph/{graph_id}`` with ``lastn``."""
    lastn = ctx.q_int("lastn") or None  # 0 or absent: all of them
    with ctx.env.store.read() as conn:
        return 200, {"episodes": graph_items.list_episodes(conn, _owner(ctx, conn), lastn)}


def get_edge(ctx: Ctx) -> tuple[int, Any]:
    """``GET graph/edge/{uuid}``."""
    with ctx.env.store.read() as conn:
        return 200, graph_items.find_edge(conn, ctx.args["uuid"], graph_hooks(ctx.env.intelligence))


def update_edge(ctx: Ctx) -> tuple[int, Any]:
    """``PATCH graph/edge/{uuid}``: ``fact``, ``name`` and the dates; ``attributes`` refused."""
    body = ctx.obj()
    if body.get("attributes"):
        raise HTTPError(400, "edge attributes are not kept by this server")
    changes: dict[str, str | None] = {}
    for key in ("fact", "name"):
        value = field_str(body, key, empty_ok=False)
        if value is not None:
            changes[key] = value
    for key in ("valid_at", "invalid_at", "expired_at"):
        if key in body:
            changes[key] = parse_time(body[key], key)
    hooks = graph_hooks(ctx.env.intelligence)
    with ctx.env.store.write() as conn:
        return 200, graph_items.update_edge(conn, ctx.args["uuid"], hooks, changes)


def update_episode(ctx: Ctx) -> tuple[int, Any]:
    """``PATCH graph/episodes/{uuid}`` ``{metadata}``: deep-merged, at most 10 keys."""
    metadata = metadata_field(ctx.obj(), "metadata")
    if metadata is None:
        raise HTTPError(400, "metadata is required")
    with ctx.env.store.write() as conn:
        try:
            episode = graph_items.update_episode_metadata(
                conn, ctx.args["uuid"], metadata, ctx.now()
            )
        except ValueError as exc:
            raise HTTPError(400, str(exc)) from None
    return 200, episode


def list_summaries(ctx: Ctx) -> tuple[int, Any]:
    """``POST graph/thread-summary/user/{user_id}`` and ``…/graph/{graph_id}``.

    Every summary of the user's threads, oldest first (a standalone graph has none).
    """
    options = _list_options(ctx, ("limit", "uuid_cursor"))
    with ctx.env.store.read() as conn:
        owner = _owner(ctx, conn)
        return 200, graph_items.list_thread_summaries(conn, owner, **options)


def warm_graph(ctx: Ctx) -> tuple[int, Any]:
    """``GET graph/{graph_id}/warm``: nothing to warm in SQLite; 404 for an unknown graph."""
    with ctx.env.store.read() as conn:
        _owner(ctx, conn)
    return 200, {"message": "OK"}


def delete_edge(ctx: Ctx) -> tuple[int, Any]:
    """``DELETE graph/edge/{uuid}``."""
    with ctx.env.store.write() as conn:
        graph_items.delete_edge(conn, ctx.args["uuid"])
    return 200, {"message": "OK"}


def list_edges(ctx: Ctx) -> tuple[int, Any]:
    """``POST graph/edge/user/{user_id}`` and ``…/graph/{graph_id}``: edges oldest first."""
    options = _list_options(ctx, ("limit", "uuid_cursor"))
    hooks = graph_hooks(ctx.env.intelligence)
    with ctx.env.store.read() as conn:
        return 200, graph_items.list_edges(conn, _owner(ctx, conn), hooks, **options)


def list_nodes(ctx: Ctx) -> tuple[int, Any]:
    """``POST graph/node/user/{user_id}`` and ``…/graph/{graph_id}``: the user, then entities."""
    limit = _list_options(ctx, ("limit",))["limit"]
    hooks = graph_hooks(ctx.env.intelligence)
    with ctx.env.store.read() as conn:
        return 200, graph_items.list_nodes(conn, _owner(ctx, conn), hooks, limit=limit)


ROUTES = [
    Route("GET", "graph/episodes/user/{user_id}", list_episodes),
    Route("GET", "graph/episodes/graph/{graph_id}", list_episodes),
    Route("GET", "graph/episodes/{uuid}", get_episode),
    Route("DELETE", "graph/episodes/{uuid}", delete_episode),
    Route("POST", "graph/edge/user/{user_id}", list_edges),
    Route("POST", "graph/edge/graph/{graph_id}", list_edges),
    Route("GET", "graph/edge/{uuid}", get_edge),
    Route("DELETE", "graph/edge/{uuid}", delete_edge),
    Route("PATCH", "graph/edge/{uuid}", update_edge),
    Route("PATCH", "graph/episodes/{uuid}", update_episode),
    Route("POST", "graph/thread-summary/user/{user_id}", list_summaries),
    Route("POST", "graph/thread-summary/graph/{graph_id}", list_summaries),
    Route("GET", "graph/{graph_id}/warm", warm_graph),
    Route("POST", "graph/node/user/{user_id}", list_nodes),
    Route("POST", "graph/node/graph/{graph_id}", list_nodes),
]
