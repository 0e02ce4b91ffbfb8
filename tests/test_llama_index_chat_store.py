"""ZepChatStore against the embedded server, every test once through sync and once through async."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from llama_index.core.llms import ChatMessage
from llama_index.core.memory import ChatMemoryBuffer

from tests.llama_index_support import Counted, call, counted_clients
from zep_integrations.llama_index import ZepChatStore


@pytest.fixture
def zep(tmp_path: Path) -> Counted:
    return counted_clients(tmp_path / "z.db")


def store_for(zep: Counted, user_id: str | None = None) -> ZepChatStore:
    return ZepChatStore(client=zep.client, async_client=zep.async_client, user_id=user_id)


def msgs(*texts: str) -> list[ChatMessage]:
    return [
        ChatMessage(role="user" if i % 2 == 0 else "assistant", content=text)
        for i, text in enumerate(texts)
    ]


async def test_add_get_and_missing_session(mode: str, zep: Counted) -> None:
    """Messages come back in order; a missing session reads as empty without an error."""
    store = store_for(zep)
    assert await call(mode, store, "get_messages", "nope") == []
    for message in msgs("a", "b", "c"):
        await call(mode, store, "add_message", "s1", message)
    assert await call(mode, store, "get_messages", "s1") == msgs("a", "b", "c")


async def test_index_deletes_are_faithful(mode: str, zep: Counted) -> None:
    """delete_message(idx) removes exactly that message from later reads, like SimpleChatStore."""
    store = store_for(zep)
    await call(mode, store, "set_messages", "s1", msgs("a", "b", "c", "d"))
    assert (await call(mode, store, "delete_message", "s1", 1)).content == "b"
    assert [m.content for m in await call(mode, store, "get_messages", "s1")] == ["a", "c", "d"]
    # Indexes refer to the live messages, so index 1 is now "c".
    assert (await call(mode, store, "delete_message", "s1", 1)).content == "c"
    assert (await call(mode, store, "delete_last_message", "s1")).content == "d"
    assert [m.content for m in await call(mode, store, "get_messages", "s1")] == ["a"]
    assert await call(mode, store, "delete_message", "s1", 5) is None
    assert await call(mode, store, "delete_last_message", "missing") is None


async def test_delete_message_costs_two_requests(mode: str, zep: Counted) -> None:
    """An index delete is one read and one metadata PATCH."""
    store = store_for(zep)
    await call(mode, store, "set_messages", "s1", msgs("a", "b"))
    zep.take()
    await call(mode, store, "delete_message", "s1", 0)
    assert [r.split(" ")[0] for r in zep.take()] == ["GET", "PATCH"]


async def test_set_messages_replaces_and_delete_messages_returns(mode: str, zep: Counted) -> None:
    """set_messages rewrites the session; delete_messages returns what it removed."""
    store = store_for(zep)
    await call(mode, store, "set_messages", "s1", msgs("a", "b"))
    await call(mode, store, "set_messages", "s1", msgs("x", "y", "z"))
    assert await call(mode, store, "get_messages", "s1") == msgs("x", "y", "z")
    assert await call(mode, store, "delete_messages", "s1") == msgs("x", "y", "z")
    assert await call(mode, store, "get_messages", "s1") == []
    assert await call(mode, store, "delete_messages", "s1") is None
    await call(mode, store, "set_messages", "s1", [])
    assert await call(mode, store, "get_messages", "s1") == []


async def test_get_keys_scoped_to_user(mode: str, zep: Counted) -> None:
    """With user_id, keys are that user's sessions (created with the user on first write)."""
    jane, bob = store_for(zep, "jane"), store_for(zep, "bob")
    await call(mode, jane, "add_message", "j1", msgs("a")[0])
    await call(mode, jane, "add_message", "j2", msgs("a")[0])
    await call(mode, bob, "add_message", "b1", msgs("a")[0])
    assert sorted(await call(mode, jane, "get_keys")) == ["j1", "j2"]
    assert await call(mode, store_for(zep, "nobody"), "get_keys") == []
    assert sorted(await call(mode, store_for(zep), "get_keys")) == ["b1", "j1", "j2"]
    assert zep.client.get_session("j1").user_id == "jane"


async def test_get_keys_lists_in_insertion_order(mode: str, zep: Counted) -> None:
    """Keys come back oldest first, as LlamaIndex's own chat-store tests expect."""
    for owner in (None, "jane"):
        store = store_for(zep, owner)
        keys = [f"{owner}-{i}" for i in (3, 1, 4, 0, 2)]
        for key in keys:
            await call(mode, store, "add_message", key, msgs("a")[0])
        listed = await call(mode, store, "get_keys")
        assert [key for key in listed if key.startswith(f"{owner}-")] == keys


async def test_add_message_request_count(mode: str, zep: Counted) -> None:
    """Without a user, every add is one POST (Zep creates the session); with one, once more."""
    store = store_for(zep)
    for message in msgs("a", "b"):
        await call(mode, store, "add_message", "s1", message)
    assert zep.take() == ["POST sessions/s1/memory"] * 2
    owned = store_for(zep, "jane")
    for message in msgs("a", "b"):
        await call(mode, owned, "add_message", "s2", message)
    assert zep.take() == [
        "POST sessions",
        "POST users",
        "POST sessions",
        "POST sessions/s2/memory",
        "POST sessions/s2/memory",
    ]


def test_thread_safe_under_chat_memory_buffer(tmp_path: Path) -> None:
    """Concurrent writers from threads (as ChatMemoryBuffer users do) lose nothing."""
    zep = counted_clients(tmp_path / "z.db")
    store = store_for(zep)
    buffers = [
        ChatMemoryBuffer.from_defaults(chat_store=store, chat_store_key=f"k{i % 2}")
        for i in range(4)
    ]

    def work(buffer: ChatMemoryBuffer, n: int) -> None:
        for j in range(5):
            buffer.put(ChatMessage(role="user", content=f"{n}-{j}"))

    threads = [threading.Thread(target=work, args=(b, i)) for i, b in enumerate(buffers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(store.get_messages("k0")) == 10
    assert len(store.get_messages("k1")) == 10
    assert len(buffers[0].get()) == 10
