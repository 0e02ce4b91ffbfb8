"""The adapter scenarios on the v3 and v4 APIs, replayed from cassettes and run live.

Cassettes live in ``cassettes/v3/`` and ``cassettes/v4/`` and are recorded like the v2 ones
(``ZEP_CASSETTE_RECORD=all`` against ``zep-integrations serve --deterministic``). The scenarios
use only the adapters and the version-neutral seam, so the same body runs on both versions; v4
threads get server UUIDs, which the deterministic server makes sequential, and v4
``Idempotency-Key`` values are recorded as a placeholder.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from llama_index.core.llms import ChatMessage, MessageRole

from tests.cassette_support import run_live, run_replay
from tests.langchain_support import Api
from zep_integrations import AsyncZepClient, ZepClient, _sessions
from zep_integrations.langchain import ZepChatMessageHistory, ZepRetriever
from zep_integrations.llama_index import ZepChatStore, ZepMemory

Zep = ZepClient | AsyncZepClient

TOOL_EXCHANGE = [
    SystemMessage("You can add numbers.", id="v-sys"),
    HumanMessage("What is 2 + 3?", id="v-h1", name="Jane"),
    AIMessage(
        "",
        id="v-ai-call",
        tool_calls=[{"name": "add", "args": {"a": 2, "b": 3}, "id": "call-1"}],
    ),
    ToolMessage("5", tool_call_id="call-1", name="add"),
    AIMessage("2 + 3 = 5.", id="v-ai-answer"),
]


def _api(zep: Zep) -> Api:
    return Api("async" if isinstance(zep, AsyncZepClient) else "sync")


def _kw(zep: Zep) -> dict[str, Any]:
    return {"async_client": zep} if isinstance(zep, AsyncZepClient) else {"client": zep}


async def _run(zep: Zep, flow: Any) -> Any:
    if isinstance(zep, AsyncZepClient):
        return await zep.run(flow)
    return zep.run(flow)


async def _session(zep: Zep, user: str) -> tuple[str, str]:
    """v3: the app's own ids (created by the adapters); v4: UUIDs from the one-call helper."""
    if zep.api_version == "v3":
        return user, f"{user}-chat"
    ids = await _run(zep, _sessions.create_user_and_thread(user, first_name="Jane"))
    return ids.user_id, ids.session_id


async def scenario_langchain(zep: Zep) -> None:
    """Chat turns, a tool-call exchange read back exactly, a window with context, clear."""
    api = _api(zep)
    user, session = await _session(zep, "cassette-v-jane")

    def chat(**kwargs: Any) -> ZepChatMessageHistory:
        return ZepChatMessageHistory(session, user_id=user, **_kw(zep), **kwargs)

    await api.add(chat(), TOOL_EXCHANGE)
    assert await api.messages(chat()) == TOOL_EXCHANGE
    await api.add(
        chat(), [HumanMessage("I live in Paris", id="v-h2"), AIMessage("Nice.", id="v-a2")]
    )
    windowed = chat(window=2, context_as_system_message=True)
    messages = await api.messages(windowed)
    assert [m.content for m in messages if not isinstance(m, SystemMessage)] == [
        "I live in Paris",
        "Nice.",
    ]
    assert sum(isinstance(m, SystemMessage) for m in messages) <= 1
    docs = await api.retrieve(ZepRetriever(session_id=session, k=2, **_kw(zep)), "Paris")
    assert all(isinstance(doc.page_content, str) for doc in docs)
    await api.clear(chat())
    await api.clear(chat())
    assert await api.messages(chat()) == []


async def scenario_llama_index(zep: Zep) -> None:
    """ZepMemory puts and reads a conversation; ZepChatStore reads it and deletes one message."""
    is_async = isinstance(zep, AsyncZepClient)
    user, session = await _session(zep, "cassette-v-li")
    memory = ZepMemory(session_id=session, user_id=user, **_kw(zep))
    store = ZepChatStore(user_id=user, **_kw(zep))
    said = [
        ChatMessage(role=MessageRole.USER, content="I like hiking"),
        ChatMessage(role=MessageRole.ASSISTANT, content="Noted."),
        ChatMessage(role=MessageRole.USER, content="And chess"),
    ]
    if is_async:
        await memory.aput_messages(said)
        got = await memory.aget_all()
        removed = await store.adelete_message(session, 1)
        left = await store.aget_messages(session)
    else:
        memory.put_messages(said)
        got = memory.get_all()
        removed = store.delete_message(session, 1)
        left = store.get_messages(session)
    assert [m.content for m in got] == ["I like hiking", "Noted.", "And chess"]
    assert removed is not None and removed.content == "Noted."
    assert [m.content for m in left] == ["I like hiking", "And chess"]


SCENARIOS = {"langchain": scenario_langchain, "llama-index": scenario_llama_index}


@pytest.fixture(autouse=True)
def _no_tracing(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Keep LangSmith tracing off, so nothing but Zep traffic is recorded."""
    monkeypatch.setenv("LANGCHAIN_TRACING_V2", "false")
    monkeypatch.setenv("LANGSMITH_TRACING", "false")
    yield


@pytest.mark.parametrize("version", ["v3", "v4"])
@pytest.mark.parametrize("name", SCENARIOS)
def test_replay(name: str, version: str, mode: str, tmp_path: Any) -> None:
    """The scenario replays from its v3/v4 cassette (or records it when asked)."""
    cassette = f"{version}/{name}-{mode}.yaml"
    run_replay(cassette, SCENARIOS[name], mode, tmp_path, api_version=version)


@pytest.mark.parametrize("version", ["v3", "v4"])
@pytest.mark.parametrize("name", SCENARIOS)
def test_live_matches_cassette(name: str, version: str, mode: str, tmp_path: Any) -> None:
    """Live in-process, the scenario puts exactly the recorded v3/v4 traffic on the wire."""
    cassette = f"{version}/{name}-{mode}.yaml"
    run_live(cassette, SCENARIOS[name], mode, tmp_path, api_version=version)
