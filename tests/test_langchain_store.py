"""Store contract: InMemoryStore (the oracle) and ZepStore(backing=InMemoryStore()) agree.

Every test runs over both stores and through both the sync and the async API.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import pytest
from langgraph.store.base import (
    BaseStore,
    GetOp,
    InvalidNamespaceError,
    ListNamespacesOp,
    MatchCondition,
    PutOp,
    SearchOp,
)
from langgraph.store.memory import InMemoryStore

from tests.langchain_support import Wire, make_wire
from zep_integrations.langchain import ZepStore


@pytest.fixture
def wire(tmp_path: Path) -> Wire:
    return make_wire(tmp_path / "zep.db")


@pytest.fixture(params=["memory", "zep"])
def store(request: pytest.FixtureRequest, wire: Wire) -> BaseStore:
    if request.param == "memory":
        return InMemoryStore()
    return ZepStore(wire.client, async_client=wire.aclient, backing=InMemoryStore())


class Api:
    """Calls a store method by name, sync or async (``aput`` for ``put``, ...)."""

    def __init__(self, store: BaseStore, mode: str) -> None:
        self.store, self.mode = store, mode

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if self.mode == "sync":
            return getattr(self.store, name)  # type: ignore[no-any-return]
        method: Callable[..., Coroutine[Any, Any, Any]] = getattr(self.store, f"a{name}")
        return lambda *args, **kwargs: asyncio.run(method(*args, **kwargs))


def summary(items: list[Any]) -> list[tuple[tuple[str, ...], str, dict[str, Any]]]:
    return [(item.namespace, item.key, item.value) for item in items]


def test_put_get_replace_delete(store: BaseStore, mode: str) -> None:
    """put/get round trip; put replaces the whole value; delete removes it; missing is None."""
    api = Api(store, mode)
    ns = ("users", "u1", "prefs")
    api.put(ns, "k", {"color": "red", "size": 1})
    item = api.get(ns, "k")
    assert (item.namespace, item.key, item.value) == (ns, "k", {"color": "red", "size": 1})
    assert item.created_at is not None and item.updated_at is not None
    api.put(ns, "k", {"color": "blue"})
    assert api.get(ns, "k").value == {"color": "blue"}
    api.delete(ns, "k")
    assert api.get(ns, "k") is None
    assert api.get(("nobody",), "k") is None
    api.delete(ns, "never-there")  # deleting a missing key is fine


@pytest.mark.parametrize(
    "namespace",
    [(), ("a.b",), ("",), ("langgraph", "x"), ("ok", "")],
    ids=["empty", "period", "empty-label", "langgraph-root", "empty-inner"],
)
def test_namespace_validation(store: BaseStore, mode: str, namespace: tuple[str, ...]) -> None:
    """Invalid namespaces raise InvalidNamespaceError and store nothing."""
    api = Api(store, mode)
    with pytest.raises(InvalidNamespaceError):
        api.put(namespace, "k", {"v": 1})
    assert api.list_namespaces() == []


def test_ttl_follows_the_backing_store(store: BaseStore, mode: str) -> None:
    """InMemoryStore has no TTL, so a ttl is refused the same way."""
    assert store.supports_ttl is False
    with pytest.raises(NotImplementedError):
        Api(store, mode).put(("a",), "k", {"v": 1}, ttl=5)


def fill(api: Api) -> None:
    api.put(("docs",), "top", {"n": 0, "tag": "x"})
    api.put(("docs", "a"), "a1", {"n": 1, "tag": "x"})
    api.put(("docs", "a"), "a2", {"n": 2, "tag": "y"})
    api.put(("docs", "b", "deep"), "b1", {"n": 3, "tag": "x"})
    api.put(("other",), "o1", {"n": 4, "tag": "x"})


def test_prefix_search_reaches_deeper_namespaces(store: BaseStore, mode: str) -> None:
    """A query-less search of a prefix returns every item below it, as the oracle does."""
    api = Api(store, mode)
    fill(api)
    found = summary(api.search(("docs",)))
    assert sorted(found) == sorted(
        [
            (("docs",), "top", {"n": 0, "tag": "x"}),
            (("docs", "a"), "a1", {"n": 1, "tag": "x"}),
            (("docs", "a"), "a2", {"n": 2, "tag": "y"}),
            (("docs", "b", "deep"), "b1", {"n": 3, "tag": "x"}),
        ]
    )
    assert summary(api.search(("docs", "b"))) == [
        (("docs", "b", "deep"), "b1", {"n": 3, "tag": "x"})
    ]
    assert all(item.score is None for item in api.search(("docs",)))


@pytest.mark.parametrize(
    ("filter", "keys"),
    [
        ({"tag": "x"}, {"top", "a1", "b1"}),
        ({"tag": {"$eq": "y"}}, {"a2"}),
        ({"tag": {"$ne": "x"}}, {"a2"}),
        ({"n": {"$gt": 1}}, {"a2", "b1"}),
        ({"n": {"$gte": 1}}, {"a1", "a2", "b1"}),
        ({"n": {"$lt": 1}}, {"top"}),
        ({"n": {"$lte": 1}}, {"top", "a1"}),
        ({"n": {"$gt": 0, "$lt": 3}, "tag": "x"}, {"a1"}),
    ],
)
def test_filters(store: BaseStore, mode: str, filter: dict[str, Any], keys: set[str]) -> None:
    """Exact-match and comparison filters select the same items in both stores."""
    api = Api(store, mode)
    fill(api)
    assert {item.key for item in api.search(("docs",), filter=filter)} == keys


def test_limit_and_offset_page_through_results(store: BaseStore, mode: str) -> None:
    """limit/offset pages cover every item exactly once."""
    api = Api(store, mode)
    for i in range(7):
        api.put(("pages",), f"k{i}", {"i": i})
    pages = [api.search(("pages",), limit=3, offset=offset) for offset in (0, 3, 6)]
    assert [len(page) for page in pages] == [3, 3, 1]
    assert sorted(item.key for page in pages for item in page) == [f"k{i}" for i in range(7)]


def test_list_namespaces(store: BaseStore, mode: str) -> None:
    """prefix, suffix, '*' wildcards, max_depth, limit and offset behave like the oracle."""
    api = Api(store, mode)
    for ns in [("a", "b", "c"), ("a", "b", "d"), ("a", "x", "c"), ("z", "b", "c"), ("a",)]:
        api.put(ns, "k", {"v": 1})
    assert sorted(api.list_namespaces()) == sorted(
        [("a",), ("a", "b", "c"), ("a", "b", "d"), ("a", "x", "c"), ("z", "b", "c")]
    )
    assert sorted(api.list_namespaces(prefix=("a", "b"))) == [("a", "b", "c"), ("a", "b", "d")]
    assert sorted(api.list_namespaces(suffix=("c",))) == [
        ("a", "b", "c"),
        ("a", "x", "c"),
        ("z", "b", "c"),
    ]
    assert sorted(api.list_namespaces(prefix=("*", "b"))) == [
        ("a", "b", "c"),
        ("a", "b", "d"),
        ("z", "b", "c"),
    ]
    assert sorted(api.list_namespaces(prefix=("a",), suffix=("*", "c"))) == [
        ("a", "b", "c"),
        ("a", "x", "c"),
    ]
    assert sorted(api.list_namespaces(max_depth=2)) == [("a",), ("a", "b"), ("a", "x"), ("z", "b")]
    everything = sorted(api.list_namespaces())
    first = api.list_namespaces(limit=2)
    rest = api.list_namespaces(limit=10, offset=2)
    assert len(first) == 2 and sorted(first + rest) == everything


def test_reads_come_before_writes_and_results_keep_op_order(store: BaseStore, mode: str) -> None:
    """In one batch a get does not see a put of the same batch; results align with ops."""
    api = Api(store, mode)
    api.put(("b",), "old", {"v": 0})
    ops = [
        PutOp(("b",), "new", {"v": 1}),
        GetOp(("b",), "new"),
        ListNamespacesOp(match_conditions=(MatchCondition("prefix", ("b",)),)),
        GetOp(("b",), "old"),
        SearchOp(("b",)),
        PutOp(("b",), "old", None),
    ]
    results = api.batch(ops)
    assert len(results) == len(ops)
    assert results[0] is None and results[1] is None
    assert results[2] == [("b",)]
    assert results[3].value == {"v": 0}
    assert summary(results[4]) == [(("b",), "old", {"v": 0})]
    assert results[5] is None
    # After the batch, the writes are visible.
    assert api.get(("b",), "new").value == {"v": 1}
    assert api.get(("b",), "old") is None


def test_concurrent_async_gets(store: BaseStore) -> None:
    """Concurrent agets each get their own item."""
    for i in range(5):
        store.put(("c",), f"k{i}", {"i": i})

    async def gets() -> list[Any]:
        return list(await asyncio.gather(*(store.aget(("c",), f"k{i}") for i in range(5))))

    assert [item.value["i"] for item in asyncio.run(gets())] == list(range(5))
