"""v4 typed graph search and graph context (zep-cloud 4.0.1 ``graph/raw_client.py``).

Shapes only: the search is ``server/graph_search.py`` (shared with v3). A user graph is addressed
by its ``graph_uuid`` or the user's UUID. Search honours ``reranker`` ``rrf``/``mmr`` and the
filters that map onto what is stored; anything else is refused with a 400 naming it, never
silently ignored. ``observations`` and ``thread-summaries`` answer an empty page.
"""

from __future__ import annotations

from typing import Any

from zep_integrations.server.graph_search import (
    GraphQuery,
    graph_context,
    search_edges,
    search_episodes,
    search_nodes,
)
from zep_integrations.server.handler import Ctx, HTTPError, Route, field_num, field_str
from zep_integrations.server.knowledge import graph_hooks
from zep_integrations.server.v4.common import (
    edge_v4,
    episodes_v4,
    find_owner,
    node_v4,
    page,
    page_args,
    parse_uuid,
)

MAX_SEARCH_PAGE = 50
"""Graph search pages hold at most 50 results (zep-langgraph 1.0.0 ``tools.py``)."""
DEFAULT_CONTEXT_CHARS = 2500
MAX_CONTEXT_CHARS = 50_000
_EMPTY_SCOPES = ("observations", "thread-summaries")
_FILTERS = {
    "edges": {"edge_types", "exclude_edge_types", "edge_uuids"},
    "nodes": {"node_labels", "exclude_node_labels"},
    "episodes": set(),
}


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


ROUTES = [
    Route("POST", "graphs/{graph_uuid}/search/{scope}", search_graph),
    Route("POST", "graphs/{graph_uuid}/context", get_context),
]
