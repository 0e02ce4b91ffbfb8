"""Every adapter on every API version the embedded server answers, with request budgets.

v2 and v4 run in-process; v3 joins ``VERSIONS`` once the embedded server answers it (see the
report of this branch). The same test body runs on each version: the seam keeps the adapters'
behaviour identical.
"""

from __future__ import annotations

import os
import tempfile
from typing import Any

import httpx
import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
from llama_index.core.llms import ChatMessage, MessageRole

from zep_integrations import ZepClient
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
    """Both search scopes answer a list (facts -> edges, messages -> episodes on v3/v4)."""
    client, _, session, user = _client(version)
    ZepChatMessageHistory(session_id=session, user_id=user, client=client).add_messages(
        [HumanMessage("I like hiking in the Alps")]
    )
    for scope in ("messages", "facts"):
        retriever = ZepRetriever(session_id=session, client=client, search_scope=scope)
        assert isinstance(retriever.invoke("hiking"), list)


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
