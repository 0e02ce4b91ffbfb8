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
    Route("POST", "graph/node/user/{user_id}", list_nodes),
    Route("POST", "graph/node/graph/{graph_id}", list_nodes),
]
