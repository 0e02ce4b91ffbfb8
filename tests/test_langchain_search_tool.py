"""create_zep_search_tool: langchain-tests suites, identity from the tool runtime, errors."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from langchain.agents import create_agent
from langchain_core.documents import Document
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.tools import BaseTool
from langchain_tests.integration_tests import ToolsIntegrationTests
from langchain_tests.unit_tests import ToolsUnitTests

from tests.agent_support import RecordingChatModel, scripted
from tests.conftest import VERSIONS
from tests.langchain_support import Wire, make_wire
from tests.test_faults import Faulty, clients, reply
from tests.version_support import thread_of
from zep_integrations import ZepClient
from zep_integrations.langchain import (
    ZepChatMessageHistory,
    ZepMemoryMiddleware,
    create_zep_search_tool,
)
from zep_integrations.server import ZepServer


def seed(client: ZepClient, user: str, session: str, texts: list[str]) -> None:
    ZepChatMessageHistory(session, user_id=user, client=client).add_messages(
        [HumanMessage(text) for text in texts]
    )


class TestSearchToolUnit(ToolsUnitTests):
    @property
    def tool_constructor(self) -> BaseTool:
        return create_zep_search_tool(user_id="jane", scope="messages")

    @property
    def tool_invoke_params_example(self) -> dict[str, Any]:
        return {"query": "hiking", "limit": 3}


class TestSearchToolIntegration(ToolsIntegrationTests):
    @pytest.fixture(autouse=True)
    def _memory(self) -> None:
        """Jane's memory on the embedded default server of this test."""
        seed(ZepClient(), "jane", "s1", ["I love hiking in the Alps", "Pizza is great"])

    @property
    def tool_constructor(self) -> BaseTool:
        return create_zep_search_tool(user_id="jane", scope="messages")

    @property
    def tool_invoke_params_example(self) -> dict[str, Any]:
        return {"query": "hiking", "limit": 3}

    def test_results_reach_model_and_caller(self, tool: BaseTool) -> None:
        """The text names the hit; the artifact holds it as a Document."""
        call = {"name": tool.name, "args": {"query": "hiking"}, "id": "1", "type": "tool_call"}
        message = tool.invoke(call)
        assert isinstance(message, ToolMessage)
        assert "I love hiking in the Alps" in message.text
        assert "Pizza" not in message.text
        assert [doc.page_content for doc in message.artifact] == ["I love hiking in the Alps"]
        assert all(isinstance(doc, Document) for doc in message.artifact)


@pytest.fixture
def wire(tmp_path: Path, version: str) -> Wire:
    return make_wire(tmp_path / "zep.db", version)


def call_tool(mode: str, tool: BaseTool, args: dict[str, Any], config: Any = None) -> Any:
    payload = {"name": tool.name, "args": args, "id": "c1", "type": "tool_call"}
    if mode == "sync":
        return tool.invoke(payload, config)
    return asyncio.run(tool.ainvoke(payload, config))


@pytest.mark.parametrize("version", VERSIONS)
def test_one_tool_serves_every_user_in_an_agent(mode: str, wire: Wire) -> None:
    """In an agent the user comes from the runtime context, per call: one request per search.

    v3/v4 search the user's graph (``POST graph/search``); v4 resolves the user id to its UUID
    once per client (here already done by the seeding write), so a search stays one request.
    """
    seed(wire.client, "ann", "a1", ["Ann likes sailing"])
    seed(wire.client, "bob", "b1", ["Bob likes sailing too"])
    search = create_zep_search_tool(wire.client, async_client=wire.aclient, scope="messages")
    for user, expected in (("ann", "Ann likes sailing"), ("bob", "Bob likes sailing too")):
        call = AIMessage(
            "", tool_calls=[{"name": "search_memory", "args": {"query": "sailing"}, "id": "c"}]
        )
        model = RecordingChatModel(reply=scripted(call, AIMessage("ok")))
        agent = create_agent(model, tools=[search])
        wire.take()
        config = {"configurable": {"thread_id": f"t-{user}"}}
        value = {"messages": [HumanMessage("what do I like?")]}
        if mode == "sync":
            out = agent.invoke(value, config, context={"user_id": user})
        else:
            out = asyncio.run(agent.ainvoke(value, config, context={"user_id": user}))
        assert wire.clients_used() == {mode}
        assert len(wire.take()) == 1
        result = next(m for m in out["messages"] if isinstance(m, ToolMessage))
        assert expected in result.text
        assert [doc.page_content for doc in result.artifact] == [expected]
        session = thread_of(wire.client, f"{user[0]}1")
        assert {doc.metadata["session_id"] for doc in result.artifact} == {session}


