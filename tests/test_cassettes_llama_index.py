"""LlamaIndex adapter scenarios, replayed from cassettes and run live, sync and async.

Each scenario is an ``async def`` that gets the real ``ZepClient`` (sync mode) or the real
``AsyncZepClient`` (async mode) and drives the adapters through the matching sync or async API,
with ``MockLLM`` and an 8-dimensional ``MockEmbedding`` as LlamaIndex's settings.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from llama_index.core.agent.workflow import FunctionAgent
from llama_index.core.base.llms.types import ToolCallBlock
from llama_index.core.chat_engine import SimpleChatEngine
from llama_index.core.llms import ChatMessage, MessageRole, MockLLM
from llama_index.core.llms.mock import MockFunctionCallingLLMWithChatMemoryOfLastCall

from tests.cassette_support import run_live, run_replay
from tests.llama_index_support import call, mock_settings
from zep_integrations import AsyncZepClient, ZepClient
from zep_integrations.llama_index import (
    ZepChatStore,
    ZepMemory,
    ZepRetriever,
    ZepToolSpec,
    zep_memory,
)

Zep = ZepClient | AsyncZepClient


def mode_of(zep: Zep) -> str:
    """``"async"`` for an ``AsyncZepClient``, else ``"sync"``."""
    return "async" if isinstance(zep, AsyncZepClient) else "sync"


def clients(zep: Zep) -> dict[str, Any]:
    """Adapter keyword arguments that hand over only the client of this mode."""
    return {"async_client": zep} if isinstance(zep, AsyncZepClient) else {"client": zep}


async def chat_turn(engine: SimpleChatEngine, mode: str, text: str, *, stream: bool) -> str:
    """One chat turn (plain or streamed), waiting until the reply is written to memory."""
    if mode == "sync" and not stream:
        return str(engine.chat(text))
    if mode == "async" and not stream:
        return str(await engine.achat(text))
    if mode == "sync":
        response = engine.stream_chat(text)
        out = "".join(response.response_gen)
        if response.write_response_to_history_thread is not None:
            response.write_response_to_history_thread.join()
        return out
    aresponse = await engine.astream_chat(text)
    out = "".join([token async for token in aresponse.async_response_gen()])
    if aresponse.awrite_response_to_history_task is not None:
        await aresponse.awrite_response_to_history_task
    return out


async def scenario_chat_engine(zep: Zep) -> None:
    """Three SimpleChatEngine turns (one streamed) for a new user's session, then a fresh read."""
    mode = mode_of(zep)
    memory = ZepMemory.from_defaults(
        session_id="cassette-li-chat", user_id="cassette-li-jane", **clients(zep)
    )
    engine = SimpleChatEngine.from_defaults(llm=MockLLM(max_tokens=4), memory=memory)
    questions = ["Hi, I'm Jane and I live in Paris", "I like trains", "What do I like?"]
    for turn, question in enumerate(questions):
        assert await chat_turn(engine, mode, question, stream=turn == 1)
    fresh = ZepMemory.from_defaults(session_id="cassette-li-chat", **clients(zep))
    stored = await call(mode, fresh, "get_all")
    assert [msg.role for msg in stored] == [MessageRole.USER, MessageRole.ASSISTANT] * 3
    assert [msg.content for msg in stored[::2]] == questions
    window = await call(
        mode,
        ZepMemory.from_defaults(session_id="cassette-li-chat", window=2, **clients(zep)),
        "get",
    )
    assert window[0].role is MessageRole.SYSTEM and "trains" in (window[0].content or "")
    assert [msg.role for msg in window[1:]] == [MessageRole.USER, MessageRole.ASSISTANT]


