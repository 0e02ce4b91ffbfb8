"""Sans-IO description of the Zep v3 graph endpoints (search, data, edges, nodes, graphs).

Contract: zep-cloud 3.30.0 ``zep_cloud/graph/raw_client.py`` and its ``edge``, ``node`` and
``episode`` modules (``zep-api-today.md`` sections 3.5 to 3.7). Base path ``/api/v2``; the rest of
v3 is in :mod:`zep_integrations._api_v3`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from zep_integrations import models_v3 as m3
from zep_integrations._api import (
    Call,
    Retry,
    _body,
    _check_limit,
    _meta,
    _model,
    _model_list,
    _params,
    segment,
)
from zep_integrations._api_v3 import _call

SCOPES = ("edges", "nodes", "episodes", "thread_summaries", "observations", "auto")


# -- graph (zep_cloud/graph/raw_client.py and its edge/node/episode modules) ----------------


def _target(user_id: str | None, graph_id: str | None, what: str) -> None:
    if (user_id is None) == (graph_id is None):
        raise ValueError(f"{what} needs exactly one of user_id or graph_id")


def search_graph(
    query: str,
    *,
    user_id: str | None = None,
    graph_id: str | None = None,
    scope: str | None = None,
    limit: int | None = None,
    reranker: str | None = None,
    mmr_lambda: float | None = None,
    center_node_uuid: str | None = None,
    bfs_origin_node_uuids: Sequence[str] | None = None,
    search_filters: Mapping[str, Any] | None = None,
    max_characters: int | None = None,
    return_raw_results: bool | None = None,
) -> Call[m3.GraphSearchResults]:
    """``graph.search``: one scope (edges = facts by default) of a user's or other graph."""
    _target(user_id, graph_id, "search_graph")
    _check_limit(limit)
    if scope is not None and scope not in SCOPES:
        raise ValueError(f"scope must be one of {', '.join(SCOPES)}; got {scope!r}")
    body = _body(
        bfs_origin_node_uuids=list(bfs_origin_node_uuids) if bfs_origin_node_uuids else None,
        center_node_uuid=center_node_uuid,
        graph_id=graph_id,
        limit=limit,
        max_characters=max_characters,
        mmr_lambda=mmr_lambda,
        query=query,
        reranker=reranker,
        return_raw_results=return_raw_results,
        scope=scope,
        search_filters=_meta(search_filters, "search_filters"),
        user_id=user_id,
    )
    return _call("search_graph", "POST", "graph/search", _model(m3.GraphSearchResults), body=body)


def add_data(
    data: str,
    type: str,
    *,
    user_id: str | None = None,
    graph_id: str | None = None,
    created_at: str | None = None,
    source_description: str | None = None,
    metadata: Mapping[str, Any] | None = None,
    document_id: str | None = None,
    strict_ontology: bool | None = None,
) -> Call[m3.Episode]:
    """``graph.add``: business data (``type`` text, json or message) into a graph."""
    _target(user_id, graph_id, "add_data")
    if not isinstance(data, str) or not data:
        raise ValueError("data must be a non-empty string")
    body = _body(
        created_at=created_at,
        data=data,
        document_id=document_id,
        graph_id=graph_id,
        metadata=_meta(metadata),
        source_description=source_description,
        strict_ontology=strict_ontology,
        type=type,
        user_id=user_id,
    )
    return _call("add_data", "POST", "graph", _model(m3.Episode), body=body, retry=Retry.UNAPPLIED)


def _edges_or_nodes(kind: str, op: str, owner: str, owner_id: str, limit: int | None) -> Call[Any]:
    _check_limit(limit)
    model = m3.EntityEdge if kind == "edge" else m3.EntityNode
    path = f"graph/{kind}/{owner}/{segment(owner_id, owner + '_id')}"
    return _call(op, "POST", path, _model_list(model), body=_body(limit=limit) or None)


def get_user_edges(user_id: str, *, limit: int | None = None) -> Call[list[m3.EntityEdge]]:
    return _edges_or_nodes("edge", "get_user_edges", "user", user_id, limit)


def get_graph_edges(graph_id: str, *, limit: int | None = None) -> Call[list[m3.EntityEdge]]:
    return _edges_or_nodes("edge", "get_graph_edges", "graph", graph_id, limit)


def get_user_nodes(user_id: str, *, limit: int | None = None) -> Call[list[m3.EntityNode]]:
    return _edges_or_nodes("node", "get_user_nodes", "user", user_id, limit)


def get_graph_nodes(graph_id: str, *, limit: int | None = None) -> Call[list[m3.EntityNode]]:
    return _edges_or_nodes("node", "get_graph_nodes", "graph", graph_id, limit)


def get_edge(edge_uuid: str) -> Call[m3.EntityEdge]:
    path = f"graph/edge/{segment(edge_uuid, 'edge_uuid')}"
    return _call("get_edge", "GET", path, _model(m3.EntityEdge))


def delete_edge(edge_uuid: str) -> Call[m3.SuccessResponse]:
    path = f"graph/edge/{segment(edge_uuid, 'edge_uuid')}"
    return _call("delete_edge", "DELETE", path, _model(m3.SuccessResponse))


def get_node(node_uuid: str) -> Call[m3.EntityNode]:
    path = f"graph/node/{segment(node_uuid, 'node_uuid')}"
    return _call("get_node", "GET", path, _model(m3.EntityNode))


def get_episode(episode_uuid: str) -> Call[m3.Episode]:
    path = f"graph/episodes/{segment(episode_uuid, 'episode_uuid')}"
    return _call("get_episode", "GET", path, _model(m3.Episode))


def delete_episode(episode_uuid: str) -> Call[m3.SuccessResponse]:
    path = f"graph/episodes/{segment(episode_uuid, 'episode_uuid')}"
    return _call("delete_episode", "DELETE", path, _model(m3.SuccessResponse))


def get_user_episodes(user_id: str, *, lastn: int | None = None) -> Call[m3.EpisodeResponse]:
    path = f"graph/episodes/user/{segment(user_id, 'user_id')}"
    return _call(
        "get_user_episodes", "GET", path, _model(m3.EpisodeResponse), params=_params(lastn=lastn)
    )


def create_graph(
    graph_id: str, *, name: str | None = None, description: str | None = None
) -> Call[m3.Graph]:
    segment(graph_id, "graph_id")
    body = _body(description=description, graph_id=graph_id, name=name)
    return _call(
        "create_graph", "POST", "graph/create", _model(m3.Graph), body=body, retry=Retry.UNAPPLIED
    )


def get_graph(graph_id: str) -> Call[m3.Graph]:
    return _call("get_graph", "GET", f"graph/{segment(graph_id, 'graph_id')}", _model(m3.Graph))


def delete_graph(graph_id: str) -> Call[m3.SuccessResponse]:
    path = f"graph/{segment(graph_id, 'graph_id')}"
    return _call("delete_graph", "DELETE", path, _model(m3.SuccessResponse))


def list_graphs(
    *, page_number: int | None = None, page_size: int | None = None
) -> Call[m3.GraphListResponse]:
    params = _params(pageNumber=page_number, pageSize=page_size)
    return _call(
        "list_graphs", "GET", "graph/list-all", _model(m3.GraphListResponse), params=params
    )


OPERATIONS: tuple[str, ...] = tuple(
    name
    for name, value in sorted(globals().items())
    if callable(value)
    and getattr(value, "__module__", None) == __name__
    and not name.startswith("_")
)
"""Every v3 graph operation this module builds (each is ``client.v3.<name>``)."""