@pytest.mark.parametrize("version", VERSIONS)
def test_session_search_when_no_user_is_known(mode: str, wire: Wire) -> None:
    """Without a user the tool searches the current session (the thread id)."""
    seed(wire.client, "u", "thread-9", ["The cat is called Momo"])
    seed(wire.client, "u", "other", ["The dog is called Rex"])
    search = create_zep_search_tool(wire.client, async_client=wire.aclient, scope="messages")
    message = call_tool(
        mode, search, {"query": "called"}, {"configurable": {"thread_id": "thread-9"}}
    )
    assert [doc.page_content for doc in message.artifact] == ["The cat is called Momo"]


def test_errors_and_missing_identity_come_back_as_text(mode: str, tmp_path: Path) -> None:
    """A Zep failure or no identity is text for the model, never an exception."""
    server = ZepServer(tmp_path / "f.db")
    faulty = Faulty(server, "POST sessions/search", [reply(500)])
    sync, asyn = clients(server, faulty)
    search = create_zep_search_tool(sync, async_client=asyn, user_id="jane")
    message = call_tool(mode, search, {"query": "anything"})
    assert message.text.startswith("Memory search failed (ServerError")
    assert message.artifact == []
    nobody = create_zep_search_tool(sync, async_client=asyn)
    message = call_tool(mode, nobody, {"query": "anything"})
    assert "no user or session" in message.text


def test_model_facing_schema_and_limits(wire: Wire) -> None:
    """The model sees query, scope and limit (bounded); the runtime is not an argument."""
    search = create_zep_search_tool(wire.client, limit=2, max_limit=4)
    schema = search.tool_call_schema.model_json_schema()
    assert set(schema["properties"]) == {"query", "scope", "limit"}
    assert schema["properties"]["limit"]["maximum"] == 4
    with pytest.raises(ValueError, match="limit"):
        create_zep_search_tool(wire.client, limit=0)
    with pytest.raises(TypeError, match="user_id"):
        create_zep_search_tool(wire.client, user_id=3)  # type: ignore[arg-type]


def test_middleware_search_tool_flag_adds_the_tool(mode: str, wire: Wire) -> None:
    """search_tool=True gives the agent the tool, with the middleware's identity rules."""
    seed(wire.client, "jane", "old", ["Jane's favourite colour is green"])
    call = AIMessage(
        "",
        tool_calls=[
            {"name": "search_memory", "args": {"query": "colour", "scope": "messages"}, "id": "c"}
        ],
    )
    model = RecordingChatModel(reply=scripted(call, AIMessage("Green.")))
    memory = ZepMemoryMiddleware(wire.client, async_client=wire.aclient, search_tool=True)
    assert [t.name for t in memory.tools] == ["search_memory"]
    agent = create_agent(model, middleware=[memory])
    config = {"configurable": {"thread_id": "new"}}
    value = {"messages": [HumanMessage("What is my favourite colour?")]}
    if mode == "sync":
        out = agent.invoke(value, config, context={"user_id": "jane"})
    else:
        out = asyncio.run(agent.ainvoke(value, config, context={"user_id": "jane"}))
    result = next(m for m in out["messages"] if isinstance(m, ToolMessage))
    assert "favourite colour is green" in result.text


# What each scope asks on the wire: v2 ``search_scope``; v3/v4 the graph search scope.
SCOPE_ON_WIRE = {
    "v2": {"facts": "facts", "summary": "summary"},
    "v3": {"facts": "edges", "summary": "thread_summaries"},
    "v4": {"facts": "edges", "summary": "thread-summaries"},
}


def wire_scope(wire: Wire) -> str:
    """The scope the last request searched: v2/v3 in the body, v4 in the path."""
    last = wire.requests[-1]
    if last.path.startswith("graphs/"):  # v4: graphs/{uuid}/search/{scope}
        return str(last.path.rsplit("/", 1)[1])
    return str(last.body["search_scope" if last.path.startswith("sessions") else "scope"])


@pytest.mark.parametrize("version", VERSIONS)
def test_default_scope_searches_facts(mode: str, wire: Wire, version: str) -> None:
    """Without a scope the tool searches the facts Zep extracted; the model may pick another."""
    seed(wire.client, "jane", "s1", ["I love hiking in the Alps"])
    search = create_zep_search_tool(wire.client, async_client=wire.aclient, user_id="jane")
    wire.take()
    facts = call_tool(mode, search, {"query": "hiking"})
    assert facts.text.startswith("1. human: I love hiking in the Alps")
    assert [doc.metadata.get("uuid") is not None for doc in facts.artifact] == [True]
    assert len(wire.requests) == 1
    assert wire_scope(wire) == SCOPE_ON_WIRE[version]["facts"]
    summaries = call_tool(mode, search, {"query": "hiking", "scope": "summary"})
    assert summaries.text == "No memories found." and summaries.artifact == []
    assert wire_scope(wire) == SCOPE_ON_WIRE[version]["summary"]
