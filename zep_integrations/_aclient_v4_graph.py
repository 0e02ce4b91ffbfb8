"""The graph half of ``client.v4`` on an :class:`AsyncZepClient`.

See :mod:`zep_integrations._aclient_v4`. One-liners over
:mod:`zep_integrations._api_v4_graph`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from zep_integrations import _api_v4 as _v4
from zep_integrations import _api_v4_graph as _v4g
from zep_integrations import models_v4 as m4
from zep_integrations._pages import apages

if TYPE_CHECKING:
    from zep_integrations.client import AsyncZepClient

__all__ = ["_AsyncV4Graph"]


class _AsyncV4Graph:
    """Graph operations of ``client.v4``, mixed into :class:`AsyncV4`."""

    __slots__ = ()
    _client: AsyncZepClient

    async def add_episode(
        self,
        graph_uuid: str,
        data: str,
        *,
        type: str | None = None,
        reference_time: str | None = None,
        source_description: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        document_id: str | None = None,
        strict_ontology: bool | None = None,
        wait: bool = False,
    ) -> m4.AddEpisodeResult:
        """``graph.episode.add`` (202): business data (``type`` text, json or message)."""
        return await self._client.run(
            _v4.send_and_wait(
                [
                    _v4g.add_episode(
                        graph_uuid,
                        data,
                        type=type,
                        reference_time=reference_time,
                        source_description=source_description,
                        metadata=metadata,
                        document_id=document_id,
                        strict_ontology=strict_ontology,
                    )
                ],
                wait,
            )
        )

    async def create_graph(
        self,
        *,
        name: str | None = None,
        description: str | None = None,
        time_zone: str | None = None,
    ) -> m4.Graph:
        """``create_graph``."""
        return await self._client.send(
            _v4g.create_graph(name=name, description=description, time_zone=time_zone)
        )

    async def delete_edge(
        self,
        graph_uuid: str,
        edge_uuid: str,
        *,
        wait: bool = False,
    ) -> m4.AsyncResult:
        """``delete_edge``."""
        return await self._client.run(
            _v4.send_and_wait([_v4g.delete_edge(graph_uuid, edge_uuid)], wait)
        )

    async def delete_episode(
        self,
        graph_uuid: str,
        episode_uuid: str,
        *,
        wait: bool = False,
    ) -> m4.AsyncResult:
        """``delete_episode``."""
        return await self._client.run(
            _v4.send_and_wait([_v4g.delete_episode(graph_uuid, episode_uuid)], wait)
        )

    async def delete_graph(
        self,
        graph_uuid: str,
        *,
        wait: bool = False,
    ) -> m4.AsyncResult:
        """``delete_graph``."""
        return await self._client.run(_v4.send_and_wait([_v4g.delete_graph(graph_uuid)], wait))

    async def delete_node(
        self,
        graph_uuid: str,
        node_uuid: str,
        *,
        wait: bool = False,
    ) -> m4.AsyncResult:
        """``delete_node``."""
        return await self._client.run(
            _v4.send_and_wait([_v4g.delete_node(graph_uuid, node_uuid)], wait)
        )

    async def get_edge(
        self,
        graph_uuid: str,
        edge_uuid: str,
    ) -> m4.Edge:
        """``get_edge``."""
        return await self._client.send(_v4g.get_edge(graph_uuid, edge_uuid))

    async def get_episode(
        self,
        graph_uuid: str,
        episode_uuid: str,
    ) -> m4.Episode:
        """``get_episode``."""
        return await self._client.send(_v4g.get_episode(graph_uuid, episode_uuid))

    async def get_graph(
        self,
        graph_uuid: str,
    ) -> m4.Graph:
        """``get_graph``."""
        return await self._client.send(_v4g.get_graph(graph_uuid))

    async def get_graph_context(
        self,
        graph_uuid: str,
        query: str,
        *,
        filters: Mapping[str, Any] | None = None,
        max_characters: int | None = None,
        recency_bias: str | None = None,
        template_uuid: str | None = None,
        include_results: bool | None = None,
    ) -> m4.GraphContextResponse:
        """``graph.get_context``: auto search assembled into a context block (v3 ``scope=auto``)."""
        return await self._client.send(
            _v4g.get_graph_context(
                graph_uuid,
                query,
                filters=filters,
                max_characters=max_characters,
                recency_bias=recency_bias,
                template_uuid=template_uuid,
                include_results=include_results,
            )
        )

    async def get_node(
        self,
        graph_uuid: str,
        node_uuid: str,
    ) -> m4.Node:
        """``get_node``."""
        return await self._client.send(_v4g.get_node(graph_uuid, node_uuid))

    def list_edges(
        self,
        graph_uuid: str,
        *,
        page_size: int | None = None,
        order_by: str | None = None,
        order: str | None = None,
        filters: Mapping[str, Any] | None = None,
    ) -> AsyncIterator[m4.Edge]:
        """``list_edges``.

        Yields every item, fetching pages of ``page_size`` as iteration reaches them.
        """
        return apages(
            self._client,
            lambda cursor: _v4g.list_edges(
                graph_uuid,
                page_size=page_size,
                order_by=order_by,
                order=order,
                filters=filters,
                cursor=cursor,
            ),
        )

    def list_episodes(
        self,
        graph_uuid: str,
        *,
        page_size: int | None = None,
        order_by: str | None = None,
        order: str | None = None,
        filters: Mapping[str, Any] | None = None,
    ) -> AsyncIterator[m4.Episode]:
        """``list_episodes``.

        Yields every item, fetching pages of ``page_size`` as iteration reaches them.
        """
        return apages(
            self._client,
            lambda cursor: _v4g.list_episodes(
                graph_uuid,
                page_size=page_size,
                order_by=order_by,
                order=order,
                filters=filters,
                cursor=cursor,
            ),
        )

    def list_graphs(
        self,
        *,
        page_size: int | None = None,
        order_by: str | None = None,
        order: str | None = None,
        search: str | None = None,
    ) -> AsyncIterator[m4.Graph]:
        """``list_graphs``.

        Yields every item, fetching pages of ``page_size`` as iteration reaches them.
        """
        return apages(
            self._client,
            lambda cursor: _v4g.list_graphs(
                page_size=page_size, order_by=order_by, order=order, search=search, cursor=cursor
            ),
        )

    def list_nodes(
        self,
        graph_uuid: str,
        *,
        page_size: int | None = None,
        order_by: str | None = None,
        order: str | None = None,
        filters: Mapping[str, Any] | None = None,
    ) -> AsyncIterator[m4.Node]:
        """``list_nodes``.

        Yields every item, fetching pages of ``page_size`` as iteration reaches them.
        """
        return apages(
            self._client,
            lambda cursor: _v4g.list_nodes(
                graph_uuid,
                page_size=page_size,
                order_by=order_by,
                order=order,
                filters=filters,
                cursor=cursor,
            ),
        )

    async def search(
        self,
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
    ) -> m4.Page[Any]:
        """``graph.search_<scope>``: one page of a graph's edges (facts), nodes, episodes, etc."""
        return await self._client.send(
            _v4g.search(
                graph_uuid,
                query,
                scope=scope,
                page_size=page_size,
                cursor=cursor,
                reranker=reranker,
                mmr_lambda=mmr_lambda,
                center_node_uuid=center_node_uuid,
                bfs_origin_node_uuids=bfs_origin_node_uuids,
                filters=filters,
                filter_low_quality_results=filter_low_quality_results,
            )
        )