async def scenario_memory(zep: Zep) -> None:
    """ZepMemory put_messages, a windowed get with context, set, and reset."""
    mode = mode_of(zep)
    memory = ZepMemory.from_defaults(session_id="cassette-li-mem", window=2, **clients(zep))
    await call(
        mode,
        memory,
        "put_messages",
        [
            ChatMessage(role="user", content="I work as a nurse in Lyon"),
            ChatMessage(role="assistant", content="Nursing is demanding work."),
            ChatMessage(role="user", content="I have two cats"),
            ChatMessage(role="assistant", content="Cats are lovely."),
        ],
    )
    window = await call(mode, memory, "get")
    assert window[0].role is MessageRole.SYSTEM
    assert [msg.content for msg in window[1:]] == ["I have two cats", "Cats are lovely."]
    await call(mode, memory, "put", ChatMessage(role="user", content="Bye"))
    await call(mode, memory, "flush")
    replacement = [ChatMessage(role="user", content="Start over")]
    await call(mode, memory, "set", replacement)
    assert [msg.content for msg in await call(mode, memory, "get_all")] == ["Start over"]
    await call(mode, memory, "reset")
    await call(mode, memory, "reset")
    assert await call(mode, memory, "get_all") == []


TOOL_TURN = [
    ChatMessage(role="user", content="What is 2 + 3?"),
    ChatMessage(
        role="assistant",
        blocks=[
            ToolCallBlock(tool_call_id="call-1", tool_name="add", tool_kwargs={"a": 2, "b": 3})
        ],
    ),
    ChatMessage(
        role="tool", content="5", additional_kwargs={"tool_call_id": "call-1", "name": "add"}
    ),
    ChatMessage(role="assistant", content="2 + 3 = 5."),
]


async def scenario_chat_store(zep: Zep) -> None:
    """ZepChatStore: add, read, delete by index and last, keys, set, delete all."""
    mode = mode_of(zep)
    store = ZepChatStore(user_id="cassette-li-store-user", **clients(zep))
    key = "cassette-li-store"
    for message in TOOL_TURN:
        await call(mode, store, "add_message", key, message)
    assert await call(mode, store, "get_messages", key) == TOOL_TURN
    deleted = await call(mode, store, "delete_message", key, 0)
    assert deleted is not None and deleted.content == "What is 2 + 3?"
    last = await call(mode, store, "delete_last_message", key)
    assert last is not None and last.content == "2 + 3 = 5."
    assert await call(mode, store, "get_messages", key) == TOOL_TURN[1:3]
    assert await call(mode, store, "delete_message", key, 5) is None
    await call(mode, store, "set_messages", "cassette-li-store-2", TOOL_TURN[:1])
    assert sorted(await call(mode, store, "get_keys")) == [key, "cassette-li-store-2"]
    gone = await call(mode, store, "delete_messages", key)
    assert gone == TOOL_TURN[1:3]
    assert await call(mode, store, "get_messages", key) == []
    assert await call(mode, store, "delete_messages", key) is None


async def scenario_retriever(zep: Zep) -> None:
    """ZepRetriever searches one session and all of a user's sessions; a missing one is empty."""
    mode = mode_of(zep)
    user = "cassette-li-ret-user"
    store = ZepChatStore(user_id=user, **clients(zep))
    for text in ("I love hiking in the Alps", "Pizza is my favourite food"):
        await call(
            mode, store, "add_message", "cassette-li-ret-1", ChatMessage(role="user", content=text)
        )
    await call(
        mode,
        store,
        "add_message",
        "cassette-li-ret-2",
        ChatMessage(role="user", content="Next summer I go hiking in Norway"),
    )
    session = ZepRetriever(session_id="cassette-li-ret-1", top_k=1, **clients(zep))
    hits = await call(mode, session, "retrieve", "favourite food")
    assert [hit.node.get_content() for hit in hits] == ["Pizza is my favourite food"]
    assert hits[0].node.metadata["session_id"] == "cassette-li-ret-1"
    across = ZepRetriever(user_id=user, top_k=3, **clients(zep))
    found = await call(mode, across, "retrieve", "hiking")
    assert {hit.node.metadata["session_id"] for hit in found} >= {
        "cassette-li-ret-1",
        "cassette-li-ret-2",
    }
    missing = ZepRetriever(session_id="cassette-li-ret-missing", **clients(zep))
    assert await call(mode, missing, "retrieve", "anything") == []


