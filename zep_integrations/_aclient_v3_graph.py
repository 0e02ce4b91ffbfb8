"""The graph half of ``client.v3`` on an :class:`AsyncZepClient`.

See :mod:`zep_integrations._aclient_v3`. One-liners over
:mod:`zep_integrations._api_v3_graph`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from zep_integrations import _api_v3_graph as _v3g
from zep_integrations import models_v3 as m3

if TYPE_CHECKING:
    from zep_integrations.client import AsyncZepClient

__all__ = ["_AsyncV3Graph"]


class _AsyncV3Graph:
    """Graph operations of ``client.v3``, mixed into :class:`AsyncV3`."""

    __slots__ = ()
    _client: AsyncZepClient

    async def add_data(
        self,
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
    ) -> m3.Episode:
        """``graph.add``: business data (``type`` text, json or message) into a graph."""
        return await self._client.send(
            _v3g.add_data(
                data,
                type,
                user_id=user_id,
                graph_id=graph_id,
                created_at=created_at,
                source_description=source_description,
                metadata=metadata,
                document_id=document_id,
                strict_ontology=strict_ontology,
            )
        )

    async def create_graph(
        self,
        graph_id: str,
        *,
        name: str | None = None,
        description: str | None = None,
    ) -> m3.Graph:
        """``create_graph``."""
        return await self._client.send(
            _v3g.create_graph(graph_id, name=name, description=description)
        )

    async def delete_edge(
        self,
        edge_uuid: str,
    ) -> m3.SuccessResponse:
        """``delete_edge``."""
        return await self._client.send(_v3g.delete_edge(edge_uuid))

    async def delete_episode(
        self,
        episode_uuid: str,
    ) -> m3.SuccessResponse:
        """``delete_episode``."""
        return await self._client.send(_v3g.delete_episode(episode_uuid))

    async def delete_graph(
        self,
        graph_id: str,
    ) -> m3.SuccessResponse:
        """``delete_graph``."""
        return await self._client.send(_v3g.delete_graph(graph_id))

    async def get_edge(
        self,
        edge_uuid: str,
    ) -> m3.EntityEdge:
        """``get_edge``."""
        return await self._client.send(_v3g.get_edge(edge_uuid))

    async def get_episode(
        self,
        episode_uuid: str,
    ) -> m3.Episode:
        """``get_episode``."""
        return await self._client.send(_v3g.get_episode(episode_uuid))

    async def get_graph(
        self,
        graph_id: str,
    ) -> m3.Graph:
        """``get_graph``."""
        return await self._client.send(_v3g.get_graph(graph_id))

    async def get_graph_edges(
        self,
        graph_id: str,
        *,
        limit: int | None = None,
    ) -> list[m3.EntityEdge]:
        """``get_graph_edges``."""
        return await self._client.send(_v3g.get_graph_edges(graph_id, limit=limit))

    async def get_graph_nodes(
        self,
        graph_id: str,
        *,
        limit: int | None = None,
    ) -> list[m3.EntityNode]:
        """``get_graph_nodes``."""
        return await self._client.send(_v3g.get_graph_nodes(graph_id, limit=limit))

    async def get_node(
        self,
        node_uuid: str,
    ) -> m3.EntityNode:
        """``get_node``."""
        return await self._client.send(_v3g.get_node(node_uuid))

    async def get_user_edges(
        self,
        user_id: str,
        *,
        limit: int | None = None,
    ) -> list[m3.EntityEdge]:
        """``get_user_edges``."""
        return await self._client.send(_v3g.get_user_edges(user_id, limit=limit))

    async def get_user_episodes(
        self,
        user_id: str,
        *,
        lastn: int | None = None,
    ) -> m3.EpisodeResponse:
        """``get_user_episodes``."""
        return await self._client.send(_v3g.get_user_episodes(user_id, lastn=lastn))

    async def get_user_nodes(
        self,
        user_id: str,
        *,
        limit: int | None = None,
    ) -> list[m3.EntityNode]:
        """``get_user_nodes``."""
        return await self._client.send(_v3g.get_user_nodes(user_id, limit=limit))

    async def list_graphs(
        self,
        *,
        page_number: int | None = None,
        page_size: int | None = None,
    ) -> m3.GraphListResponse:
        """``list_graphs``."""
        return await self._client.send(
            _v3g.list_graphs(page_number=page_number, page_size=page_size)
        )

    async def search_graph(
        self,
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
    ) -> m3.GraphSearchResults:
        """``graph.search``: one scope (edges = facts by default) of a user's or other graph."""
        return await self._client.send(
            _v3g.search_graph(
                query,
                user_id=user_id,
                graph_id=graph_id,
                scope=scope,
                limit=limit,
                reranker=reranker,
                mmr_lambda=mmr_lambda,
                center_node_uuid=center_node_uuid,
                bfs_origin_node_uuids=bfs_origin_node_uuids,
                search_filters=search_filters,
                max_characters=max_characters,
                return_raw_results=return_raw_results,
            )
        )
