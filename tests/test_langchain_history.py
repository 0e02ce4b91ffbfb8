"""ZepChatMessageHistory against the in-process embedded server, each test run sync and async."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Any

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    ChatMessage,
    FunctionMessage,
    HumanMessage,
    HumanMessageChunk,
    SystemMessage,
    ToolMessage,
    message_chunk_to_message,
)
from langchain_core.prompt_values import PromptValue
from langchain_core.prompts import ChatPromptTemplate, MessagesPlaceholder
from langchain_core.runnables import RunnableConfig, RunnableLambda
from langchain_core.runnables.history import RunnableWithMessageHistory

from tests.langchain_support import Api, Wire, make_wire
from zep_integrations import ConflictError, NotFoundError
from zep_integrations.langchain import ZepChatMessageHistory


@pytest.fixture(params=["sync", "async"])
def api(request: pytest.FixtureRequest) -> Api:
    """Drive the test body through the sync or the async API."""
    return Api(str(request.param))


@pytest.fixture
def wire(tmp_path: Path) -> Wire:
    """Recording clients on a private embedded server."""
    return make_wire(tmp_path / "zep.db")


def history(wire: Wire, session_id: str = "s1", **kwargs: Any) -> ZepChatMessageHistory:
    """A history on the recording clients."""
    return ZepChatMessageHistory(
        session_id, client=wire.client, async_client=wire.aclient, **kwargs
    )


EVERY_CLASS: list[BaseMessage] = [
    SystemMessage("You are terse.", id="sys-1"),
    HumanMessage("Hi, I'm Jane", name="Jane", additional_kwargs={"lang": "en"}),
    HumanMessage(
        [
            {"type": "text", "text": "What is this?"},
            {"type": "image_url", "image_url": {"url": "u"}},
        ]
    ),
    AIMessage(
        "",
        id="ai-1",
        tool_calls=[{"name": "add", "args": {"a": 1, "b": 2}, "id": "call-1"}],
        invalid_tool_calls=[
            {
                "name": "bad",
                "args": "{oops",
                "id": "call-2",
                "error": "json",
                "type": "invalid_tool_call",
            }
        ],
        usage_metadata={"input_tokens": 3, "output_tokens": 4, "total_tokens": 7},
        response_metadata={"model_name": "fake", "finish_reason": "tool_calls"},
    ),
    ToolMessage("3", tool_call_id="call-1", artifact={"raw": [1, 2]}, status="success", name="add"),
    ToolMessage("boom", tool_call_id="call-2", status="error"),
    FunctionMessage("42", name="lookup"),
    ChatMessage("Looks good", role="critic"),
    AIMessage("The answer is 3.", name="assistant-bot"),
    AIMessageChunk(
        content="streamed ",
        usage_metadata={"input_tokens": 1, "output_tokens": 1, "total_tokens": 2},
    ),
    HumanMessageChunk(content="chunky"),
    AIMessage("x" * 6000),
]


async def test_every_message_class_round_trips_through_zep(api: Api, wire: Wire) -> None:
    """All LangChain message classes, chunks included, read back equal to what was written."""
    await api.add(history(wire), EVERY_CLASS)
    back = await api.messages(history(wire))
    assert back == [message_chunk_to_message(message) for message in EVERY_CLASS]
    assert [type(message) for message in back] == [
        type(message_chunk_to_message(message)) for message in EVERY_CLASS
    ]
    stored = wire.client.get_messages("s1").messages
    assert [msg.role_type for msg in stored] == [
        "system", "user", "user", "assistant", "tool", "tool", "function", "norole", "assistant",
        "assistant", "user", "assistant",
    ]  # fmt: skip
    assert (
        stored[3].content == '[tool call: add({"a": 1, "b": 2})]\n[invalid tool call: bad({oops)]'
    )
    assert len(stored[-1].content) == 2500


@pytest.mark.filterwarnings("ignore:RunnableWithMessageHistory is deprecated")
async def test_runnable_with_message_history_one_read_one_write_per_turn(
    api: Api, wire: Wire
) -> None:
    """Four turns (invoke and stream) keep the conversation and cost one read + one write each."""
    prompts: list[list[BaseMessage]] = []

    def capture(value: PromptValue) -> PromptValue:
        prompts.append(value.to_messages())
        return value

    prompt = ChatPromptTemplate.from_messages(
        [("system", "Be brief."), MessagesPlaceholder("history"), ("human", "{question}")]
    )
    replies = ["Hello Jane!", "You did not say.", "Noted: Paris.", "Bye!"]
    model = FakeListChatModel(responses=replies)
    chain = RunnableWithMessageHistory(
        prompt | RunnableLambda(capture) | model,
        lambda session_id: history(wire, session_id, user_id="jane"),
        input_messages_key="question",
        history_messages_key="history",
    )
    config: RunnableConfig = {"configurable": {"session_id": "chat-1"}}
    questions = ["Hi, I'm Jane", "Where do I live?", "I live in Paris", "Bye"]
    for turn, question in enumerate(questions):
        if turn % 2 == 0:
            answer = (await api.invoke(chain, {"question": question}, config)).content
        else:
            chunks = await api.stream(chain, {"question": question}, config)
            answer = "".join(chunk.content for chunk in chunks)
        assert answer == replies[turn]
        assert len(prompts[turn]) == 2 + 2 * turn  # system + history + question
        assert wire.clients_used() == {api.mode}  # async turns never touch the sync client
        requests = wire.take()
        if turn == 0:
            assert requests == [
                "GET sessions/chat-1/messages",  # 404: unknown session
                "POST sessions",  # 400: user jane missing
                "POST users",
                "POST sessions",
                "POST sessions/chat-1/memory",
            ]
        else:
            assert requests == ["GET sessions/chat-1/messages", "POST sessions/chat-1/memory"]
    stored = await api.messages(history(wire, "chat-1"))
    expected = [text for pair in zip(questions, replies, strict=True) for text in pair]
    assert [message.content for message in stored] == expected
    assert [type(message) for message in stored] == [HumanMessage, AIMessage] * 4
    assert wire.client.get_session("chat-1").user_id == "jane"


async def test_bulk_write_is_three_ordered_requests(api: Api, wire: Wire) -> None:
    """65 messages to a known session go out as 30 + 30 + 5, in order."""
    await api.add(history(wire, "bulk"), [HumanMessage("seed")])
    fresh = history(wire, "bulk")
    assert len(await api.messages(fresh)) == 1
    wire.take()
    await api.add(fresh, [HumanMessage(f"message {index}") for index in range(65)])
    assert [request.kind for request in wire.requests] == ["POST sessions/bulk/memory"] * 3
    sent = [
        [message["content"] for message in request.body["messages"]] for request in wire.requests
    ]
    assert [len(batch) for batch in sent] == [30, 30, 5]
    flat = [content for batch in sent for content in batch]
    assert flat == [f"message {index}" for index in range(65)]
    stored = await api.messages(history(wire, "bulk"))
    assert [message.content for message in stored] == ["seed", *flat]


async def test_empty_write_sends_nothing(api: Api, wire: Wire) -> None:
    """Adding no messages makes no request and creates no session."""
    await api.add(history(wire, "quiet"), [])
    assert wire.take() == []


@pytest.mark.parametrize(
    "options",
    [{}, {"window": 3}, {"context_as_system_message": True}],
    ids=["all", "window", "context"],
)
async def test_missing_session_reads_empty_and_is_not_created(
    api: Api, wire: Wire, options: dict[str, Any]
) -> None:
    """Reading an unknown session gives [] (no 404 leaks) with one GET and creates nothing."""
    ghost = history(wire, "ghost", **options)
    assert await api.messages(ghost) == []
    assert ghost.last_memory is None
    requests = wire.take()
    assert len(requests) == 1
    assert requests[0].startswith("GET sessions/ghost/")
    memory = await api.memory(ghost)
    assert memory.messages == []
    with pytest.raises(NotFoundError):
        wire.client.get_session("ghost")


async def test_clear_is_idempotent(api: Api, wire: Wire) -> None:
    """Clearing twice, or clearing a session that never existed, is fine."""
    chat = history(wire)
    await api.add(chat, [HumanMessage("Hi"), AIMessage("Hello")])
    await api.clear(chat)
    await api.clear(chat)
    await api.clear(history(wire, "never"))
    assert await api.messages(chat) == []
    await api.add(chat, [HumanMessage("again")])
    assert [message.content for message in await api.messages(history(wire))] == ["again"]


async def test_ended_session_raises_clear_error_and_keeps_messages(api: Api, wire: Wire) -> None:
    """Writing to an ended session raises ConflictError naming the problem; nothing is stored."""
    chat = history(wire, user_id="jane")
    await api.add(chat, [HumanMessage("Hi"), AIMessage("Hello")])
    wire.client.end_session("s1")
    for writer in (chat, history(wire, user_id="jane")):
        with pytest.raises(ConflictError, match="ended"):
            await api.add(writer, [HumanMessage(f"late {index}") for index in range(40)])
    stored = await api.messages(history(wire))
    assert [message.content for message in stored] == ["Hi", "Hello"]


async def test_concurrent_first_writes_all_succeed(api: Api, wire: Wire) -> None:
    """Eight fresh histories racing to create the same session and user all store their message."""
    writers = [history(wire, "race", user_id="racer") for _ in range(8)]
    messages = [[HumanMessage(f"writer {index}")] for index in range(8)]
    pairs = list(zip(writers, messages, strict=True))
    await api.concurrently(
        [lambda w=w, msgs=msgs: w.add_messages(msgs) for w, msgs in pairs],
        [lambda w=w, msgs=msgs: w.aadd_messages(msgs) for w, msgs in pairs],
    )
    stored = await api.messages(history(wire, "race"))
    assert sorted(message.content for message in stored) == [f"writer {i}" for i in range(8)]
    assert wire.client.get_session("race").user_id == "racer"
    assert wire.client.get_user("racer").user_id == "racer"


CONVERSATION: list[BaseMessage] = [
    HumanMessage("What is 1 + 2?"),
    AIMessage("", tool_calls=[{"name": "add", "args": {"a": 1, "b": 2}, "id": "c1"}]),
    ToolMessage("3", tool_call_id="c1"),
    AIMessage("It is 3."),
    HumanMessage("And 2 * 3 and 2 ** 3?"),
    AIMessage(
        "",
        tool_calls=[
            {"name": "mul", "args": {"a": 2, "b": 3}, "id": "c2"},
            {"name": "pow", "args": {"a": 2, "b": 3}, "id": "c3"},
        ],
    ),
    ToolMessage("6", tool_call_id="c2"),
    ToolMessage("8", tool_call_id="c3"),
    AIMessage("6 and 8."),
]


@pytest.mark.parametrize(
    ("window", "first"),
    [(1, 8), (2, 8), (3, 8), (4, 5), (5, 4), (6, 3), (7, 3), (9, 0), (50, 0)],
)
async def test_window_never_starts_with_an_orphan_tool_result(
    api: Api, wire: Wire, window: int, first: int
) -> None:
    """A window reads the last N messages with one GET memory and drops leading tool results."""
    await api.add(history(wire), CONVERSATION)
    wire.take()
    windowed = history(wire, window=window)
    assert await api.messages(windowed) == CONVERSATION[first:]
    assert [(r.kind, r.query) for r in wire.requests] == [
        ("GET sessions/s1/memory", f"lastn={window}")
    ]


async def test_context_is_one_leading_system_message_in_one_read(api: Api, wire: Wire) -> None:
    """Zep's context arrives with the messages in one read, as a single leading system message."""
    await api.add(history(wire), [HumanMessage("I live in Paris"), AIMessage("Nice city.")])
    wire.take()
    chat = history(wire, context_as_system_message=True)
    messages = await api.messages(chat)
    assert len(wire.take()) == 1
    assert isinstance(messages[0], SystemMessage)
    assert "Paris" in messages[0].content
    assert messages[1:] == [HumanMessage("I live in Paris"), AIMessage("Nice city.")]
    assert chat.last_memory is not None
    assert chat.last_memory.context == messages[0].content
    assert chat.last_memory.relevant_facts


