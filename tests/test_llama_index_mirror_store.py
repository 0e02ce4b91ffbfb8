"""ZepMirrorChatStore passes the same AsyncDBChatStore behaviour suite as SQLAlchemyChatStore.

``SQLAlchemyChatStore`` (LlamaIndex's own store) is the oracle: every test body runs against it,
against the in-process ``LocalQueue``, and against the mirror over either, with the same results.
``mode`` drives the body from sync code
(``asyncio_run``, as ``Memory``'s sync methods do, with only a sync client given) or awaits it
(with only an async client given).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from llama_index.core.async_utils import asyncio_run
from llama_index.core.llms import ChatMessage
from llama_index.core.storage.chat_store.base_db import AsyncDBChatStore, MessageStatus
from llama_index.core.storage.chat_store.sql import SQLAlchemyChatStore

from tests.conftest import VERSIONS
from tests.llama_index_support import counted_clients
from tests.version_support import read_kind, stored
from zep_integrations import AsyncZepClient, ZepClient
from zep_integrations.llama_index import ZepMirrorChatStore
from zep_integrations.llama_index._queue import LocalQueue

ACTIVE, ARCHIVED = MessageStatus.ACTIVE, MessageStatus.ARCHIVED
Body = Callable[[AsyncDBChatStore], Awaitable[None]]


def msg(role: str, text: str) -> ChatMessage:
    return ChatMessage(role=role, content=text)


TURNS = [msg("user", f"u{i}") if i % 2 == 0 else msg("assistant", f"a{i}") for i in range(6)]


def make_store(kind: str, mode: str, db: Path) -> AsyncDBChatStore:
    if kind == "sqlalchemy":
        return SQLAlchemyChatStore(table_name="t")
    if kind == "local-queue":
        return LocalQueue()
    inner = SQLAlchemyChatStore(table_name="t") if kind == "zep-mirror-sql" else None
    # "zep-mirror-v3"/"-v4": the mirror on that Zep API version (else v2).
    version = kind.rsplit("-", 1)[1] if kind[-3:] in ("-v3", "-v4") else "v2"
    if mode == "sync":
        return ZepMirrorChatStore(inner, client=ZepClient(db_path=db, api_version=version))
    return ZepMirrorChatStore(inner, async_client=AsyncZepClient(db_path=db, api_version=version))


async def drive(mode: str, body: Body, store: AsyncDBChatStore) -> None:
    if mode == "sync":
        asyncio_run(body(store))
    else:
        await body(store)


def contents(messages: list[ChatMessage]) -> list[str | None]:
    return [m.content for m in messages]


async def body_counts_and_archive(store: AsyncDBChatStore) -> None:
    await store.add_messages("k", TURNS[:4])
    await store.add_message("k", TURNS[4])
    assert await store.count_messages("k") == 5
    archived = await store.archive_oldest_messages("k", 2)
    assert contents(archived) == ["u0", "a1"]
    assert await store.count_messages("k", ACTIVE) == 3
    assert await store.count_messages("k", ARCHIVED) == 2
    assert await store.count_messages("k", None) == 5
    assert contents(await store.get_messages("k")) == ["u2", "a3", "u4"]
    assert contents(await store.get_messages("k", ARCHIVED)) == ["u0", "a1"]
    assert contents(await store.get_messages("k", None)) == ["u0", "a1", "u2", "a3", "u4"]
    assert contents(await store.get_messages("k", None, limit=2, offset=1)) == ["a1", "u2"]
    assert await store.archive_oldest_messages("k", 10) != []
    assert await store.count_messages("k", ACTIVE) == 0
    assert await store.archive_oldest_messages("k", 1) == []
    await store.add_message("k", TURNS[5], status=ARCHIVED)
    assert await store.count_messages("k", ARCHIVED) == 6


async def body_oldest_deletion(store: AsyncDBChatStore) -> None:
    await store.add_messages("k", TURNS)
    await store.archive_oldest_messages("k", 1)
    deleted = await store.delete_oldest_messages("k", 2)  # ACTIVE only, oldest first
    assert contents(deleted) == ["a1", "u2"]
    assert contents(await store.get_messages("k", None)) == ["u0", "a3", "u4", "a5"]
    assert await store.delete_oldest_messages("missing", 3) == []
    assert await store.delete_message("k", 1) is not None  # row ids start at 1: "u0"
    assert await store.delete_message("k", 1) is None
    assert await store.delete_message("k", 10**6) is None
    assert contents(await store.get_messages("k", None)) == ["a3", "u4", "a5"]


async def body_keys_set_delete(store: AsyncDBChatStore) -> None:
    assert await store.get_keys() == []
    await store.add_messages("a", TURNS[:2])
    await store.add_message("b", TURNS[2])
    assert sorted(await store.get_keys()) == ["a", "b"]
    await store.set_messages("a", [TURNS[0], TURNS[3]])
    assert contents(await store.get_messages("a")) == ["u0", "a3"]
    await store.archive_oldest_messages("a", 1)
    await store.delete_messages("a", status=ARCHIVED)
    assert contents(await store.get_messages("a", None)) == ["a3"]
    await store.delete_messages("a")
    assert await store.get_messages("a", None) == []
    assert await store.count_messages("a", None) == 0
    assert await store.get_keys() == ["b"]
    assert await store.get_messages("never", None) == []
    assert await store.count_messages("never") == 0


BODIES = {
    "counts-and-archive": body_counts_and_archive,
    "oldest-deletion": body_oldest_deletion,
    "keys-set-delete": body_keys_set_delete,
}


@pytest.mark.parametrize(
    "kind",
    ["sqlalchemy", "local-queue", "zep-mirror", "zep-mirror-sql", "zep-mirror-v3", "zep-mirror-v4"],
)
@pytest.mark.parametrize("name", BODIES)
async def test_behaviour_suite(name: str, kind: str, mode: str, tmp_path: Path) -> None:
    """The store behaves like LlamaIndex's SQLAlchemyChatStore (the oracle)."""
    store = make_store(kind, mode, tmp_path / "z.db")
    await drive(mode, BODIES[name], store)


