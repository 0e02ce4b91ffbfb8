"""ZepRetriever over session and user memory search (embedded server, sync and async)."""

from __future__ import annotations

from pathlib import Path

import pytest
from llama_index.core.llms import ChatMessage
from llama_index.core.schema import NodeWithScore

from tests.llama_index_support import Counted, counted_clients
from zep_integrations.llama_index import ZepChatStore, ZepRetriever

TEXTS = [
    "I adore hiking in the Alps every summer",
    "My favourite food is sushi",
    "The weather in Lisbon is sunny",
    "Hiking boots need good ankle support",
]


@pytest.fixture
def zep(tmp_path: Path) -> Counted:
    zep = counted_clients(tmp_path / "z.db")
    store = ZepChatStore(client=zep.client, user_id="jane")
    store.set_messages("s1", [ChatMessage(role="user", content=text) for text in TEXTS[:3]])
    store.set_messages("s2", [ChatMessage(role="assistant", content=TEXTS[3])])
    zep.take()
    return zep


async def retrieve(mode: str, retriever: ZepRetriever, query: str) -> list[NodeWithScore]:
    if mode == "sync":
        return retriever.retrieve(query)
    return await retriever.aretrieve(query)


def make(zep: Counted, **kwargs: object) -> ZepRetriever:
    return ZepRetriever(client=zep.client, async_client=zep.async_client, **kwargs)  # type: ignore[arg-type]


async def test_session_search_ranks_relevant_first(mode: str, zep: Counted) -> None:
    """The most relevant message of the session comes first, as one request."""
    hits = await retrieve(mode, make(zep, session_id="s1", top_k=2), "hiking in the Alps")
    assert zep.take() == ["POST sessions/s1/search"]
    assert hits[0].node.get_content() == TEXTS[0]
    assert len(hits) <= 2
    assert hits[0].node.metadata["role"] == "user"
    assert hits[0].node.metadata["session_id"] == "s1"
    assert hits[0].score is not None
    assert all(hits[i].score >= hits[i + 1].score for i in range(len(hits) - 1))  # type: ignore[operator]


async def test_user_search_spans_sessions(mode: str, zep: Counted) -> None:
    """With user_id the search covers all of the user's sessions and says where hits came from."""
    hits = await retrieve(mode, make(zep, user_id="jane", top_k=5), "hiking")
    found = {(hit.node.get_content(), hit.node.metadata["session_id"]) for hit in hits}
    assert (TEXTS[0], "s1") in found
    assert (TEXTS[3], "s2") in found
    assert (TEXTS[1], "s1") not in found


async def test_min_score_mmr_and_missing(mode: str, zep: Counted) -> None:
    """min_score drops weak hits, MMR runs, and a missing session or user gives []."""
    strict = await retrieve(mode, make(zep, session_id="s1", min_score=0.99), "hiking Alps")
    loose = await retrieve(mode, make(zep, session_id="s1"), "hiking Alps")
    assert len(strict) <= len(loose)
    assert all((hit.score or 0) >= 0.99 for hit in strict)
    mmr = await retrieve(
        mode, make(zep, session_id="s1", search_type="mmr", mmr_lambda=0.5), "hiking"
    )
    assert mmr and mmr[0].node.get_content() == TEXTS[0]
    assert await retrieve(mode, make(zep, session_id="missing"), "hiking") == []
    assert await retrieve(mode, make(zep, user_id="nobody"), "hiking") == []


async def test_deleted_messages_are_not_retrieved(mode: str, zep: Counted) -> None:
    """A message deleted through the chat store is hidden from retrieval too."""
    ZepChatStore(client=zep.client).delete_message("s1", 0)
    hits = await retrieve(mode, make(zep, session_id="s1"), "hiking in the Alps")
    assert TEXTS[0] not in [hit.node.get_content() for hit in hits]


def test_bad_arguments_fail_fast(zep: Counted) -> None:
    """Misuse is a ValueError at construction, before any request."""
    with pytest.raises(ValueError, match="exactly one"):
        make(zep)
    with pytest.raises(ValueError, match="exactly one"):
        make(zep, session_id="s1", user_id="jane")
    with pytest.raises(ValueError, match="search_type"):
        make(zep, session_id="s1", search_type="fuzzy")
    with pytest.raises(ValueError, match="top_k"):
        make(zep, session_id="s1", top_k=0)
    assert zep.take() == []
