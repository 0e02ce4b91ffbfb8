"""Agent adapter scenarios (middleware, search tool), replayed from cassettes and run live.

Every message that reaches the wire has a fixed id, so the recorded bodies never change.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from langchain.agents import create_agent
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from langgraph.checkpoint.memory import InMemorySaver

from tests.agent_support import RecordingChatModel, scripted
from tests.cassette_support import run_live, run_replay
from tests.test_cassettes_langchain import Zep, api_for, clients, history
from zep_integrations import AsyncZepClient
from zep_integrations.langchain import ZepMemoryMiddleware, create_zep_search_tool

USER = "cassette-lc-agent-user"


async def invoke(zep: Zep, runnable: Any, value: Any, config: Any, **kwargs: Any) -> Any:
    """``ainvoke`` with the async client, ``invoke`` with the sync one."""
    if isinstance(zep, AsyncZepClient):
        return await runnable.ainvoke(value, config, **kwargs)
    return runnable.invoke(value, config, **kwargs)


async def scenario_agent_two_turns(zep: Zep) -> None:
    """Two create_agent turns with ZepMemoryMiddleware: 3 then 2 requests, context shown."""
    model = RecordingChatModel(
        reply=scripted(
            AIMessage("Nice to meet you, Jane.", id="lc-ag-a1"),
            AIMessage("Try the Dolomites.", id="lc-ag-a2"),
        )
    )
    memory = ZepMemoryMiddleware(**clients(zep))
    agent = create_agent(
        model, system_prompt="Be brief.", middleware=[memory], checkpointer=InMemorySaver()
    )
    config = {"configurable": {"thread_id": "cassette-lc-agent"}}
    context = {"user_id": USER}
    first = HumanMessage("I'm Jane and I love hiking in the Alps", id="lc-ag-h1")
    await invoke(zep, agent, {"messages": [first]}, config, context=context)
    second = HumanMessage("Where should I go hiking next?", id="lc-ag-h2")
    out = await invoke(zep, agent, {"messages": [second]}, config, context=context)
    assert [m.text for m in out["messages"]] == [
        first.text,
        "Nice to meet you, Jane.",
        second.text,
        "Try the Dolomites.",
    ]
    system = model.seen[-1][0]
    assert isinstance(system, SystemMessage) and "<ZEP_CONTEXT>" in system.text
    assert "hiking in the Alps" in system.text
    stored = await api_for(zep).messages(history(zep, "cassette-lc-agent"))
    assert [m.id for m in stored] == ["lc-ag-h1", "lc-ag-a1", "lc-ag-h2", "lc-ag-a2"]


async def scenario_search_tool(zep: Zep) -> None:
    """The search tool finds the user's memory across sessions: text and artifact."""
    await api_for(zep).add(
        history(zep, "cassette-lc-search-1", user_id=USER),
        [HumanMessage("My cat is called Momo", id="lc-st-1"), AIMessage("Cute!", id="lc-st-2")],
    )
    await api_for(zep).add(
        history(zep, "cassette-lc-search-2", user_id=USER),
        [HumanMessage("I adopted a second cat, Luna", id="lc-st-3")],
    )
    tool = create_zep_search_tool(**clients(zep), scope="messages")
    call = {"name": "search_memory", "args": {"query": "cat"}, "id": "call-1", "type": "tool_call"}
    message = await invoke(zep, tool, call, {"configurable": {"user_id": USER}})
    assert isinstance(message, ToolMessage)
    assert "Momo" in message.text and "Luna" in message.text
    assert {doc.metadata["session_id"] for doc in message.artifact} == {
        "cassette-lc-search-1",
        "cassette-lc-search-2",
    }


SCENARIOS = {"agent-two-turns": scenario_agent_two_turns, "search-tool": scenario_search_tool}


@pytest.fixture(autouse=True)
def _no_tracing(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Keep LangSmith tracing off, so nothing but Zep traffic is recorded."""
    monkeypatch.setenv("LANGCHAIN_TRACING_V2", "false")
    monkeypatch.setenv("LANGSMITH_TRACING", "false")
    yield


@pytest.mark.parametrize("name", SCENARIOS)
def test_replay(name: str, mode: str, tmp_path: Any) -> None:
    """The scenario replays from its cassette (or records it when asked)."""
    run_replay(f"langchain/{name}-{mode}.yaml", SCENARIOS[name], mode, tmp_path)


@pytest.mark.parametrize("name", SCENARIOS)
def test_live_matches_cassette(name: str, mode: str, tmp_path: Any) -> None:
    """The scenario passes live in-process and puts exactly the recorded traffic on the wire."""
    run_live(f"langchain/{name}-{mode}.yaml", SCENARIOS[name], mode, tmp_path)