@pytest.mark.parametrize("version", VERSIONS)
async def test_every_added_message_reaches_zep_once(
    mode: str, tmp_path: Path, version: str
) -> None:
    """Adds go to Zep at once; set_messages sends only unseen messages; bookkeeping stays local."""
    zep = counted_clients(tmp_path / "z.db", version)
    # On v4 the key is the thread UUID the app stored (any client can reach it by that).
    key = "s"
    if version == "v4":
        key = zep.client.create_user_and_thread("jane").session_id
    if mode == "sync":
        store = ZepMirrorChatStore(client=zep.client)
    else:
        store = ZepMirrorChatStore(async_client=zep.async_client)

    async def body(store: AsyncDBChatStore) -> None:
        await store.add_message(key, TURNS[0])
        await store.add_messages(key, TURNS[1:3])
        await store.archive_oldest_messages(key, 2)
        await store.delete_oldest_messages(key, 1)
        # The app passes its whole history (as agent.run(chat_history=...) does): only a5 is new.
        await store.set_messages(key, [*TURNS[:3], TURNS[5]])
        await store.set_messages(key, [*TURNS[:3], TURNS[5]])
        await store.add_message(key, TURNS[2])  # a repeated message is still a new message
        assert contents(await store.get_messages(key, None)) == ["u0", "a1", "u2", "a5", "u2"]

    await drive(mode, body, store)
    assert stored(zep.client, key) == ["u0", "a1", "u2", "a5", "u2"]


