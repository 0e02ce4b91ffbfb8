"""``client.v3``: the Zep v3 operations as methods (generated shape, reviewed code).

One-liners over :mod:`zep_integrations._api_v3`: ``V3`` for :class:`ZepClient`,
``AsyncV3`` for :class:`AsyncZepClient`, with identical signatures (a test compares them).
Each method raises :class:`~zep_integrations.errors.UnsupportedOperationError` before any
request when the client's ``api_version`` is not ``"v3"``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from zep_integrations import _api_v3 as _v3
from zep_integrations import models_v3 as m3
from zep_integrations._api import send_all

if TYPE_CHECKING:
    from zep_integrations.client import AsyncZepClient, ZepClient

__all__ = ["V3", "AsyncV3"]


class V3:
    """The v3 operations of a :class:`~zep_integrations.ZepClient` (``client.v3``)."""

    __slots__ = ("_client",)

    def __init__(self, client: ZepClient) -> None:
        self._client = client

    def add_data(
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
        return self._client.send(
            _v3.add_data(
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

    def add_messages(
        self,
        thread_id: str,
        messages: Sequence[m3.Message | Mapping[str, Any]],
        *,
        ignore_roles: Sequence[str] | None = None,
        return_context: bool | None = None,
        strict_ontology: bool | None = None,
    ) -> m3.AddThreadMessagesResponse:
        """Build the write of ``messages``: one call per 30, every message validated first."""
        return self._client.run(
            send_all(
                _v3.add_messages(
                    thread_id,
                    messages,
                    ignore_roles=ignore_roles,
                    return_context=return_context,
                    strict_ontology=strict_ontology,
                )
            )
        )

    def add_user(
        self,
        user_id: str,
        *,
        email: str | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        time_zone: str | None = None,
        disable_default_ontology: bool | None = None,
    ) -> m3.User:
        """``add_user``."""
        return self._client.send(
            _v3.add_user(
                user_id,
                email=email,
                first_name=first_name,
                last_name=last_name,
                metadata=metadata,
                time_zone=time_zone,
                disable_default_ontology=disable_default_ontology,
            )
        )

    def create_graph(
        self,
        graph_id: str,
        *,
        name: str | None = None,
        description: str | None = None,
    ) -> m3.Graph:
        """``create_graph``."""
        return self._client.send(_v3.create_graph(graph_id, name=name, description=description))

    def create_thread(
        self,
        thread_id: str,
        user_id: str,
    ) -> m3.Thread:
        """``create_thread``."""
        return self._client.send(_v3.create_thread(thread_id, user_id))

    def delete_edge(
        self,
        edge_uuid: str,
    ) -> m3.SuccessResponse:
        """``delete_edge``."""
        return self._client.send(_v3.delete_edge(edge_uuid))

    def delete_episode(
        self,
        episode_uuid: str,
    ) -> m3.SuccessResponse:
        """``delete_episode``."""
        return self._client.send(_v3.delete_episode(episode_uuid))

    def delete_graph(
        self,
        graph_id: str,
    ) -> m3.SuccessResponse:
        """``delete_graph``."""
        return self._client.send(_v3.delete_graph(graph_id))

    def delete_thread(
        self,
        thread_id: str,
    ) -> m3.SuccessResponse:
        """``delete_thread``."""
        return self._client.send(_v3.delete_thread(thread_id))

    def delete_user(
        self,
        user_id: str,
    ) -> m3.SuccessResponse:
        """``delete_user``."""
        return self._client.send(_v3.delete_user(user_id))

    def get_edge(
        self,
        edge_uuid: str,
    ) -> m3.EntityEdge:
        """``get_edge``."""
        return self._client.send(_v3.get_edge(edge_uuid))

    def get_episode(
        self,
        episode_uuid: str,
    ) -> m3.Episode:
        """``get_episode``."""
        return self._client.send(_v3.get_episode(episode_uuid))

    def get_graph(
        self,
        graph_id: str,
    ) -> m3.Graph:
        """``get_graph``."""
        return self._client.send(_v3.get_graph(graph_id))

    def get_graph_edges(
        self,
        graph_id: str,
        *,
        limit: int | None = None,
    ) -> list[m3.EntityEdge]:
        """``get_graph_edges``."""
        return self._client.send(_v3.get_graph_edges(graph_id, limit=limit))

    def get_graph_nodes(
        self,
        graph_id: str,
        *,
        limit: int | None = None,
    ) -> list[m3.EntityNode]:
        """``get_graph_nodes``."""
        return self._client.send(_v3.get_graph_nodes(graph_id, limit=limit))

    def get_messages(
        self,
        thread_id: str,
        *,
        limit: int | None = None,
        cursor: int | None = None,
        lastn: int | None = None,
    ) -> m3.MessageListResponse:
        """``thread.get``: ``lastn`` (the newest n, oldest first) overrides ``limit``/``cursor``."""
        return self._client.send(
            _v3.get_messages(thread_id, limit=limit, cursor=cursor, lastn=lastn)
        )

    def get_node(
        self,
        node_uuid: str,
    ) -> m3.EntityNode:
        """``get_node``."""
        return self._client.send(_v3.get_node(node_uuid))

    def get_task(
        self,
        task_id: str,
    ) -> m3.Task:
        """``get_task``."""
        return self._client.send(_v3.get_task(task_id))

    def get_thread_context(
        self,
        thread_id: str,
        *,
        template_id: str | None = None,
    ) -> m3.ThreadContextResponse:
        """``thread.get_user_context``: the context block for the thread's latest messages."""
        return self._client.send(_v3.get_thread_context(thread_id, template_id=template_id))

    def get_thread_episodes(
        self,
        thread_id: str,
    ) -> m3.EpisodeResponse:
        """``get_thread_episodes``."""
        return self._client.send(_v3.get_thread_episodes(thread_id))

    def get_thread_summary(
        self,
        thread_id: str,
    ) -> m3.ThreadSummary:
        """``get_thread_summary``."""
        return self._client.send(_v3.get_thread_summary(thread_id))

    def get_user(
        self,
        user_id: str,
    ) -> m3.User:
        """``get_user``."""
        return self._client.send(_v3.get_user(user_id))

    def get_user_edges(
        self,
        user_id: str,
        *,
        limit: int | None = None,
    ) -> list[m3.EntityEdge]:
        """``get_user_edges``."""
        return self._client.send(_v3.get_user_edges(user_id, limit=limit))

    def get_user_episodes(
        self,
        user_id: str,
        *,
        lastn: int | None = None,
    ) -> m3.EpisodeResponse:
        """``get_user_episodes``."""
        return self._client.send(_v3.get_user_episodes(user_id, lastn=lastn))

    def get_user_node(
        self,
        user_id: str,
    ) -> m3.UserNodeResponse:
        """``get_user_node``."""
        return self._client.send(_v3.get_user_node(user_id))

    def get_user_nodes(
        self,
        user_id: str,
        *,
        limit: int | None = None,
    ) -> list[m3.EntityNode]:
        """``get_user_nodes``."""
        return self._client.send(_v3.get_user_nodes(user_id, limit=limit))

    def get_user_threads(
        self,
        user_id: str,
    ) -> list[m3.Thread]:
        """``get_user_threads``."""
        return self._client.send(_v3.get_user_threads(user_id))

    def list_graphs(
        self,
        *,
        page_number: int | None = None,
        page_size: int | None = None,
    ) -> m3.GraphListResponse:
        """``list_graphs``."""
        return self._client.send(_v3.list_graphs(page_number=page_number, page_size=page_size))

    def list_threads(
        self,
        *,
        page_number: int | None = None,
        page_size: int | None = None,
        order_by: str | None = None,
        asc: bool | None = None,
    ) -> m3.ThreadListResponse:
        """``list_threads``."""
        return self._client.send(
            _v3.list_threads(
                page_number=page_number, page_size=page_size, order_by=order_by, asc=asc
            )
        )

    def list_users(
        self,
        *,
        page_number: int | None = None,
        page_size: int | None = None,
        search: str | None = None,
        order_by: str | None = None,
        asc: bool | None = None,
    ) -> m3.UserListResponse:
        """``list_users``."""
        return self._client.send(
            _v3.list_users(
                page_number=page_number,
                page_size=page_size,
                search=search,
                order_by=order_by,
                asc=asc,
            )
        )

    def search_graph(
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
        return self._client.send(
            _v3.search_graph(
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

    def update_message_metadata(
        self,
        message_uuid: str,
        metadata: Mapping[str, Any],
    ) -> m3.Message:
        """``update_message_metadata``."""
        return self._client.send(_v3.update_message_metadata(message_uuid, metadata))

    def update_user(
        self,
        user_id: str,
        *,
        email: str | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        time_zone: str | None = None,
        disable_default_ontology: bool | None = None,
    ) -> m3.User:
        """``update_user``."""
        return self._client.send(
            _v3.update_user(
                user_id,
                email=email,
                first_name=first_name,
                last_name=last_name,
                metadata=metadata,
                time_zone=time_zone,
                disable_default_ontology=disable_default_ontology,
            )
        )


class AsyncV3:
    """The v3 operations of an :class:`~zep_integrations.AsyncZepClient` (``client.v3``)."""

    __slots__ = ("_client",)

    def __init__(self, client: AsyncZepClient) -> None:
        self._client = client

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
            _v3.add_data(
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

    async def add_messages(
        self,
        thread_id: str,
        messages: Sequence[m3.Message | Mapping[str, Any]],
        *,
        ignore_roles: Sequence[str] | None = None,
        return_context: bool | None = None,
        strict_ontology: bool | None = None,
    ) -> m3.AddThreadMessagesResponse:
        """Build the write of ``messages``: one call per 30, every message validated first."""
        return await self._client.run(
            send_all(
                _v3.add_messages(
                    thread_id,
                    messages,
                    ignore_roles=ignore_roles,
                    return_context=return_context,
                    strict_ontology=strict_ontology,
                )
            )
        )

    async def add_user(
        self,
        user_id: str,
        *,
        email: str | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        time_zone: str | None = None,
        disable_default_ontology: bool | None = None,
    ) -> m3.User:
        """``add_user``."""
        return await self._client.send(
            _v3.add_user(
                user_id,
                email=email,
                first_name=first_name,
                last_name=last_name,
                metadata=metadata,
                time_zone=time_zone,
                disable_default_ontology=disable_default_ontology,
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
            _v3.create_graph(graph_id, name=name, description=description)
        )

    async def create_thread(
        self,
        thread_id: str,
        user_id: str,
    ) -> m3.Thread:
        """``create_thread``."""
        return await self._client.send(_v3.create_thread(thread_id, user_id))

    async def delete_edge(
        self,
        edge_uuid: str,
    ) -> m3.SuccessResponse:
        """``delete_edge``."""
        return await self._client.send(_v3.delete_edge(edge_uuid))

    async def delete_episode(
        self,
        episode_uuid: str,
    ) -> m3.SuccessResponse:
        """``delete_episode``."""
        return await self._client.send(_v3.delete_episode(episode_uuid))

    async def delete_graph(
        self,
        graph_id: str,
    ) -> m3.SuccessResponse:
        """``delete_graph``."""
        return await self._client.send(_v3.delete_graph(graph_id))

    async def delete_thread(
        self,
        thread_id: str,
    ) -> m3.SuccessResponse:
        """``delete_thread``."""
        return await self._client.send(_v3.delete_thread(thread_id))

    async def delete_user(
        self,
        user_id: str,
    ) -> m3.SuccessResponse:
        """``delete_user``."""
        return await self._client.send(_v3.delete_user(user_id))

    async def get_edge(
        self,
        edge_uuid: str,
    ) -> m3.EntityEdge:
        """``get_edge``."""
        return await self._client.send(_v3.get_edge(edge_uuid))

    async def get_episode(
        self,
        episode_uuid: str,
    ) -> m3.Episode:
        """``get_episode``."""
        return await self._client.send(_v3.get_episode(episode_uuid))

    async def get_graph(
        self,
        graph_id: str,
    ) -> m3.Graph:
        """``get_graph``."""
        return await self._client.send(_v3.get_graph(graph_id))

    async def get_graph_edges(
        self,
        graph_id: str,
        *,
        limit: int | None = None,
    ) -> list[m3.EntityEdge]:
        """``get_graph_edges``."""
        return await self._client.send(_v3.get_graph_edges(graph_id, limit=limit))

    async def get_graph_nodes(
        self,
        graph_id: str,
        *,
        limit: int | None = None,
    ) -> list[m3.EntityNode]:
        """``get_graph_nodes``."""
        return await self._client.send(_v3.get_graph_nodes(graph_id, limit=limit))

    async def get_messages(
        self,
        thread_id: str,
        *,
        limit: int | None = None,
        cursor: int | None = None,
        lastn: int | None = None,
    ) -> m3.MessageListResponse:
        """``thread.get``: ``lastn`` (the newest n, oldest first) overrides ``limit``/``cursor``."""
        return await self._client.send(
            _v3.get_messages(thread_id, limit=limit, cursor=cursor, lastn=lastn)
        )

    async def get_node(
        self,
        node_uuid: str,
    ) -> m3.EntityNode:
        """``get_node``."""
        return await self._client.send(_v3.get_node(node_uuid))

    async def get_task(
        self,
        task_id: str,
    ) -> m3.Task:
        """``get_task``."""
        return await self._client.send(_v3.get_task(task_id))

    async def get_thread_context(
        self,
        thread_id: str,
        *,
        template_id: str | None = None,
    ) -> m3.ThreadContextResponse:
        """``thread.get_user_context``: the context block for the thread's latest messages."""
        return await self._client.send(_v3.get_thread_context(thread_id, template_id=template_id))

    async def get_thread_episodes(
        self,
        thread_id: str,
    ) -> m3.EpisodeResponse:
        """``get_thread_episodes``."""
        return await self._client.send(_v3.get_thread_episodes(thread_id))

    async def get_thread_summary(
        self,
        thread_id: str,
    ) -> m3.ThreadSummary:
        """``get_thread_summary``."""
        return await self._client.send(_v3.get_thread_summary(thread_id))

    async def get_user(
        self,
        user_id: str,
    ) -> m3.User:
        """``get_user``."""
        return await self._client.send(_v3.get_user(user_id))

    async def get_user_edges(
        self,
        user_id: str,
        *,
        limit: int | None = None,
    ) -> list[m3.EntityEdge]:
        """``get_user_edges``."""
        return await self._client.send(_v3.get_user_edges(user_id, limit=limit))

    async def get_user_episodes(
        self,
        user_id: str,
        *,
        lastn: int | None = None,
    ) -> m3.EpisodeResponse:
        """``get_user_episodes``."""
        return await self._client.send(_v3.get_user_episodes(user_id, lastn=lastn))

    async def get_user_node(
        self,
        user_id: str,
    ) -> m3.UserNodeResponse:
        """``get_user_node``."""
        return await self._client.send(_v3.get_user_node(user_id))

    async def get_user_nodes(
        self,
        user_id: str,
        *,
        limit: int | None = None,
    ) -> list[m3.EntityNode]:
        """``get_user_nodes``."""
        return await self._client.send(_v3.get_user_nodes(user_id, limit=limit))

    async def get_user_threads(
        self,
        user_id: str,
    ) -> list[m3.Thread]:
        """``get_user_threads``."""
        return await self._client.send(_v3.get_user_threads(user_id))

    async def list_graphs(
        self,
        *,
        page_number: int | None = None,
        page_size: int | None = None,
    ) -> m3.GraphListResponse:
        """``list_graphs``."""
        return await self._client.send(
            _v3.list_graphs(page_number=page_number, page_size=page_size)
        )

    async def list_threads(
        self,
        *,
        page_number: int | None = None,
        page_size: int | None = None,
        order_by: str | None = None,
        asc: bool | None = None,
    ) -> m3.ThreadListResponse:
        """``list_threads``."""
        return await self._client.send(
            _v3.list_threads(
                page_number=page_number, page_size=page_size, order_by=order_by, asc=asc
            )
        )

    async def list_users(
        self,
        *,
        page_number: int | None = None,
        page_size: int | None = None,
        search: str | None = None,
        order_by: str | None = None,
        asc: bool | None = None,
    ) -> m3.UserListResponse:
        """``list_users``."""
        return await self._client.send(
            _v3.list_users(
                page_number=page_number,
                page_size=page_size,
                search=search,
                order_by=order_by,
                asc=asc,
            )
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
            _v3.search_graph(
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

    async def update_message_metadata(
        self,
        message_uuid: str,
        metadata: Mapping[str, Any],
    ) -> m3.Message:
        """``update_message_metadata``."""
        return await self._client.send(_v3.update_message_metadata(message_uuid, metadata))

    async def update_user(
        self,
        user_id: str,
        *,
        email: str | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        time_zone: str | None = None,
        disable_default_ontology: bool | None = None,
    ) -> m3.User:
        """``update_user``."""
        return await self._client.send(
            _v3.update_user(
                user_id,
                email=email,
                first_name=first_name,
                last_name=last_name,
                metadata=metadata,
                time_zone=time_zone,
                disable_default_ontology=disable_default_ontology,
            )
        )