async def scenario_agent(zep: Zep) -> None:
    """A FunctionAgent over two runs with zep_memory(): two writes a turn, context in the prompt.

    Async only: ``Memory`` and its ``AsyncDBChatStore`` have no sync I/O path (their sync methods
    run the async ones), so a sync client would only be turned into an async one.
    """
    llm = MockFunctionCallingLLMWithChatMemoryOfLastCall()
    agent = FunctionAgent(llm=llm, tools=[])
    memory = zep_memory("cassette-li-agent", **clients(zep))
    for question in ("I live in Porto and keep bees", "What do I keep?"):
        await agent.run(question, memory=memory)
        assert "Porto" in (llm.last_chat_messages[0].content or "")
    restored = zep_memory("cassette-li-agent", **clients(zep))  # a restart: one read restores
    assert [msg.content for msg in await restored.aget_all()] == [
        "I live in Porto and keep bees",
        "I live in Porto and keep bees",
        "What do I keep?",
        "What do I keep?",
    ]


async def scenario_tools(zep: Zep) -> None:
    """ZepToolSpec: search_memory and search_facts on a session, then across a user's sessions."""
    mode = mode_of(zep)
    store = ZepChatStore(user_id="cassette-li-tools-user", **clients(zep))
    for text in ("I live in Porto and keep bees", "My sister lives in Braga"):
        await call(
            mode, store, "add_message", "cassette-li-tools", ChatMessage(role="user", content=text)
        )
    session_tools = ZepToolSpec(session_id="cassette-li-tools", **clients(zep)).to_tool_list()
    user_tools = ZepToolSpec(user_id="cassette-li-tools-user", **clients(zep)).to_tool_list()
    for tool, query, expected in (
        (session_tools[0], "bees", "- user: I live in Porto and keep bees"),
        (session_tools[1], "sister", "Braga"),
        (user_tools[0], "Braga", "- user: My sister lives in Braga"),
    ):
        out = tool.call(query=query) if mode == "sync" else await tool.acall(query=query)
        assert expected in str(out.content)


SCENARIOS = {
    "chat-engine": scenario_chat_engine,
    "memory": scenario_memory,
    "chat-store": scenario_chat_store,
    "retriever": scenario_retriever,
    "tools": scenario_tools,
}
ASYNC_SCENARIOS = {"agent": scenario_agent}


@pytest.fixture(autouse=True)
def _mock_settings() -> Iterator[None]:
    """MockLLM and MockEmbedding(embed_dim=8) as LlamaIndex settings; restored afterwards."""
    with mock_settings():
        yield


@pytest.mark.parametrize("name", SCENARIOS)
def test_replay(name: str, mode: str, tmp_path: Any) -> None:
    """The scenario replays from its cassette (or records it when asked)."""
    run_replay(f"llama_index/{name}-{mode}.yaml", SCENARIOS[name], mode, tmp_path)


@pytest.mark.parametrize("name", SCENARIOS)
def test_live_matches_cassette(name: str, mode: str, tmp_path: Any) -> None:
    """The scenario passes live in-process and puts exactly the recorded traffic on the wire."""
    run_live(f"llama_index/{name}-{mode}.yaml", SCENARIOS[name], mode, tmp_path)


@pytest.mark.filterwarnings("ignore::DeprecationWarning:inspect")
@pytest.mark.parametrize("name", ASYNC_SCENARIOS)
def test_replay_async_only(name: str, tmp_path: Any) -> None:
    """The async-only scenario replays from its cassette (or records it when asked)."""
    run_replay(f"llama_index/{name}-async.yaml", ASYNC_SCENARIOS[name], "async", tmp_path)


@pytest.mark.filterwarnings("ignore::DeprecationWarning:inspect")
@pytest.mark.parametrize("name", ASYNC_SCENARIOS)
def test_live_matches_cassette_async_only(name: str, tmp_path: Any) -> None:
    """The async-only scenario passes live in-process with exactly the recorded traffic."""
    run_live(f"llama_index/{name}-async.yaml", ASYNC_SCENARIOS[name], "async", tmp_path)
