"""ZepStore beyond the shared contract: Zep search with real keys, ingestion, errors, langmem."""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from langchain.agents import create_agent
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langgraph.store.base import GetOp, InvalidNamespaceError, PutOp, SearchOp
from langgraph.store.memory import InMemoryStore
from langmem import create_manage_memory_tool, create_search_memory_tool

from tests.agent_support import RecordingChatModel
from tests.conftest import VERSIONS
from tests.langchain_support import Wire, make_wire
from tests.test_faults import Faulty, clients, reply
from tests.version_support import creation_kinds, stored_messages, user_search_kind, write_kind
from tests.version_support import stored as version_stored
from zep_integrations.langchain import ZepChatMessageHistory, ZepStore
from zep_integrations.langchain._store_plan import STORE_KEY
from zep_integrations.server import ZepServer

NS = ("memories", "jane")


@pytest.fixture
def wire(tmp_path: Path, version: str) -> Wire:
    return make_wire(tmp_path / "zep.db", version)


def zep_store(wire: Wire, **kwargs: Any) -> ZepStore:
    return ZepStore(wire.client, async_client=wire.aclient, backing=InMemoryStore(), **kwargs)


def run(mode: str, store: ZepStore, method: str, *args: Any, **kwargs: Any) -> Any:
    if mode == "sync":
        return getattr(store, method)(*args, **kwargs)
    return asyncio.run(getattr(store, f"a{method}")(*args, **kwargs))


def zep_texts(wire: Wire, session: str = "langgraph-store-jane") -> list[str]:
    return version_stored(wire.client, session)


@pytest.mark.parametrize("version", VERSIONS)
def test_put_reaches_zep_and_query_search_returns_real_keys(mode: str, wire: Wire) -> None:
    """A put is written into the user's Zep memory; a query search maps hits back to items.

    Budget on every version: the first put of a user creates its store session (and the user),
    then each put is one write and each query search one request.
    """
    store = zep_store(wire)
    run(mode, store, "put", NS, "k1", {"content": "Jane loves hiking in the Alps"})
    session = "langgraph-store-jane"
    write = write_kind(wire.client, session)
    assert wire.take() == [*creation_kinds(wire.client, new_user=True), write]
    run(mode, store, "put", NS, "k2", {"content": "Jane's cat is called Momo"})
    assert wire.take() == [write]
    assert wire.clients_used() == set()  # taken; the next checks are on a fresh log
    assert zep_texts(wire) == ["Jane loves hiking in the Alps", "Jane's cat is called Momo"]
    # v3/v4 store the nested record as a JSON string; the seam gives it back as it was put.
    stored = stored_messages(wire.client, session)[0]
    assert stored.metadata == {STORE_KEY: {"namespace": ["memories", "jane"], "key": "k1"}}
    wire.take()

    hits = run(mode, store, "search", NS, query="hiking")
    assert wire.take() == [user_search_kind(wire.client, "jane")]
    assert [(h.namespace, h.key, h.value) for h in hits] == [
        (NS, "k1", {"content": "Jane loves hiking in the Alps"})
    ]
    assert hits[0].score is not None and hits[0].score > 0
    # Reads without a query cost no Zep request.
    run(mode, store, "get", NS, "k1")
    run(mode, store, "search", NS)
    run(mode, store, "list_namespaces")
    assert wire.take() == []


@pytest.mark.parametrize("version", VERSIONS)
def test_updates_and_deletes_are_never_returned_stale(mode: str, wire: Wire) -> None:
    """A replaced value comes back current; a deleted one not at all (checked in the backing)."""
    store = zep_store(wire)
    run(mode, store, "put", NS, "k", {"content": "Jane drinks tea every morning"})
    run(mode, store, "put", NS, "k", {"content": "Jane drinks coffee every morning"})
    hits = run(mode, store, "search", NS, query="morning drinks")
    assert [(h.key, h.value["content"]) for h in hits] == [
        ("k", "Jane drinks coffee every morning")
    ]
    run(mode, store, "delete", NS, "k")
    assert run(mode, store, "search", NS, query="morning drinks") == []


def test_filter_offset_and_prefix_apply_to_zep_results(mode: str, wire: Wire) -> None:
    """filter, offset and the namespace prefix narrow Zep's hits like a backing search."""
    store = zep_store(wire)
    run(mode, store, "put", NS, "a", {"content": "Jane plays chess on Mondays", "kind": "hobby"})
    run(mode, store, "put", NS, "b", {"content": "Jane plays piano on Fridays", "kind": "music"})
    run(mode, store, "put", ("notes", "jane"), "c", {"content": "Jane plays golf rarely"})
    found = run(mode, store, "search", NS, query="plays", filter={"kind": "music"})
    assert [h.key for h in found] == ["b"]
    both = run(mode, store, "search", NS, query="plays")
    assert sorted(h.key for h in both) == ["a", "b"]
    paged = run(mode, store, "search", NS, query="plays", limit=1, offset=1)
    assert [h.key for h in paged] == [both[1].key]


