"""Every adapter on every API version the embedded server answers, with request budgets.

v2 and v4 run in-process; v3 joins ``VERSIONS`` once the embedded server answers it (see the
report of this branch). The same test body runs on each version: the seam keeps the adapters'
behaviour identical.
"""

from __future__ import annotations

import os
import tempfile
import warnings
from typing import Any

import httpx
import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
from llama_index.core.chat_engine import SimpleChatEngine
from llama_index.core.llms import ChatMessage, MessageRole, MockLLM

from tests.conftest import run_maybe_async
from zep_integrations import AsyncZepClient, ZepClient
from zep_integrations.langchain import ZepChatMessageHistory, ZepRetriever
from zep_integrations.llama_index import ZepChatStore, ZepMemory

VERSIONS = ["v2", "v3", "v4"]


class Counting(httpx.BaseTransport):
    """Forwards to the embedded server and counts requests."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.requests: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(f"{request.method} {request.url.path}")
        response: httpx.Response = self.inner.handle_request(request)
        return response


def _client(version: str) -> tuple[ZepClient, Counting, str, str]:
    client = ZepClient(db_path=os.path.join(tempfile.mkdtemp(), "z.db"), api_version=version)
    counting = Counting(client._http._transport)
    client._http._transport = counting
    # v4 addresses by UUID: the app creates the user and thread once and stores their UUIDs.
    ids = client.create_user_and_thread("jane", first_name="Jane")
    counting.requests.clear()
    return client, counting, ids.session_id, ids.user_id


@pytest.mark.parametrize("version", VERSIONS)
def test_langchain_history_round_trip_and_budget(version: str) -> None:
    """Messages round-trip losslessly; a turn costs 1 read + 1 write on a known session."""
    client, counting, session, user = _client(version)
    history = ZepChatMessageHistory(
        session_id=session, user_id=user, client=client, context_as_system_message=False
    )
    sent = [
        SystemMessage("be brief"),
        HumanMessage("I like hiking", name="Jane"),
        AIMessage("Noted."),
    ]
    history.add_messages(sent)
    assert [(type(m), m.content) for m in history.messages] == [(type(m), m.content) for m in sent]
    counting.requests.clear()
    _ = history.messages
    history.add_messages([HumanMessage("and chess")])
    assert len(counting.requests) == 2, counting.requests
    history.clear()
    assert history.messages == []
    history.clear()  # idempotent


@pytest.mark.parametrize("version", VERSIONS)
def test_langchain_retriever_searches_without_errors(version: str) -> None:
    """Messages come back readable (messages -> episodes, facts -> edges on v3/v4)."""
    client, _, session, user = _client(version)
    ZepChatMessageHistory(session_id=session, user_id=user, client=client).add_messages(
        [HumanMessage("I like hiking in the Alps")]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a payload the adapter cannot read would warn
        found = ZepRetriever(session_id=session, client=client, search_scope="messages").invoke(
            "hiking"
        )
        facts = ZepRetriever(session_id=session, client=client, search_scope="facts").invoke(
            "hiking"
        )
    assert [doc.page_content for doc in found] == ["I like hiking in the Alps"]
    assert isinstance(facts, list)


@pytest.mark.parametrize("version", VERSIONS)
def test_llama_index_memory_round_trip(version: str) -> None:
    """ZepMemory keeps the conversation on every version."""
    client, _, session, user = _client(version)
    memory = ZepMemory(session_id=session, user_id=user, client=client)
    memory.put(ChatMessage(role=MessageRole.USER, content="I like hiking"))
    memory.put(ChatMessage(role=MessageRole.ASSISTANT, content="Noted."))
    contents = [msg.content for msg in memory.get_all()]
    assert contents == ["I like hiking", "Noted."]
    memory.reset()
    assert memory.get_all() == []


@pytest.mark.parametrize("version", VERSIONS)
def test_llama_index_chat_store_round_trip(version: str) -> None:
    """ZepChatStore sets, reads, deletes one message and deletes all, on every version."""
    client, _, session, user = _client(version)
    store = ZepChatStore(client=client, user_id=user)
    messages = [
        ChatMessage(role=MessageRole.USER, content="one"),
        ChatMessage(role=MessageRole.ASSISTANT, content="two"),
        ChatMessage(role=MessageRole.USER, content="three"),
    ]
    store.set_messages(session, messages)
    assert [m.content for m in store.get_messages(session)] == ["one", "two", "three"]
    deleted = store.delete_message(session, 1)
    assert deleted is not None and deleted.content == "two"
    assert [m.content for m in store.get_messages(session)] == ["one", "three"]
    store.delete_messages(session)
    assert store.get_messages(session) == []


class ACounting(httpx.AsyncBaseTransport):
    """The async twin of :class:`Counting`, appending to the same list."""

    def __init__(self, inner: Any, requests: list[str]) -> None:
        self.inner = inner
        self.requests = requests

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(f"{request.method} {request.url.path}")
        response: httpx.Response = await self.inner.handle_async_request(request)
        return response


def _pair(version: str) -> tuple[ZepClient, AsyncZepClient, Counting, Any]:
    """A sync and an async client on one database, one ID cache, one request log."""
    path = os.path.join(tempfile.mkdtemp(), "z.db")
    client = ZepClient(db_path=path, api_version=version)
    counting = Counting(client._http._transport)
    client._http._transport = counting
    aclient = AsyncZepClient(db_path=path, api_version=version)
    aclient._http._transport = ACounting(aclient._http._transport, counting.requests)
    aclient._info = client._info
    ids = client.create_user_and_thread("jane", first_name="Jane")
    counting.requests.clear()
    return client, aclient, counting, ids


@pytest.mark.parametrize("version", VERSIONS)
def test_langchain_turn_budget_is_one_read_one_write(mode: str, version: str) -> None:
    """With the context as a system message, a turn is 1 read + 1 write after the first."""
    client, aclient, counting, ids = _pair(version)

    def history() -> ZepChatMessageHistory:  # one object per turn, as RunnableWithMessageHistory
        return ZepChatMessageHistory(
            session_id=ids.session_id,
            user_id=ids.user_id,
            client=client,
            async_client=aclient,
            context_as_system_message=True,
        )

    async def aturn(i: int) -> None:
        chat = history()
        _ = await chat.aget_messages()
        await chat.aadd_messages([HumanMessage(f"I live in Paris {i}"), AIMessage("Noted.")])

    def turn(i: int) -> None:
        chat = history()
        _ = chat.messages
        chat.add_messages([HumanMessage(f"I live in Paris {i}"), AIMessage("Noted.")])

    counts = []
    for i in range(3):
        run_maybe_async(mode, lambda i=i: turn(i), lambda i=i: aturn(i))
        counts.append(len(counting.requests))
        counting.requests.clear()
    assert counts[1:] == [2, 2], counts


@pytest.mark.parametrize("cache_window", [False, True])
@pytest.mark.parametrize("version", VERSIONS)
def test_llama_index_turn_budget(mode: str, version: str, cache_window: bool) -> None:
    """A SimpleChatEngine turn costs 3 requests, 2 with cache_window, on every version."""
    client, aclient, counting, ids = _pair(version)
    memory = ZepMemory(
        session_id=ids.session_id,
        user_id=ids.user_id,
        client=client,
        async_client=aclient,
        cache_window=cache_window,
    )
    engine = SimpleChatEngine.from_defaults(memory=memory, llm=MockLLM(max_tokens=4))
    counts = []
    for i in range(3):
        run_maybe_async(
            mode, lambda i=i: engine.chat(f"turn {i}"), lambda i=i: engine.achat(f"turn {i}")
        )
        counts.append(len(counting.requests))
        counting.requests.clear()
    assert counts[1:] == ([2, 2] if cache_window else [3, 3]), counts


@pytest.mark.parametrize("version", VERSIONS)
def test_cross_framework_story(version: str) -> None:
    """LangChain writes a conversation; LlamaIndex memory and chat store read the same one."""
    client, _, _, ids = _pair(version)
    ZepChatMessageHistory(
        session_id=ids.session_id, user_id=ids.user_id, client=client
    ).add_messages([HumanMessage("I moved to Lisbon"), AIMessage("Lisbon is lovely.")])
    memory = ZepMemory(session_id=ids.session_id, user_id=ids.user_id, client=client)
    assert [m.content for m in memory.get_all()] == ["I moved to Lisbon", "Lisbon is lovely."]
    memory.put(ChatMessage(role=MessageRole.USER, content="And I cycle"))
    store = ZepChatStore(client=client, user_id=ids.user_id)
    assert [m.content for m in store.get_messages(ids.session_id)][-1] == "And I cycle"
    assert ids.session_id in store.get_keys()
    history = ZepChatMessageHistory(session_id=ids.session_id, client=client)
    assert [m.content for m in history.messages][-1] == "And I cycle"


@pytest.mark.parametrize("version", VERSIONS)
def test_context_is_one_leading_system_message(version: str) -> None:
    """A fresh reader gets Zep's context as exactly one leading system message."""
    client, _, _, ids = _pair(version)
    ZepChatMessageHistory(
        session_id=ids.session_id, user_id=ids.user_id, client=client
    ).add_messages([HumanMessage("I live in Paris"), AIMessage("Nice city.")])
    fresh = ZepClient(db_path=str(client.settings.db_path), api_version=version)
    fresh._info.ids.update(client._info.ids)  # the app passes UUIDs; no context is cached
    reader = ZepChatMessageHistory(
        session_id=ids.session_id, client=fresh, context_as_system_message=True
    )
    messages = reader.messages
    context = reader.last_memory.context if reader.last_memory else None
    assert context, "the embedded server produced no context to test with"
    assert isinstance(messages[0], SystemMessage) and context in str(messages[0].content)
    assert sum(isinstance(m, SystemMessage) for m in messages) == 1
    assert messages[1:] == [HumanMessage("I live in Paris"), AIMessage("Nice city.")]


