"""LangChain adapter scenarios, replayed from cassettes and run live, sync and async.

Each scenario is an ``async def`` that gets the real ``ZepClient`` (sync mode) or the real
``AsyncZepClient`` (async mode) and drives the adapters through the matching sync or async API.
Every LangChain message that reaches the wire has a fixed ``id`` (or none), so the recorded
request bodies are the same on every run.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import Any

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.prompts import ChatPromptTemplate, MessagesPlaceholder
from langchain_core.runnables import RunnableConfig
from langchain_core.runnables.history import RunnableWithMessageHistory

from tests.cassette_support import run_live, run_replay
from tests.langchain_support import Api
from zep_integrations import AsyncZepClient, ZepClient
from zep_integrations.langchain import ZepChatMessageHistory, ZepRetriever

pytestmark = pytest.mark.filterwarnings("ignore:RunnableWithMessageHistory is deprecated")

Zep = ZepClient | AsyncZepClient


def api_for(zep: Zep) -> Api:
    """The sync API for a ``ZepClient``, the async API for an ``AsyncZepClient``."""
    return Api("async" if isinstance(zep, AsyncZepClient) else "sync")


async def call(zep: Zep, name: str, *args: Any, **kwargs: Any) -> Any:
    """Call a client method directly, awaiting it on an ``AsyncZepClient``."""
    result = getattr(zep, name)(*args, **kwargs)
    return await result if inspect.isawaitable(result) else result


def clients(zep: Zep) -> dict[str, Any]:
    """Adapter keyword arguments that hand over only the client of this mode."""
    return {"async_client": zep} if isinstance(zep, AsyncZepClient) else {"client": zep}


def history(zep: Zep, session_id: str, **kwargs: Any) -> ZepChatMessageHistory:
    """A history on the scenario's client."""
    return ZepChatMessageHistory(session_id, **clients(zep), **kwargs)


async def scenario_chat(zep: Zep) -> None:
    """Four RunnableWithMessageHistory turns (invoke and stream) for a new user's session."""
    api = api_for(zep)
    replies = ["Hello Jane!", "You did not say.", "Noted: Paris.", "Bye!"]
    model = GenericFakeChatModel(
        messages=iter(AIMessage(text, id=f"lc-ai-{i}") for i, text in enumerate(replies))
    )
    prompt = ChatPromptTemplate.from_messages(
        [("system", "Be brief."), MessagesPlaceholder("history"), ("human", "{question}")]
    )
    chain = RunnableWithMessageHistory(
        prompt | model,
        lambda session_id: history(zep, session_id, user_id="cassette-lc-jane"),
        input_messages_key="question",
        history_messages_key="history",
    )
    config: RunnableConfig = {"configurable": {"session_id": "cassette-lc-chat"}}
    questions = ["Hi, I'm Jane", "Where do I live?", "I live in Paris", "Bye"]
    for turn, question in enumerate(questions):
        if turn % 2 == 0:
            answer = (await api.invoke(chain, {"question": question}, config)).content
        else:
            chunks = await api.stream(chain, {"question": question}, config)
            answer = "".join(chunk.content for chunk in chunks)
        assert answer == replies[turn]
    stored = await api.messages(history(zep, "cassette-lc-chat"))
    assert [msg.content for msg in stored] == [
        text for pair in zip(questions, replies, strict=True) for text in pair
    ]
    assert [type(msg) for msg in stored] == [HumanMessage, AIMessage] * 4
    assert [msg.id for msg in stored[1::2]] == [f"lc-ai-{i}" for i in range(4)]


TOOL_EXCHANGE = [
    SystemMessage("You can add numbers.", id="lc-sys"),
    HumanMessage("What is 2 + 3?", id="lc-h1", name="Jane"),
    AIMessage(
        "",
        id="lc-ai-call",
        tool_calls=[{"name": "add", "args": {"a": 2, "b": 3}, "id": "call-1"}],
        usage_metadata={"input_tokens": 5, "output_tokens": 2, "total_tokens": 7},
    ),
    ToolMessage("5", tool_call_id="call-1", name="add", artifact={"raw": 5}),
    AIMessage("2 + 3 = 5.", id="lc-ai-answer"),
]