def test_other_memory_comes_back_under_the_prefix_with_zep_uuids(mode: str, wire: Wire) -> None:
    """Chat memory of the same user is found too: key = Zep UUID, namespace = the prefix."""
    ZepChatMessageHistory("chat-1", user_id="jane", client=wire.client).add_messages(
        [HumanMessage("I am allergic to peanuts")]
    )
    hits = run(mode, zep_store(wire), "search", NS, query="peanuts")
    assert len(hits) == 1
    assert hits[0].namespace == NS
    assert hits[0].value["content"] == "I am allergic to peanuts"
    assert hits[0].value["source"] == "zep" and hits[0].value["session_id"] == "chat-1"
    uuid.UUID(hits[0].key)


def test_index_false_and_user_for_none_stay_out_of_zep(mode: str, wire: Wire) -> None:
    """index=False and namespaces without a user are stored but not sent to Zep."""
    store = zep_store(wire, user_for=lambda ns: ns[1] if ns[0] == "memories" else None)
    run(mode, store, "put", NS, "secret", {"content": "not for Zep"}, index=False)
    run(mode, store, "put", ("cache",), "x", {"content": "local only"})
    assert wire.take() == []
    assert run(mode, store, "get", NS, "secret").value == {"content": "not for Zep"}
    assert run(mode, store, "get", ("cache",), "x").value == {"content": "local only"}


def test_raw_ops_are_validated_before_anything_is_stored(wire: Wire) -> None:
    """A raw op with an invalid label fails the whole batch; nothing reaches either store."""
    store = zep_store(wire)
    with pytest.raises(InvalidNamespaceError):
        store.batch([PutOp(NS, "ok", {"v": 1}), PutOp(("a.b",), "k", {"v": 1})])
    assert store.get(NS, "ok") is None
    assert wire.take() == []


def test_zep_search_sees_the_batch_before_its_writes(wire: Wire) -> None:
    """A query search and a put of the same batch: the search does not see the put."""
    store = zep_store(wire)
    results = store.batch(
        [
            PutOp(NS, "k", {"content": "Jane likes sailing"}),
            SearchOp(NS, query="sailing"),
            GetOp(NS, "k"),
        ]
    )
    assert results == [None, [], None]
    assert [h.key for h in store.search(NS, query="sailing")] == ["k"]


def test_zep_failure_warns_and_falls_back_to_the_backing_store(mode: str, tmp_path: Path) -> None:
    """on_error='warn': a failed Zep write keeps the value; a failed search uses the backing."""
    server = ZepServer(tmp_path / "f.db")
    faulty = Faulty(server, "POST sessions/langgraph-store-jane/memory", [reply(500)])
    sync, asyn = clients(server, faulty)
    store = ZepStore(sync, async_client=asyn, backing=InMemoryStore())
    with pytest.warns(RuntimeWarning, match="writing the puts into Zep"):
        run(mode, store, "put", NS, "k", {"content": "kept"})
    assert run(mode, store, "get", NS, "k").value == {"content": "kept"}
    faulty.match, faulty.actions = "POST sessions/search", [reply(500)]
    with pytest.warns(RuntimeWarning, match="Zep search"):
        hits = run(mode, store, "search", NS, query="kept")
    assert [h.key for h in hits] == ["k"]  # InMemoryStore ignores the query: all items
    raising = ZepStore(sync, async_client=asyn, backing=InMemoryStore(), on_error="raise")
    faulty.actions = [reply(500)]
    from zep_integrations import ServerError

    with pytest.raises(ServerError):
        run(mode, raising, "search", NS, query="kept")


def test_bad_arguments(wire: Wire) -> None:
    """Misconfiguration is a clear TypeError/ValueError."""
    with pytest.raises(TypeError, match="backing"):
        ZepStore(wire.client, backing={})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="search_scope"):
        ZepStore(wire.client, backing=InMemoryStore(), search_scope="summary")  # type: ignore[arg-type]


# -- langmem round trip through create_agent(store=ZepStore(...)) ------------------------------


def _last_tool_text(messages: list[BaseMessage]) -> str:
    return next(m.text for m in reversed(messages) if isinstance(m, ToolMessage))


