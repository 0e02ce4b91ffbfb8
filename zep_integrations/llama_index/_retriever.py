"""``ZepRetriever``: LlamaIndex retrieval over a Zep session's or user's memory."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.callbacks import CallbackManager
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

from zep_integrations import _sessions
from zep_integrations import models as m
from zep_integrations._api import Flow
from zep_integrations._clients import ClientPair
from zep_integrations.client import AsyncZepClient, ZepClient
from zep_integrations.llama_index._convert import is_deleted, message_from_zep

__all__ = ["ZepRetriever"]


class ZepRetriever(BaseRetriever):
    """Retrieve from Zep memory: one session's (``session_id``) or all of a user's (``user_id``).

    Each hit becomes a :class:`~llama_index.core.schema.NodeWithScore` whose text is the message,
    fact or summary, with ``session_id``, ``role`` and ``uuid`` in its metadata. A missing session
    or user gives ``[]``. One request per query; :meth:`aretrieve` is really async.

    API versions: on v3/v4 the scopes map onto graph search (facts -> edges, messages ->
    episodes, summary -> thread summaries); metadata filters exist only on v2.

    Args:
        session_id: Search this session (exactly one of ``session_id`` and ``user_id``).
        user_id: Search every session of this user.
        client: Sync client; default: created on first use.
        async_client: Async client; default: derived from ``client``.
        top_k: Maximum number of results.
        search_scope: ``"messages"``, ``"summary"`` or ``"facts"``.
        search_type: ``"similarity"`` or ``"mmr"`` (then ``mmr_lambda`` in [0, 1] trades
            relevance for diversity).
        mmr_lambda: MMR weight.
        min_score: Drop results scoring below this.
        metadata_filter: Zep metadata filter (``metadata`` / ``record_filter`` in the API).
        callback_manager: LlamaIndex callbacks.

    Example:
        >>> import os, tempfile
        >>> from zep_integrations import ZepClient
        >>> client = ZepClient(db_path=os.path.join(tempfile.mkdtemp(), "z.db"))
        >>> _ = client.add_memory("s1", [{"role_type": "user", "content": "I love hiking"}])
        >>> retriever = ZepRetriever(session_id="s1", client=client, top_k=1)
        >>> [hit.node.get_content() for hit in retriever.retrieve("hiking")]
        ['I love hiking']
    """

    def __init__(
        self,
        *,
        session_id: str | None = None,
        user_id: str | None = None,
        client: ZepClient | None = None,
        async_client: AsyncZepClient | None = None,
        top_k: int = 5,
        search_scope: str = "messages",
        search_type: str = "similarity",
        mmr_lambda: float | None = None,
        min_score: float | None = None,
        metadata_filter: Mapping[str, Any] | None = None,
        callback_manager: CallbackManager | None = None,
    ) -> None:
        if (session_id is None) == (user_id is None):
            raise ValueError("ZepRetriever needs exactly one of session_id= or user_id=")
        if not isinstance(top_k, int) or top_k < 1:
            raise ValueError(f"top_k must be a positive int, got {top_k!r}")
        if search_scope not in ("messages", "summary", "facts"):
            raise ValueError(f"search_scope must be messages, summary or facts: {search_scope!r}")
        if search_type not in ("similarity", "mmr"):
            raise ValueError(f"search_type must be similarity or mmr: {search_type!r}")
        if search_type == "mmr" and mmr_lambda is None:
            mmr_lambda = 0.5
        self.session_id = session_id
        self.user_id = user_id
        self.top_k = top_k
        self.search_scope = search_scope
        self.search_type = search_type
        self.mmr_lambda = mmr_lambda
        self.min_score = min_score
        self.metadata_filter = dict(metadata_filter) if metadata_filter is not None else None
        self._clients = ClientPair(client, async_client)
        super().__init__(callback_manager=callback_manager)

    def _flow(self, text: str) -> Flow[list[NodeWithScore]]:
        results = yield from _sessions.search_memory(
            text,
            session_id=self.session_id,
            user_id=self.user_id,
            search_scope=self.search_scope,
            search_type=self.search_type,
            mmr_lambda=self.mmr_lambda,
            min_score=self.min_score,
            metadata=self.metadata_filter,
            limit=self.top_k,
        )
        nodes = [node for result in results if (node := self._node(result)) is not None]
        return nodes[: self.top_k]

    def _node(self, result: m.SessionSearchResult) -> NodeWithScore | None:
        session_id = result.session_id or self.session_id
        metadata: dict[str, Any] = {"session_id": session_id}
        if result.message is not None:
            if is_deleted(result.message):
                return None
            message = message_from_zep(result.message)
            text = result.message.content or message.content or ""
            metadata.update(
                kind="message",
                role=message.role.value,
                created_at=result.message.created_at,
            )
            uuid = result.message.uuid
        elif result.fact is not None:
            text = result.fact.text
            metadata.update(kind="fact", created_at=result.fact.created_at)
            uuid = result.fact.uuid
        elif result.summary is not None:
            text = result.summary.content or ""
            metadata.update(kind="summary", created_at=result.summary.created_at)
            uuid = result.summary.uuid
        else:
            return None
        node = TextNode(text=text, metadata={k: v for k, v in metadata.items() if v is not None})
        if uuid:
            node.id_ = uuid
        return NodeWithScore(node=node, score=result.score)

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        return self._clients.sync.run(self._flow(query_bundle.query_str))

    async def _aretrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        return await self._clients.asynchronous.run(self._flow(query_bundle.query_str))
