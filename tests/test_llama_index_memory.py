"""ZepMemory and ZepMemoryBlock in LlamaIndex chat engines, agents and Memory (embedded server)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from llama_index.core import Document, VectorStoreIndex
from llama_index.core.agent.workflow import FunctionAgent
from llama_index.core.base.llms.types import ToolCallBlock
from llama_index.core.chat_engine import SimpleChatEngine
from llama_index.core.chat_engine.types import BaseChatEngine, ChatMode
from llama_index.core.llms import ChatMessage, MessageRole, MockLLM
from llama_index.core.llms.mock import MockFunctionCallingLLM
from llama_index.core.memory import Memory
from llama_index.core.tools import FunctionTool

from tests.llama_index_support import Counted, counted_clients, mock_settings
from zep_integrations import _sessions
from zep_integrations.llama_index import ZepMemory, ZepMemoryBlock

GET, POST = "GET sessions/s1/memory", "POST sessions/s1/memory"


@pytest.fixture(autouse=True)
def _mock_settings() -> Iterator[None]:
    with mock_settings():
        yield


@pytest.fixture
def zep(tmp_path: Path) -> Counted:
    return counted_clients(tmp_path / "z.db")


def memory_for(zep: Counted, **kwargs: Any) -> ZepMemory:
    kwargs.setdefault("session_id", "s1")
    return ZepMemory.from_defaults(client=zep.client, async_client=zep.async_client, **kwargs)


def engine_for(kind: str, memory: ZepMemory) -> BaseChatEngine:
    llm = MockLLM(max_tokens=4)
    if kind == "simple":
        return SimpleChatEngine.from_defaults(llm=llm, memory=memory)
    index = VectorStoreIndex.from_documents([Document(text="Paris is the capital of France.")])
    return index.as_chat_engine(chat_mode=ChatMode(kind), llm=llm, memory=memory)


async def turn(engine: BaseChatEngine, method: str, text: str) -> str:
    """One chat turn through ``method``, waiting until the reply is written to memory."""
    if method == "chat":
        return str(engine.chat(text))
    if method == "achat":
        return str(await engine.achat(text))
    if method == "stream_chat":
        response = engine.stream_chat(text)
        out = "".join(response.response_gen)
        if response.write_response_to_history_thread is not None:
            response.write_response_to_history_thread.join()
        return out
    response = await engine.astream_chat(text)
    out = "".join([token async for token in response.async_response_gen()])
    if response.awrite_response_to_history_task is not None:
        await response.awrite_response_to_history_task
    return out


@pytest.mark.parametrize("kind", ["simple", "context", "condense_plus_context"])
@pytest.mark.parametrize("method", ["chat", "stream_chat", "achat", "astream_chat"])
async def test_chat_engines_store_every_turn(kind: str, method: str, zep: Counted) -> None:
    """Each engine and chat method stores user and assistant messages for several turns."""
    engine = engine_for(kind, memory_for(zep))
    for i in range(3):
        assert await turn(engine, method, f"I like hiking, turn {i}")
    stored = memory_for(zep).get_all()  # a fresh object reads Zep, not a cache
    assert [msg.role for msg in stored] == [MessageRole.USER, MessageRole.ASSISTANT] * 3
    assert [msg.content for msg in stored[::2]] == [f"I like hiking, turn {i}" for i in range(3)]
    assert engine.chat_history == stored


@pytest.mark.parametrize("method", ["chat", "stream_chat", "achat", "astream_chat"])
async def test_simple_chat_engine_request_budget(method: str, zep: Counted) -> None:
    """By default every turn is write user, read window, write reply: three requests."""
    engine = engine_for("simple", memory_for(zep))
    counts = []
    for i in range(3):
        await turn(engine, method, f"turn {i}")
        counts.append(zep.take())
    assert counts == [[POST, GET, POST]] * 3


@pytest.mark.parametrize("method", ["chat", "stream_chat", "achat", "astream_chat"])
async def test_cached_window_request_budget(method: str, zep: Counted) -> None:
    """With cache_window, three requests on the first turn, then two per turn."""
    engine = engine_for("simple", memory_for(zep, cache_window=True))
    counts = []
    for i in range(4):
        await turn(engine, method, f"turn {i}")
        counts.append(zep.take())
    assert counts == [[GET, POST, POST], [POST, POST], [POST, POST], [POST, POST]]


async def test_default_memory_sees_other_writers(zep: Counted) -> None:
    """Without the cache, get() returns what another writer stored in between."""
    memory = memory_for(zep)
    engine = engine_for("simple", memory)
    await turn(engine, "chat", "first")
    memory_for(zep).put(ChatMessage(role="user", content="from another process"))
    assert "from another process" in [msg.content for msg in memory.get()]


async def test_fresh_memory_per_turn_costs_three(zep: Counted) -> None:
    """A stateless app building ZepMemory per request pays the same three requests per turn."""
    for i in range(3):
        await turn(engine_for("simple", memory_for(zep)), "achat", f"turn {i}")
        assert zep.take() == [POST, GET, POST]


async def test_new_session_of_a_user_is_created_once(zep: Counted) -> None:
    """With user_id, the first turn also creates the user and session; later turns cost three."""
    engine = engine_for("simple", memory_for(zep, user_id="jane"))
    await turn(engine, "chat", "hi")
    assert zep.take() == ["POST sessions", "POST users", "POST sessions", POST, GET, POST]
    await turn(engine, "chat", "again")
    assert zep.take() == [POST, GET, POST]
    assert zep.client.get_session("s1").user_id == "jane"


class Boom(MockLLM):
    """An LLM that always fails."""

    def chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> Any:
        raise RuntimeError("LLM down")

    async def achat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> Any:
        raise RuntimeError("LLM down")


@pytest.mark.parametrize("method", ["chat", "achat"])
async def test_user_message_survives_llm_failure(method: str, zep: Counted) -> None:
    """The user's message is in Zep before the LLM is called."""
    engine = SimpleChatEngine.from_defaults(llm=Boom(max_tokens=4), memory=memory_for(zep))
    with pytest.raises(RuntimeError, match="LLM down"):
        await turn(engine, method, "please remember this")
    assert [msg.content for msg in memory_for(zep).get_all()] == ["please remember this"]