def memory_agent_script(messages: list[BaseMessage], turn: int) -> AIMessage:
    """Create a memory, search it, update it by the key the tools returned, delete it."""

    def call(name: str, args: dict[str, Any]) -> AIMessage:
        return AIMessage("", tool_calls=[{"name": name, "args": args, "id": f"c{turn}"}])

    if turn == 1:
        return call("manage_memory", {"content": "Jane prefers window seats", "action": "create"})
    if turn == 2:
        return call("search_memory", {"query": "window seats"})
    if turn == 3:
        key = re.search(r'"key": ?"([0-9a-f-]{36})"', _last_tool_text(messages))
        assert key, _last_tool_text(messages)
        return call(
            "manage_memory",
            {"content": "Jane prefers aisle seats", "action": "update", "id": key.group(1)},
        )
    if turn == 4:
        key = re.search(r"updated memory ([0-9a-f-]{36})", _last_tool_text(messages))
        assert key, _last_tool_text(messages)
        return call("manage_memory", {"action": "delete", "id": key.group(1)})
    return AIMessage("done")


@pytest.mark.parametrize("version", VERSIONS)
def test_langmem_round_trip_through_create_agent(mode: str, wire: Wire) -> None:
    """langmem create -> search -> update by key -> delete by key, on ZepStore in an agent."""
    backing = InMemoryStore()
    store = ZepStore(wire.client, async_client=wire.aclient, backing=backing)
    namespace = ("memories", "{langgraph_user_id}")
    tools = [create_manage_memory_tool(namespace), create_search_memory_tool(namespace)]
    model = RecordingChatModel(reply=memory_agent_script)
    agent = create_agent(model, tools=tools, store=store)
    config = {"configurable": {"thread_id": "t", "langgraph_user_id": "jane"}}
    value = {"messages": [HumanMessage("remember my seat preference")]}
    if mode == "sync":
        out = agent.invoke(value, config)
    else:
        out = asyncio.run(agent.ainvoke(value, config))
    tool_texts = [m.text for m in out["messages"] if isinstance(m, ToolMessage)]
    created = re.search(r"created memory ([0-9a-f-]{36})", tool_texts[0])
    assert created
    key = created.group(1)
    # The search found the created item by its real key; update and delete used that key.
    found = json.loads(tool_texts[1])
    assert [(hit["namespace"], hit["key"]) for hit in found] == [(["memories", "jane"], key)]
    assert tool_texts[2] == f"updated memory {key}"
    assert tool_texts[3] == f"Deleted memory {key}"
    assert backing.get(("memories", "jane"), key) is None
    # Zep saw both versions (it is the index); searches no longer return the deleted item.
    assert zep_texts(wire) == ["Jane prefers window seats", "Jane prefers aisle seats"]
    assert store.search(("memories", "jane"), query="seats") == []


def test_durable_sqlite_backing_with_ttl(tmp_path: Path, wire: Wire) -> None:
    """Over SqliteStore: values survive a new store object; TTL support mirrors the backing."""
    import sqlite3

    from langgraph.store.sqlite import SqliteStore

    def open_store() -> tuple[ZepStore, sqlite3.Connection]:
        conn = sqlite3.connect(tmp_path / "store.db", check_same_thread=False, isolation_level=None)
        backing = SqliteStore(conn)
        backing.setup()
        return ZepStore(wire.client, async_client=wire.aclient, backing=backing), conn

    store, conn = open_store()
    assert store.supports_ttl is True
    store.put(NS, "k", {"content": "Jane speaks Portuguese"}, ttl=60)
    conn.close()
    again, conn = open_store()  # a new process, same database
    assert again.get(NS, "k").value == {"content": "Jane speaks Portuguese"}
    assert [h.key for h in again.search(NS, query="Portuguese")] == ["k"]
    conn.close()


@pytest.mark.parametrize("version", VERSIONS)
def test_facts_scope_returns_zep_facts_under_the_prefix(mode: str, wire: Wire) -> None:
    """search_scope='facts': Zep's facts about the user, keyed by fact UUID."""
    store = zep_store(wire, search_scope="facts")
    # The embedded server's offline extractor keeps first-person statements as facts.
    run(mode, store, "put", NS, "k", {"content": "I love vinyl records"})
    hits = run(mode, store, "search", NS, query="vinyl")
    assert [(h.namespace, h.value["kind"]) for h in hits] == [(NS, "fact")]
    assert "vinyl records" in hits[0].value["content"]
    uuid.UUID(hits[0].key)


@pytest.mark.parametrize("version", VERSIONS)
def test_a_large_search_limit_works_on_every_version(mode: str, wire: Wire) -> None:
    """limit=30 asks Zep for 90 hits: v3/v4 serve at most 50 a search, so the seam asks for 50
    (it used to send 90 and get a 400, which on_error="raise" surfaces)."""
    store = zep_store(wire, on_error="raise")
    run(mode, store, "put", NS, "k1", {"content": "Jane loves hiking in the Alps"})
    hits = run(mode, store, "search", NS, query="hiking", limit=30)
    assert [(h.namespace, h.key) for h in hits] == [(NS, "k1")]
