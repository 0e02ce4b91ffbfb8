"""Sans-IO description of the Zep v4 graph endpoints: search, context, episodes, edges, nodes.

Contract: zep-cloud 4.0.1 ``zep_cloud/graph/raw_client.py`` and its ``edge``, ``node`` and
``episode`` modules (``zep-api-today.md`` sections 4.4 and 4.5). Base path ``/api/v4``; a user's
UUID is accepted wherever a graph UUID is. The rest of v4 is in :mod:`zep_integrations._api_v4`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from zep_integrations import models_v4 as m4
from zep_integrations._api import Call, _body, _meta, _model, segment
from zep_integrations._api_v4 import _call, _page, _paging, _write
from zep_integrations.models import ZepModel

SEARCH_SCOPES = ("edges", "nodes", "episodes", "observations", "thread_summaries")
_SEARCH_ITEMS: dict[str, type[ZepModel]] = {
    "edges": m4.Edge,
    "nodes": m4.Node,
    "episodes": m4.Episode,
    "observations": ZepModel,
    "thread_summaries": m4.ThreadSummary,
}


# -- graphs (zep_cloud/graph/raw_client.py and edge/node/episode) ---------------------------


def _graph(graph_uuid: str) -> str:
    return f"graphs/{segment(graph_uuid, 'graph_uuid')}"


def search(
    graph_uuid: str,
    query: str,
    *,
    scope: str = "edges",
    page_size: int | None = None,
    cursor: str | None = None,
    reranker: str | None = None,
    mmr_lambda: float | None = None,
    center_node_uuid: str | None = None,
    bfs_origin_node_uuids: Sequence[str] | None = None,
    filters: Mapping[str, Any] | None = None,
    filter_low_quality_results: bool | None = None,
) -> Call[m4.Page[Any]]:
    """``graph.search_<scope>``: one page of a graph's edges (facts), nodes, episodes, etc.

    ``scope`` picks edges, nodes, episodes, observations or thread_summaries; a user's UUID is
    accepted as its graph.
    """
    if scope not in SEARCH_SCOPES:
        raise ValueError(f"scope must be one of {', '.join(SEARCH_SCOPES)}; got {scope!r}")
    if not isinstance(query, str) or not query:
        raise ValueError("search needs a non-empty query")
    body = _body(
        bfs_origin_node_uuids=list(bfs_origin_node_uuids) if bfs_origin_node_uuids else None,
        center_node_uuid=center_node_uuid,
        filter_low_quality_results=filter_low_quality_results,
        filters=_meta(filters, "filters"),
        mmr_lambda=mmr_lambda,
        query=query,
        reranker=reranker,
    )
    path = f"{_graph(graph_uuid)}/search/{scope.replace('_', '-')}"
    # The SDK keys searches too; a key on a read is harmless and keeps the wire identical.
    return _write(
        "search",
        "POST",
        path,
        _page(_SEARCH_ITEMS[scope]),
        params=_paging(page_size, cursor),
        body=body,
    )


def get_graph_context(
    graph_uuid: str,
    query: str,
    *,
    filters: Mapping[str, Any] | None = None,
    max_characters: int | None = None,
    recency_bias: str | None = None,
    template_uuid: str | None = None,
    include_results: bool | None = None,
) -> Call[m4.GraphContextResponse]:
    """``graph.get_context``: auto search assembled into a context block (v3 ``scope=auto``)."""
    body = _body(
        filters=_meta(filters, "filters"),
        include_results=include_results,
        max_characters=max_characters,
        query=query,
        recency_bias=recency_bias,
        template_uuid=template_uuid,
    )
    path = f"{_graph(graph_uuid)}/context"
    return _write("get_graph_context", "POST", path, _model(m4.GraphContextResponse), body=body)


def add_episode(
    graph_uuid: str,
    data: str,
    *,
    type: str | None = None,
    reference_time: str | None = None,
    source_description: str | None = None,
    metadata: Mapping[str, Any] | None = None,
    document_id: str | None = None,
    strict_ontology: bool | None = None,
) -> Call[m4.AddEpisodeResult]:
    """``graph.episode.add`` (202): business data (``type`` text, json or message)."""
    if not isinstance(data, str) or not data:
        raise ValueError("data must be a non-empty string")
    body = _body(
        data=data,
        document_id=document_id,
        metadata=_meta(metadata),
        reference_time=reference_time,
        source_description=source_description,
        strict_ontology=strict_ontology,
        type=type,
    )
    path = f"{_graph(graph_uuid)}/episodes"
    return _write("add_episode", "POST", path, _model(m4.AddEpisodeResult), body=body)


def _list(
    op: str,
    kind: str,
    item: type[ZepModel],
    graph_uuid: str,
    page_size: int | None,
    cursor: str | None,
    order_by: str | None,
    order: str | None,
    filters: Mapping[str, Any] | None,
) -> Call[Any]:
    params = _paging(page_size, cursor, order_by=order_by, order=order)
    body = _body(filters=_meta(filters, "filters"))
    path = f"{_graph(graph_uuid)}/{kind}/list"
    return _write(op, "POST", path, _page(item), params=params, body=body)


def list_edges(
    graph_uuid: str,
    *,
    page_size: int | None = None,
    cursor: str | None = None,
    order_by: str | None = None,
    order: str | None = None,
    filters: Mapping[str, Any] | None = None,
) -> Call[m4.Page[m4.Edge]]:
    return _list(
        "list_edges", "edges", m4.Edge, graph_uuid, page_size, cursor, order_by, order, filters
    )


def list_nodes(
    graph_uuid: str,
    *,
    page_size: int | None = None,
    cursor: str | None = None,
    order_by: str | None = None,
    order: str | None = None,
    filters: Mapping[str, Any] | None = None,
) -> Call[m4.Page[m4.Node]]:
    return _list(
        "list_nodes", "nodes", m4.Node, graph_uuid, page_size, cursor, order_by, order, filters
    )


def list_episodes(
    graph_uuid: str,
    *,
    page_size: int | None = None,
    cursor: str | None = None,
    order_by: str | None = None,
    order: str | None = None,
    filters: Mapping[str, Any] | None = None,
) -> Call[m4.Page[m4.Episode]]:
    return _list(
        "list_episodes",
        "episodes",
        m4.Episode,
        graph_uuid,
        page_size,
        cursor,
        order_by,
        order,
        filters,
    )


def _item(graph_uuid: str, kind: str, item_uuid: str) -> str:
    return f"{_graph(graph_uuid)}/{kind}/{segment(item_uuid, kind[:-1] + '_uuid')}"


def get_edge(graph_uuid: str, edge_uuid: str) -> Call[m4.Edge]:
    return _call("get_edge", "GET", _item(graph_uuid, "edges", edge_uuid), _model(m4.Edge))


def delete_edge(graph_uuid: str, edge_uuid: str) -> Call[m4.AsyncResult]:
    path = _item(graph_uuid, "edges", edge_uuid)
    return _write("delete_edge", "DELETE", path, _model(m4.AsyncResult))


def get_node(graph_uuid: str, node_uuid: str) -> Call[m4.Node]:
    return _call("get_node", "GET", _item(graph_uuid, "nodes", node_uuid), _model(m4.Node))


def delete_node(graph_uuid: str, node_uuid: str) -> Call[m4.AsyncResult]:
    path = _item(graph_uuid, "nodes", node_uuid)
    return _write("delete_node", "DELETE", path, _model(m4.AsyncResult))


def get_episode(graph_uuid: str, episode_uuid: str) -> Call[m4.Episode]:
    path = _item(graph_uuid, "episodes", episode_uuid)
    return _call("get_episode", "GET", path, _model(m4.Episode))


def delete_episode(graph_uuid: str, episode_uuid: str) -> Call[m4.AsyncResult]:
    path = _item(graph_uuid, "episodes", episode_uuid)
    return _write("delete_episode", "DELETE", path, _model(m4.AsyncResult))


def create_graph(
    *, name: str | None = None, description: str | None = None, time_zone: str | None = None
) -> Call[m4.Graph]:
    body = _body(description=description, name=name, time_zone=time_zone)
    return _write("create_graph", "POST", "graphs", _model(m4.Graph), body=body)


def get_graph(graph_uuid: str) -> Call[m4.Graph]:
    return _call("get_graph", "GET", _graph(graph_uuid), _model(m4.Graph))


def delete_graph(graph_uuid: str) -> Call[m4.AsyncResult]:
    return _write("delete_graph", "DELETE", _graph(graph_uuid), _model(m4.AsyncResult))


def list_graphs(
    *,
    page_size: int | None = None,
    cursor: str | None = None,
    order_by: str | None = None,
    order: str | None = None,
    search: str | None = None,
) -> Call[m4.Page[m4.Graph]]:
    params = _paging(page_size, cursor, order_by=order_by, order=order)
    return _write(
        "list_graphs",
        "POST",
        "graphs/list",
        _page(m4.Graph),
        params=params,
        body=_body(search=search) or None,
    )


OPERATIONS: tuple[str, ...] = tuple(
    name
    for name, value in sorted(globals().items())
    if callable(value)
    and getattr(value, "__module__", None) == __name__
    and not name.startswith("_")
)
"""Every v4 graph operation this module builds (each is ``client.v4.<name>``)."""