async def test_get_returns_window_with_context_first(mode: str, zep: Counted) -> None:
    """get() gives one leading system message with context, then the last `window` messages."""
    history = [
        ChatMessage(role="user" if i % 2 == 0 else "assistant", content=f"I live in Paris {i}")
        for i in range(10)
    ]
    memory = memory_for(zep, window=4)
    if mode == "sync":
        memory.put_messages(history)
        window = memory_for(zep, window=4).get()
    else:
        await memory.aput_messages(history)
        window = await memory_for(zep, window=4).aget()
    assert window[0].role is MessageRole.SYSTEM
    assert "Relevant context" in (window[0].content or "")
    assert [msg.content for msg in window[1:]] == [f"I live in Paris {i}" for i in range(6, 10)]
    plain = memory_for(zep, window=4, context_as_system_message=False).get()
    assert [msg.role for msg in plain] == ["user", "assistant"] * 2


async def test_system_message_in_history_is_merged(zep: Counted) -> None:
    """A stored leading system message absorbs the context instead of getting a second one."""
    memory = memory_for(zep)
    memory.set(
        [
            ChatMessage(role="system", content="Be brief."),
            *[ChatMessage(role="user", content=f"I live in Paris {i}") for i in range(3)],
        ]
    )
    window = memory_for(zep).get()
    assert [msg.role for msg in window].count(MessageRole.SYSTEM) == 1
    assert (window[0].content or "").startswith("Be brief.\n\n")


async def test_put_messages_set_reset(mode: str, zep: Counted) -> None:
    """put_messages writes one request per 30; set replaces; reset empties, idempotently."""
    memory = memory_for(zep)
    many = [ChatMessage(role="user", content=f"m{i}") for i in range(45)]
    if mode == "sync":
        memory.put_messages(many)
        assert zep.take() == [POST, POST]
        assert len(memory.get_all()) == 45
        memory.set(many[:2])
        assert [m.content for m in memory.get_all()] == ["m0", "m1"]
        memory.reset()
        memory.reset()
        assert memory.get_all() == []
        assert memory.get() == []
    else:
        await memory.aput_messages(many)
        assert zep.take() == [POST, POST]
        assert len(await memory.aget_all()) == 45
        await memory.aset(many[:2])
        assert [m.content for m in await memory.aget_all()] == ["m0", "m1"]
        await memory.areset()
        await memory.areset()
        assert await memory.aget_all() == []
        assert await memory.aget() == []


async def test_missing_session_reads_empty(zep: Counted) -> None:
    """A session that does not exist is an empty memory, not an error."""
    assert memory_for(zep, session_id="nope").get() == []
    assert await memory_for(zep, session_id="nope").aget_all() == []


def add(a: int, b: int) -> int:
    """Add two numbers."""
    return a + b