@pytest.mark.parametrize("version", VERSIONS)
async def test_reset_deletes_the_zep_session_and_is_not_undone(
    tmp_path: Path, version: str
) -> None:
    """delete_messages(key) also deletes the Zep session, so nothing is restored afterwards."""
    zep = counted_clients(tmp_path / "z.db", version)
    store = ZepMirrorChatStore(client=zep.client, async_client=zep.async_client)
    await store.add_messages("s", TURNS[:2])
    await store.delete_messages("s")
    assert zep.client.run(__import__("zep_integrations")._sessions.read_messages("s")) is None
    fresh = ZepMirrorChatStore(client=zep.client, async_client=zep.async_client)
    assert await fresh.get_messages("s") == []


@pytest.mark.parametrize("version", VERSIONS)
async def test_empty_local_queue_is_restored_from_zep(tmp_path: Path, version: str) -> None:
    """A new process with an in-memory queue restores the last messages with one read."""
    zep = counted_clients(tmp_path / "z.db", version)
    first = ZepMirrorChatStore(client=zep.client, async_client=zep.async_client)
    await first.add_messages("s", TURNS)
    zep.take()
    second = ZepMirrorChatStore(client=zep.client, async_client=zep.async_client, restore_last=4)
    assert contents(await second.get_messages("s")) == ["u2", "a3", "u4", "a5"]
    assert contents(await second.get_messages("s")) == ["u2", "a3", "u4", "a5"]
    assert zep.take() == [read_kind(zep.client, "s")]
    never = ZepMirrorChatStore(client=zep.client, async_client=zep.async_client, restore_last=0)
    assert await never.get_messages("s") == []
    assert zep.take() == []


async def test_file_backed_queue_survives_without_a_read(tmp_path: Path) -> None:
    """With a file database as inner store, a new store object sees the queue and reads nothing."""
    zep = counted_clients(tmp_path / "z.db")
    uri = f"sqlite+aiosqlite:///{tmp_path / 'queue.db'}"

    def store() -> ZepMirrorChatStore:
        inner = SQLAlchemyChatStore(table_name="q", async_database_uri=uri)
        return ZepMirrorChatStore(inner, client=zep.client, async_client=zep.async_client)

    first = store()
    await first.add_messages("s", TURNS[:3])
    await first.archive_oldest_messages("s", 1)
    zep.take()
    second = store()
    assert contents(await second.get_messages("s", ARCHIVED)) == ["u0"]
    assert contents(await second.get_messages("s")) == ["a1", "u2"]
    assert zep.take() == []


def test_bad_inner_store_is_a_type_error() -> None:
    """Passing something that is not a local AsyncDBChatStore says what to pass."""
    with pytest.raises(TypeError, match="AsyncDBChatStore"):
        ZepMirrorChatStore(inner="sqlite:///x.db")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="local store"):
        ZepMirrorChatStore(ZepMirrorChatStore())


async def test_failed_zep_write_stores_nothing_locally() -> None:
    """When Zep cannot be reached, add_message raises a typed error and the queue stays empty."""
    from zep_integrations.errors import ZepConnectionError

    down = AsyncZepClient(base_url="http://127.0.0.1:9", max_retries=0)
    store = ZepMirrorChatStore(async_client=down)
    with pytest.raises(ZepConnectionError):
        await store.add_message("s", TURNS[0])  # the restore read fails first
    store.restore_last = 0
    with pytest.raises(ZepConnectionError):
        await store.add_message("s", TURNS[0])  # then the write itself
    assert await store.inner.count_messages("s", None) == 0
    await down.aclose()


def test_session_state_is_per_api_version(tmp_path: Path) -> None:
    """Store and block share per-session state per Zep target and API version: on one server a
    v4 session id names another thread than the same id on v2, so no cached context crosses."""
    from zep_integrations._clients import ClientPair
    from zep_integrations.llama_index._link import session_state

    db = tmp_path / "z.db"
    states = [
        session_state(ClientPair(ZepClient(db_path=db, api_version=version), None), "s1")
        for version in VERSIONS
    ]
    assert len({id(state) for state in states}) == 3
    again = session_state(ClientPair(ZepClient(db_path=db, api_version="v4"), None), "s1")
    assert again is states[2]
