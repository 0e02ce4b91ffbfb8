"""ZepRetriever against the in-process embedded server, sync and async, plus LangChain's suite."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage
from langchain_core.retrievers import BaseRetriever
from langchain_tests.integration_tests import RetrieversIntegrationTests

from tests.langchain_support import Api, Wire, make_wire
from zep_integrations.langchain import ZepChatMessageHistory, ZepRetriever
from zep_integrations.server.memory import DEFAULT_LASTN, SUMMARY_EVERY

TRIP = [
    HumanMessage("I love hiking in the Alps every summer"),
    AIMessage("The Alps have wonderful hiking trails."),
    HumanMessage("My favourite food is pizza from Naples"),
    AIMessage("Neapolitan pizza is a classic."),
    HumanMessage("I am learning to play the violin"),
    AIMessage("Violin takes patience."),
]
WORK = [
    HumanMessage("Our team ships the hiking app on Friday"),
    AIMessage("Good luck with the release."),
]


@pytest.fixture(params=["sync", "async"])
def api(request: pytest.FixtureRequest) -> Api:
    """Drive the test body through the sync or the async API."""
    return Api(str(request.param))


@pytest.fixture
def wire(tmp_path: Path) -> Wire:
    """Recording clients on a private embedded server, seeded with two users' sessions."""
    wire = make_wire(tmp_path / "zep.db")
    for session_id, user_id, messages in (
        ("trip", "jane", TRIP),
        ("work", "jane", WORK),
        ("other", "bob", [HumanMessage("Bob also likes hiking in the Alps")]),
    ):
        ZepChatMessageHistory(session_id, user_id=user_id, client=wire.client).add_messages(
            messages
        )
    wire.client.add_memory(
        "trip",
        [
            {
                "role_type": "user",
                "role": "Jane",
                "content": "Hiking boots bought",
                "metadata": {"topic": "gear"},
            }
        ],
    )
    wire.take()
    return wire


def retriever(wire: Wire, **kwargs: Any) -> ZepRetriever:
    """A retriever on the recording clients."""
    return ZepRetriever(client=wire.client, async_client=wire.aclient, **kwargs)


async def test_best_match_first_with_full_metadata(api: Api, wire: Wire) -> None:
    """The most relevant message ranks first and documents carry score, uuid, role and session."""
    docs = await api.retrieve(retriever(wire, session_id="trip", k=3), "hiking trails Alps")
    assert docs[0].page_content == "The Alps have wonderful hiking trails."
    scores = [doc.metadata["score"] for doc in docs]
    assert scores == sorted(scores, reverse=True)
    top = docs[0].metadata
    assert top["role"] == "ai"
    assert top["role_type"] == "assistant"
    assert top["session_id"] == "trip"
    assert top["created_at"]
    assert top["uuid"] == docs[0].id
    assert "pizza" not in " ".join(doc.page_content for doc in docs)
    assert wire.clients_used() == {api.mode}
    request = wire.requests[0]
    assert (request.kind, request.query) == ("POST sessions/trip/search", "limit=3")
    assert request.body["search_scope"] == "messages"


async def test_k_from_constructor_and_per_call(api: Api, wire: Wire) -> None:
    """``k`` caps the results and ``invoke(query, k=...)`` overrides it."""
    hiking = retriever(wire, session_id="trip", k=2)
    assert len(await api.retrieve(hiking, "hiking")) == 2
    assert len(await api.retrieve(hiking, "hiking", k=1)) == 1
    assert len(await api.retrieve(hiking, "hiking", k=3)) == 3


async def test_user_scope_searches_all_of_the_users_sessions(api: Api, wire: Wire) -> None:
    """With user_id, hits come from every session of that user and no one else's."""
    docs = await api.retrieve(retriever(wire, user_id="jane", k=10), "hiking")
    assert {doc.metadata["session_id"] for doc in docs} == {"trip", "work"}
    assert all("Bob" not in doc.page_content for doc in docs)