async def scenario_tool_calls(zep: Zep) -> None:
    """A tool-call exchange is written in one request and reads back exactly, from a new object."""
    api = api_for(zep)
    await api.add(history(zep, "cassette-lc-tools"), TOOL_EXCHANGE)
    back = await api.messages(history(zep, "cassette-lc-tools"))
    assert back == TOOL_EXCHANGE
    assert [type(msg) for msg in back] == [type(msg) for msg in TOOL_EXCHANGE]
    stored = await call(zep, "get_messages", "cassette-lc-tools")
    assert stored.messages[2].content == '[tool call: add({"a": 2, "b": 3})]'


async def scenario_window_context(zep: Zep) -> None:
    """A window drops tool results cut from their call; context becomes a system message."""
    api = api_for(zep)
    chat = history(zep, "cassette-lc-window", user_id="cassette-lc-window-user")
    await api.add(
        chat,
        [
            HumanMessage("I live in Paris and I like trains.", id="lc-w1"),
            AIMessage("Paris has great trains.", id="lc-w2"),
            *TOOL_EXCHANGE[1:],
            HumanMessage("Thanks!", id="lc-w3"),
        ],
    )
    windowed = await api.messages(history(zep, "cassette-lc-window", window=3))
    # The last three are ToolMessage, AIMessage, HumanMessage: the orphan tool result is dropped.
    assert [msg.id for msg in windowed] == ["lc-ai-answer", "lc-w3"]
    with_context = history(zep, "cassette-lc-window", window=2, context_as_system_message=True)
    messages = await api.messages(with_context)
    assert isinstance(messages[0], SystemMessage)
    assert with_context.last_memory is not None and with_context.last_memory.context
    assert messages[0].content == with_context.last_memory.context
    assert [msg.id for msg in messages[1:]] == ["lc-ai-answer", "lc-w3"]
    memory = await api.memory(history(zep, "cassette-lc-window", window=4))
    assert [msg.content for msg in memory.messages or []][-1] == "Thanks!"


async def scenario_clear(zep: Zep) -> None:
    """Clear deletes the session, twice is fine, and the session can be written again."""
    api = api_for(zep)
    chat = history(zep, "cassette-lc-clear")
    await api.add(chat, [HumanMessage("Hi", id="lc-c1"), AIMessage("Hello", id="lc-c2")])
    assert len(await api.messages(chat)) == 2
    await api.clear(chat)
    await api.clear(chat)
    assert await api.messages(chat) == []
    await api.add(chat, [HumanMessage("again", id="lc-c3")])
    assert [msg.content for msg in await api.messages(history(zep, "cassette-lc-clear"))] == [
        "again"
    ]


async def scenario_retriever(zep: Zep) -> None:
    """ZepRetriever searches one session and all of a user's sessions; a missing one is empty."""
    api = api_for(zep)
    user = "cassette-lc-ret-user"
    await api.add(
        history(zep, "cassette-lc-ret-1", user_id=user),
        [
            HumanMessage("I love hiking in the Alps", id="lc-r1"),
            AIMessage("The Alps are great for hiking.", id="lc-r2"),
            HumanMessage("Pizza is my favourite food", id="lc-r3"),
        ],
    )
    await api.add(
        history(zep, "cassette-lc-ret-2", user_id=user),
        [HumanMessage("Next summer I go hiking in Norway", id="lc-r4")],
    )
    session = ZepRetriever(session_id="cassette-lc-ret-1", k=2, **clients(zep))
    docs = await api.retrieve(session, "hiking mountains")
    assert len(docs) == 2 and "pizza" not in " ".join(d.page_content.lower() for d in docs)
    assert all(doc.metadata["session_id"] == "cassette-lc-ret-1" for doc in docs)
    top = await api.retrieve(session, "favourite food", k=1)
    assert [doc.page_content for doc in top] == ["Pizza is my favourite food"]
    across = ZepRetriever(user_id=user, k=4, **clients(zep))
    found = await api.retrieve(across, "hiking")
    assert {doc.metadata["session_id"] for doc in found} == {
        "cassette-lc-ret-1",
        "cassette-lc-ret-2",
    }
    missing = ZepRetriever(session_id="cassette-lc-ret-missing", **clients(zep))
    assert await api.retrieve(missing, "anything") == []


SCENARIOS = {
    "chat": scenario_chat,
    "tool-calls": scenario_tool_calls,
    "window-context": scenario_window_context,
    "clear": scenario_clear,
    "retriever": scenario_retriever,
}


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