class Scripted:
    """A response generator: call `add` for a user question, answer from a tool result."""

    def __init__(self) -> None:
        self.seen: list[list[ChatMessage]] = []

    def __call__(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatMessage:
        self.seen.append(list(messages))
        last = messages[-1]
        if last.role is MessageRole.TOOL:
            return ChatMessage(role="assistant", content=f"The sum is {last.content}.")
        return ChatMessage(
            role="assistant",
            blocks=[
                ToolCallBlock(
                    tool_call_id=f"call-{len(self.seen)}",
                    tool_name="add",
                    tool_kwargs={"a": 2, "b": 3},
                )
            ],
        )


# FunctionAgent.__init__ runs inspect.getmembers over pydantic objects (upstream deprecation noise).
@pytest.mark.filterwarnings("ignore::DeprecationWarning:inspect")
async def test_agent_tool_exchange_survives_round_trip(zep: Counted) -> None:
    """A FunctionAgent's tool call and result are stored and replayed validly next turn."""
    script = Scripted()
    llm = MockFunctionCallingLLM(response_generator=script, is_chat_model=True)
    agent = FunctionAgent(tools=[FunctionTool.from_defaults(add)], llm=llm, streaming=False)
    result = await agent.run("What is 2 + 3?", memory=memory_for(zep))
    assert "5" in str(result)
    # Next turn with a fresh memory: the LLM sees the exchange from Zep, in a valid order.
    await agent.run("And again?", memory=memory_for(zep))
    replay = [msg for msg in script.seen[-2] if msg.role is not MessageRole.SYSTEM]
    roles = [msg.role for msg in replay]
    assert roles[:4] == ["user", "assistant", "tool", "assistant"]
    call_id = next(b for b in replay[1].blocks if isinstance(b, ToolCallBlock)).tool_call_id
    assert replay[2].additional_kwargs["tool_call_id"] == call_id
    assert replay[2].content == "5"


async def test_memory_block_adds_context_and_stores_flushed(zep: Counted) -> None:
    """Memory flushes old messages into Zep through the block and shows Zep's context."""
    # priority=0: never truncated; the 60-token limit here leaves no room for the context.
    block = ZepMemoryBlock(
        session_id="s1", priority=0, client=zep.client, async_client=zep.async_client
    )
    memory = Memory.from_defaults(
        session_id="local",
        token_limit=60,
        chat_history_token_ratio=0.5,
        token_flush_size=20,
        memory_blocks=[block],
    )
    for i in range(8):
        await memory.aput(ChatMessage(role="user", content=f"I live in Paris and like tea {i}"))
    stored = zep.client.get_messages("s1").messages
    assert stored, "flushed messages reach Zep"
    assert all(msg.role_type == "user" for msg in stored)
    messages = await memory.aget()
    assert "zep_memory" in (messages[0].content or "")
    assert "Paris" in (messages[0].content or "")


async def test_langchain_written_session_reads_back(zep: Counted) -> None:
    """Messages written with LangChain-style metadata read back with the right roles."""
    lc: list[tuple[str, dict[str, Any]]] = [
        ("user", {"type": "human", "data": {"content": "What is 1 + 1?"}}),
        (
            "assistant",
            {
                "type": "ai",
                "data": {
                    "content": "",
                    "tool_calls": [{"name": "add", "args": {"a": 1, "b": 1}, "id": "t1"}],
                },
            },
        ),
        ("tool", {"type": "tool", "data": {"content": "2", "tool_call_id": "t1"}}),
        ("assistant", {"type": "ai", "data": {"content": "It is 2."}}),
    ]
    zep.client.run(
        _sessions.write_messages(
            "s1",
            [
                {
                    "role_type": rt,
                    "content": d["data"]["content"] or "call",
                    "metadata": {"langchain": d},
                }
                for rt, d in lc
            ],
        )
    )
    messages = memory_for(zep).get_all()
    assert [msg.role for msg in messages] == ["user", "assistant", "tool", "assistant"]
    assert messages[1].additional_kwargs["tool_calls"][0]["id"] == "t1"
    assert messages[2].additional_kwargs["tool_call_id"] == "t1"


async def test_ended_session_errors_are_not_swallowed(mode: str, zep: Counted) -> None:
    """Writing to an ended session raises ConflictError at once, from put()."""
    from zep_integrations.errors import ConflictError

    memory = memory_for(zep)
    memory.put_messages([ChatMessage(role="user", content="hi")])
    zep.client.end_session("s1")
    with pytest.raises(ConflictError, match="has ended"):
        if mode == "sync":
            memory.put(ChatMessage(role="user", content="still there?"))
        else:
            await memory.aput(ChatMessage(role="user", content="still there?"))
    assert [msg.content for msg in memory.get_all()] == ["hi"]


async def test_cached_memory_keeps_unsent_message_on_conflict(mode: str, zep: Counted) -> None:
    """With cache_window, the deferred user message stays pending when its write fails."""
    from zep_integrations.errors import ConflictError

    memory = memory_for(zep, cache_window=True)
    memory.put_messages([ChatMessage(role="user", content="hi")])
    zep.client.end_session("s1")
    memory.put(ChatMessage(role="user", content="still there?"))
    with pytest.raises(ConflictError, match="has ended"):
        if mode == "sync":
            memory.get()
        else:
            await memory.aget()
    assert [msg.content for msg in memory._pending] == ["still there?"]
