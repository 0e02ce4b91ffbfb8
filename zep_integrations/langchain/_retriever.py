"""``ZepRetriever``: LangChain retriever over a Zep session's or a user's memory."""

from __future__ import annotations

from typing import Any, Literal

from langchain_core.callbacks import (
    AsyncCallbackManagerForRetrieverRun,
    CallbackManagerForRetrieverRun,
)
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, Field, PrivateAttr, model_validator

from zep_integrations import _sessions
from zep_integrations import models as m
from zep_integrations._api import Flow
from zep_integrations._clients import ClientPair
from zep_integrations.client import AsyncZepClient, ZepClient
from zep_integrations.langchain._convert import (
    LLAMA_INDEX_DELETED_KEY,
    LLAMA_INDEX_KEY,
    PAYLOAD_KEY,
    content_text,
    is_deleted,
    message_from_zep,
)

__all__ = ["ZepRetriever"]

SearchScope = Literal["messages", "summary", "facts"]
SearchType = Literal["similarity", "mmr"]


def _message_document(hit: m.SessionSearchResult, message: m.Message) -> Document:
    text = content_text(message_from_zep(message).content) or message.content
    own = {
        key: value
        for key, value in (message.metadata or {}).items()
        if key not in (PAYLOAD_KEY, LLAMA_INDEX_KEY, LLAMA_INDEX_DELETED_KEY)
    }
    metadata: dict[str, Any] = {
        "uuid": message.uuid,
        "role": message.role,
        "role_type": message.role_type,
        "created_at": message.created_at,
    }
    if own:
        metadata["metadata"] = own
    return Document(page_content=text, id=message.uuid, metadata=metadata)


def _document(hit: m.SessionSearchResult) -> Document | None:
    if hit.message is not None:
        if is_deleted(hit.message):
            return None
        doc = _message_document(hit, hit.message)
    elif hit.summary is not None:
        summary = hit.summary
        doc = Document(
            page_content=summary.content or "",
            id=summary.uuid,
            metadata={"uuid": summary.uuid, "created_at": summary.created_at},
        )
    elif hit.fact is not None:
        fact = hit.fact
        doc = Document(
            page_content=fact.text,
            id=fact.uuid,
            metadata={"uuid": fact.uuid, "created_at": fact.created_at, "rating": fact.rating},
        )
    else:
        return None
    doc.metadata.update(score=hit.score, session_id=hit.session_id)
    return doc


class ZepRetriever(BaseRetriever):
    """Search Zep memory: one session's (``session_id``) or all of a user's (``user_id``).

    Each result is a :class:`~langchain_core.documents.Document` whose ``page_content`` is the
    message text (the full original text for messages written by the LangChain adapter), summary
    or fact, and whose ``metadata`` holds ``score``, ``uuid`` (also the document ``id``),
    ``session_id``, ``created_at``, for messages ``role``, ``role_type`` and the message's own
    ``metadata`` (when it has any), and for facts ``rating``. A session or user that does not
    exist yields no documents.

    ``k`` and the search options can be overridden per call: ``retriever.invoke(query, k=2)``.

    API versions: on v3/v4 the scopes map onto graph search (facts -> edges, messages ->
    episodes, summary -> thread summaries) over the user's whole graph; metadata filters exist
    only on v2 and ``min_score`` is applied client-side.

    Args:
        session_id: Search this session.
        user_id: Search all sessions of this user (give exactly one of the two).
        client: Sync client; also the source of the async client when ``async_client`` is None.
        async_client: Async client for ``ainvoke``; with neither client, both come from the
            environment or the embedded offline server.
        k: Most documents to return.
        search_scope: ``"messages"``, ``"summary"`` or ``"facts"``.
        search_type: ``"similarity"`` or ``"mmr"`` (diverse results, see ``mmr_lambda``).
        mmr_lambda: MMR trade-off between relevance (1.0) and diversity (0.0).
        min_score: Drop results scoring below this.
        metadata_filter: Zep metadata filter, passed as is (``metadata`` of a session search,
            ``record_filter`` across sessions). Named so as not to clash with LangChain's
            tracing ``metadata``.

    Example:
        >>> import tempfile, os
        >>> from langchain_core.messages import HumanMessage
        >>> from zep_integrations import ZepClient
        >>> from zep_integrations.langchain import ZepChatMessageHistory
        >>> client = ZepClient(db_path=os.path.join(tempfile.mkdtemp(), "zep.db"))
        >>> ZepChatMessageHistory("s1", client=client).add_messages(
        ...     [HumanMessage("I love hiking in the Alps"), HumanMessage("Pizza is great")]
        ... )
        >>> retriever = ZepRetriever(session_id="s1", client=client, k=1)
        >>> [doc.page_content for doc in retriever.invoke("mountains hiking")]
        ['I love hiking in the Alps']
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    session_id: str | None = None
    user_id: str | None = None
    client: ZepClient | None = Field(default=None, exclude=True, repr=False)
    async_client: AsyncZepClient | None = Field(default=None, exclude=True, repr=False)
    k: int = Field(default=4, ge=1)
    search_scope: SearchScope = "messages"
    search_type: SearchType = "similarity"
    mmr_lambda: float | None = Field(default=None, ge=0.0, le=1.0)
    min_score: float | None = None
    metadata_filter: dict[str, Any] | None = None

    _clients: ClientPair = PrivateAttr()

    @model_validator(mode="after")
    def _check_target(self) -> ZepRetriever:
        if (self.session_id is None) == (self.user_id is None):
            raise ValueError(
                "ZepRetriever needs exactly one of session_id= (search one session) or "
                "user_id= (search all of a user's sessions)"
            )
        self._clients = ClientPair(self.client, self.async_client)
        return self

    def _search(self, query: str, options: dict[str, Any]) -> Flow[list[Document]]:
        unknown = set(options) - {
            "k",
            "search_scope",
            "search_type",
            "mmr_lambda",
            "min_score",
            "metadata_filter",
        }
        if unknown:
            raise TypeError(f"ZepRetriever got unexpected search options: {sorted(unknown)}")
        k = options.get("k", self.k)
        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            raise ValueError(f"k must be a positive int, got {k!r}")
        min_score = options.get("min_score", self.min_score)
        hits = yield from _sessions.search_memory(
            query,
            session_id=self.session_id,
            user_id=self.user_id,
            search_scope=options.get("search_scope", self.search_scope),
            search_type=options.get("search_type", self.search_type),
            mmr_lambda=options.get("mmr_lambda", self.mmr_lambda),
            min_score=min_score,
            metadata=options.get("metadata_filter", self.metadata_filter),
            limit=k,
        )
        docs = [doc for doc in map(_document, hits) if doc is not None]
        if min_score is not None:
            # Not every server applies min_score to every scope; enforce it here too.
            docs = [doc for doc in docs if (doc.metadata["score"] or 0.0) >= min_score]
        return docs[:k]

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, **kwargs: Any
    ) -> list[Document]:
        return self._clients.sync.run(self._search(query, kwargs))

    async def _aget_relevant_documents(
        self, query: str, *, run_manager: AsyncCallbackManagerForRetrieverRun, **kwargs: Any
    ) -> list[Document]:
        return await self._clients.asynchronous.run(self._search(query, kwargs))
