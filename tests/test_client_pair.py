"""Derived clients: one async client per event loop, and the adapters' shared client pair."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from zep_integrations import AsyncZepClient, ZepClient
from zep_integrations._clients import ClientPair


def test_as_async_is_shared_within_a_loop_and_fresh_across_loops(tmp_path: Path) -> None:
    """Per-request adapter objects on one loop share one async client; loops never share."""
    client = ZepClient(db_path=tmp_path / "z.db")

    async def twice() -> tuple[AsyncZepClient, AsyncZepClient]:
        return client.as_async(), client.as_async()

    first, second = asyncio.run(twice())
    assert first is second
    third, _ = asyncio.run(twice())
    assert third is not first
    assert client.as_async() is not client.as_async()  # no running loop: caller owns it
    assert third.settings == client.settings


def test_as_sync_is_memoized_with_the_same_settings() -> None:
    """An async client's derived sync client is created once and targets the same server."""
    aclient = AsyncZepClient("k", "http://h:1", max_retries=1)
    derived = aclient.as_sync()
    assert derived is aclient.as_sync()
    assert derived.settings == aclient.settings
    assert derived.max_retries == 1


def test_pair_derives_whichever_client_is_missing(tmp_path: Path) -> None:
    """Given only one client, the pair derives the other on the same target."""
    sync_only = ClientPair(ZepClient(db_path=tmp_path / "a.db"), None)
    assert sync_only.asynchronous.settings.db_path == tmp_path / "a.db"
    async_only = ClientPair(None, AsyncZepClient(db_path=tmp_path / "b.db"))
    assert async_only.sync.settings.db_path == tmp_path / "b.db"


def test_pair_rejects_the_wrong_kind_of_client(tmp_path: Path) -> None:
    """Passing an async client as client= says where it belongs."""
    with pytest.raises(TypeError, match="pass an AsyncZepClient as async_client="):
        ClientPair(AsyncZepClient(db_path=tmp_path / "z.db"), None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="async_client must be"):
        ClientPair(None, ZepClient(db_path=tmp_path / "z.db"))  # type: ignore[arg-type]


def test_llama_index_memory_with_only_an_async_client_works_sync(tmp_path: Path) -> None:
    """Both adapters accept only async_client= and still serve their sync methods."""
    from llama_index.core.llms import ChatMessage

    from zep_integrations.llama_index import ZepMemory

    memory = ZepMemory.from_defaults(
        session_id="s1", async_client=AsyncZepClient(db_path=tmp_path / "z.db")
    )
    memory.put(ChatMessage(role="user", content="hi"))
    assert [m.content for m in memory.get_all()] == ["hi"]
