"""ZepToolSpec: to_tool_list() tools called sync and async, with a fixed scope or a Context."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from llama_index.core.agent.workflow import FunctionAgent
from llama_index.core.base.llms.types import ToolCallBlock
from llama_index.core.llms import ChatMessage, MessageRole
from llama_index.core.llms.mock import MockFunctionCallingLLM
from llama_index.core.workflow import Context

from tests.conftest import VERSIONS
from tests.llama_index_support import Counted, counted_clients, mock_settings
from tests.version_support import stored_messages, thread_of
from zep_integrations import _sessions
from zep_integrations.llama_index import ZepToolSpec, zep_memory

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:inspect")


@pytest.fixture(autouse=True)
def _mock_settings() -> Iterator[None]:
    with mock_settings():
        yield


@pytest.fixture
def zep(tmp_path: Path, version: str) -> Counted:
    counted = counted_clients(tmp_path / "z.db", version)
    for session, text, user in (
        ("s1", "I live in Paris and love hiking", None),
        ("s2", "I love hiking", None),
        ("s3", "I go hiking in Norway", "jane"),
    ):
        message = {"role_type": "user", "content": text}
        counted.client.run(_sessions.write_messages(session, [message], user_id=user))
    counted.take()
    return counted


def search_kinds(zep: Counted, session: str) -> list[str]:
    """A session search: v2 one request; v3/v4 the graph search, after looking up the thread's
    user once per client (v4 searches that user's graph by UUID)."""
    version = zep.client.api_version
    if version == "v2":
        return [f"POST sessions/{session}/search"]
    thread = thread_of(zep.client, session)
    if version == "v3":
        return [f"GET threads/{thread}/messages", "POST graph/search"]
    owner = zep.client._info.ids[("thread-user", thread)]
    return [f"GET threads/{thread}", f"POST graphs/{owner}/search/episodes"]


def spec(zep: Counted, **kwargs: Any) -> ZepToolSpec:
    return ZepToolSpec(zep.client, async_client=zep.async_client, **kwargs)


async def invoke(mode: str, tool: Any, **kwargs: Any) -> str:
    out = tool.call(**kwargs) if mode == "sync" else await tool.acall(**kwargs)
    return str(out.content)


@pytest.mark.parametrize("version", VERSIONS)
async def test_fixed_session_tools(mode: str, zep: Counted) -> None:
    """search_memory and search_facts answer from the given session with one request each."""
    tools = {tool.metadata.name: tool for tool in spec(zep, session_id="s1").to_tool_list()}
    assert sorted(tools) == ["search_facts", "search_memory"]
    assert "ctx" not in str(tools["search_memory"].metadata.fn_schema_str)
    assert await invoke(mode, tools["search_memory"], query="hiking") == (
        "- user: I live in Paris and love hiking"
    )
    assert zep.take() == search_kinds(zep, "s1")
    facts = await invoke(mode, tools["search_facts"], query="Paris")
    assert "Paris" in facts and facts.startswith("- ")
    assert len(zep.take()) == 1  # the thread's user is cached: one request per search
    assert await invoke(mode, tools["search_memory"], query="volcanoes") == "No matching memories."


@pytest.mark.parametrize("version", VERSIONS)
async def test_user_scope_searches_all_sessions(mode: str, zep: Counted) -> None:
    """With user_id, the search covers every session of the user."""
    tools = spec(zep, user_id="jane").to_tool_list()
    assert await invoke(mode, tools[0], query="Norway") == "- user: I go hiking in Norway"


@pytest.mark.parametrize("version", VERSIONS)
async def test_missing_scope_and_bad_query_answer_in_text(mode: str, zep: Counted) -> None:
    """A missing session reads as no results; an empty query and no session say so as text."""
    tools = spec(zep, session_id="nope").to_tool_list()
    assert await invoke(mode, tools[0], query="hiking") == "No matching memories."
    assert "non-empty query" in await invoke(mode, tools[0], query="  ")
    ctx_tools = spec(zep).to_tool_list()
    ctx = Context(FunctionAgent(llm=MockFunctionCallingLLM(), tools=[]))
    assert "no Zep session" in await invoke(mode, ctx_tools[0], ctx=ctx, query="hiking")


def test_bad_arguments_are_value_errors() -> None:
    """limit and ids are validated with messages that say what to pass."""
    with pytest.raises(ValueError, match="positive int"):
        ZepToolSpec(limit=0)
    with pytest.raises(ValueError, match="non-empty string"):
        ZepToolSpec(session_id="")


@pytest.mark.parametrize("version", VERSIONS)
async def test_session_comes_from_the_workflow_context(mode: str, zep: Counted) -> None:
    """Without a fixed scope the tools find the session of the memory the workflow holds."""
    tools = spec(zep).to_tool_list()
    assert "ctx" not in str(tools[0].metadata.fn_schema_str)  # injected, not shown to the model
    ctx = Context(FunctionAgent(llm=MockFunctionCallingLLM(), tools=[]))
    await ctx.store.set("memory", zep_memory("s2", client=zep.client))
    assert await invoke(mode, tools[0], ctx=ctx, query="hiking") == "- user: I love hiking"


class AsksMemory:
    """A function-calling script: search memory for the question, then answer with the result."""

    def __init__(self) -> None:
        self.seen: list[list[ChatMessage]] = []

    def __call__(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatMessage:
        self.seen.append(list(messages))
        last = messages[-1]
        if last.role is MessageRole.TOOL:
            return ChatMessage(role="assistant", content=f"From memory: {last.content}")
        return ChatMessage(
            role="assistant",
            blocks=[
                ToolCallBlock(
                    tool_call_id=f"call-{len(self.seen)}",
                    tool_name="search_memory",
                    tool_kwargs={"query": "hiking"},
                )
            ],
        )


@pytest.mark.parametrize("version", VERSIONS)
async def test_agent_calls_the_tool_with_its_memory_session(zep: Counted) -> None:
    """A FunctionAgent run with zep_memory() searches that session through the tool."""
    llm = MockFunctionCallingLLM(response_generator=AsksMemory(), is_chat_model=True)
    agent = FunctionAgent(llm=llm, tools=spec(zep).to_tool_list(), streaming=False)
    memory = zep_memory("s2", client=zep.client, async_client=zep.async_client)
    result = await agent.run("What do I love?", memory=memory)
    assert str(result) == "From memory: - user: I love hiking"
    roles = [m.role_type for m in stored_messages(zep.client, "s2")]
    assert roles == ["user", "user", "assistant", "tool", "assistant"]