async def test_context_merges_into_an_existing_system_message(api: Api, wire: Wire) -> None:
    """With a stored system prompt the context is appended to it, never a second system message."""
    stored = [
        SystemMessage("Be brief.", id="sys"),
        HumanMessage("I live in Paris"),
        AIMessage("Ok"),
    ]
    await api.add(history(wire), stored)
    messages = await api.messages(history(wire, context_as_system_message=True))
    assert [type(message) for message in messages] == [SystemMessage, HumanMessage, AIMessage]
    assert messages[0].id == "sys"
    assert messages[0].content.startswith("Be brief.\n\n")
    assert "Paris" in messages[0].content
    windowed = await api.messages(history(wire, window=1, context_as_system_message=True))
    assert [type(message) for message in windowed] == [SystemMessage, AIMessage]
    assert "Paris" in windowed[0].content


async def test_get_memory_exposes_context_facts_and_messages(api: Api, wire: Wire) -> None:
    """get_memory returns Zep's Memory with the window, context and relevant facts."""
    await api.add(history(wire), [HumanMessage("My dog is called Rex"), AIMessage("Cute!")])
    chat = history(wire, window=1)
    memory = await api.memory(chat)
    assert [message.content for message in memory.messages or []] == ["Cute!"]
    assert memory.context and "Rex" in memory.context
    assert any("Rex" in fact.text for fact in memory.relevant_facts or [])
    assert chat.last_memory == memory