async def test_missing_session_or_user_finds_nothing(api: Api, wire: Wire) -> None:
    """An unknown session or user yields [] instead of a 404."""
    assert await api.retrieve(retriever(wire, session_id="ghost"), "hiking") == []
    assert await api.retrieve(retriever(wire, user_id="ghost"), "hiking") == []


async def test_metadata_filter_and_foreign_metadata(api: Api, wire: Wire) -> None:
    """The metadata filter reaches Zep and a message's own metadata is on the document."""
    docs = await api.retrieve(
        retriever(wire, session_id="trip", metadata_filter={"topic": "gear"}), "hiking"
    )
    assert [doc.page_content for doc in docs] == ["Hiking boots bought"]
    assert docs[0].metadata["metadata"] == {"topic": "gear"}
    assert docs[0].metadata["role"] == "Jane"


async def test_min_score_and_mmr_options(api: Api, wire: Wire) -> None:
    """min_score drops weaker hits; MMR with its lambda is sent to Zep."""
    strict = await api.retrieve(
        retriever(wire, session_id="trip", k=10, min_score=0.99), "hiking Alps"
    )
    assert strict
    assert all(doc.metadata["score"] >= 0.99 for doc in strict)
    wire.take()
    mmr = retriever(wire, session_id="trip", k=3, search_type="mmr", mmr_lambda=0.3)
    assert len(await api.retrieve(mmr, "hiking")) == 3
    assert wire.requests[0].body["search_type"] == "mmr"
    assert wire.requests[0].body["mmr_lambda"] == 0.3


async def test_fact_and_summary_scopes(api: Api, wire: Wire) -> None:
    """Facts and summaries come back as documents with their own text and metadata."""
    wire.client.add_session_facts("trip", ["Jane owns a red kayak"])
    facts = await api.retrieve(retriever(wire, session_id="trip", search_scope="facts"), "kayak")
    assert [doc.page_content for doc in facts] == ["Jane owns a red kayak"]
    assert facts[0].metadata["session_id"] == "trip"
    assert "rating" in facts[0].metadata
    # Enough messages for the embedded server to write a summary.
    count = SUMMARY_EVERY + DEFAULT_LASTN + 1
    many = [HumanMessage(f"Day {i}: I kayaked on lake number {i}") for i in range(count)]
    ZepChatMessageHistory("lakes", client=wire.client).add_messages(many)
    summaries = await api.retrieve(
        retriever(wire, session_id="lakes", search_scope="summary"), "kayaked lake"
    )
    assert summaries
    assert "kayaked" in summaries[0].page_content


def test_retriever_arguments_are_checked(wire: Wire) -> None:
    """Exactly one of session_id/user_id, and a positive k, are required."""
    with pytest.raises(ValueError, match="exactly one"):
        ZepRetriever(client=wire.client)
    with pytest.raises(ValueError, match="exactly one"):
        ZepRetriever(session_id="a", user_id="b", client=wire.client)
    with pytest.raises(ValueError):
        ZepRetriever(session_id="a", k=0)
    with pytest.raises(ValueError, match="k must be"):
        retriever(wire, session_id="trip").invoke("hiking", k=0)
    with pytest.raises(TypeError, match="unexpected"):
        retriever(wire, session_id="trip").invoke("hiking", top_k=2)
    assert wire.take() == []


class TestZepRetrieverStandard(RetrieversIntegrationTests):
    """LangChain's standard retriever integration tests, on a seeded embedded server."""

    @pytest.fixture(autouse=True)
    def _seed(self, tmp_path: Path) -> None:
        """Seed a session with enough matching messages for k = 1 and 3."""
        self._wire = make_wire(tmp_path / "zep.db")
        ZepChatMessageHistory("standard", client=self._wire.client).add_messages(
            [HumanMessage(f"Fact {i} about the ocean and its tides") for i in range(6)]
        )

    @property
    def retriever_constructor(self) -> type[BaseRetriever]:
        return ZepRetriever

    @property
    def retriever_constructor_params(self) -> dict[str, Any]:
        return {
            "session_id": "standard",
            "client": self._wire.client,
            "async_client": self._wire.aclient,
        }

    @property
    def retriever_query_example(self) -> str:
        return "ocean tides"