@pytest.mark.parametrize("version", ["v3", "v4"])
def test_users_and_threads_are_created_from_app_ids(version: str) -> None:
    """Without the helper, an app user id and session id still work (v4: looked up, created)."""
    client = ZepClient(db_path=os.path.join(tempfile.mkdtemp(), "z.db"), api_version=version)
    history = ZepChatMessageHistory(session_id="chat-1", user_id="app-user-7", client=client)
    history.add_messages([HumanMessage("hello")])
    assert [m.content for m in history.messages] == ["hello"]
    if version == "v3":
        assert client.v3.get_user("app-user-7").user_id == "app-user-7"
    else:
        user = client.v4.lookup_user(user_id="app-user-7")
        threads = list(client.v4.list_threads(user_uuid=user.uuid))
        assert len(threads) == 1


@pytest.mark.parametrize("version", VERSIONS)
def test_session_search_stays_in_its_session(version: str) -> None:
    """A session's message search returns that session's messages, not its user's others."""
    client, _, _, ids = _pair(version)
    other = client.create_user_and_thread(ids.user_id if version != "v4" else "jane")
    ZepChatMessageHistory(
        session_id=ids.session_id, user_id=ids.user_id, client=client
    ).add_messages([HumanMessage("The cat is called Momo")])
    ZepChatMessageHistory(
        session_id=other.session_id, user_id=other.user_id, client=client
    ).add_messages([HumanMessage("The dog is called Rex")])
    retriever = ZepRetriever(session_id=ids.session_id, client=client, search_scope="messages")
    assert [doc.page_content for doc in retriever.invoke("what is it called")] == [
        "The cat is called Momo"
    ]