async def test_default_clients_come_from_the_environment(api: Api, tmp_path: Path) -> None:
    """With no client the history uses the embedded default database, lazily, sync and async."""
    chat = ZepChatMessageHistory("env-session")
    await api.add(chat, [HumanMessage("stored locally")])
    assert [message.content for message in await api.messages(chat)] == ["stored locally"]
    assert (tmp_path / "default-zep.db").exists()


async def test_async_path_derives_from_the_sync_client(wire: Wire) -> None:
    """With only client= the async methods use client.as_async() on the same target."""
    chat = ZepChatMessageHistory("derived", client=wire.client)
    chat.add_messages([HumanMessage("sync write")])
    await chat.aadd_messages([AIMessage("async write")])
    assert [message.content for message in await chat.aget_messages()] == [
        "sync write",
        "async write",
    ]
    assert chat._clients.asynchronous is chat._clients.asynchronous


def test_constructor_does_no_io_and_validates(wire: Wire) -> None:
    """Building a history sends nothing; bad arguments say how to fix them."""
    ZepChatMessageHistory("s1", client=wire.client, window=5, user_id="u")
    assert wire.take() == []
    with pytest.raises(ValueError, match="session_id"):
        ZepChatMessageHistory("")
    with pytest.raises(ValueError, match="window"):
        ZepChatMessageHistory("s1", window=0)
    with pytest.raises(TypeError, match="async_client"):
        ZepChatMessageHistory("s1", client=wire.aclient)  # type: ignore[arg-type]


def test_missing_langchain_core_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without langchain-core the import fails with the pip command for the extra."""
    for name in [name for name in sys.modules if name.startswith("zep_integrations.langchain")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "langchain_core", None)  # type: ignore[arg-type]
    with pytest.raises(ImportError, match=r"pip install 'zep-integrations\[langchain\]'"):
        importlib.import_module("zep_integrations.langchain")
