"""Pure tests of the transport: every endpoint's request against the contract, and parsing."""

from __future__ import annotations

import asyncio
import inspect
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from zep_integrations import AsyncZepClient, ZepClient, _api
from zep_integrations import models as m

MSG = {"role_type": "user", "role": "Jane", "content": "Hi"}

# (method name, args, kwargs, expected HTTP method, expected path under /api/v2/, params, body)
CASES: list[tuple[str, tuple[Any, ...], dict[str, Any], str, str, dict[str, str], Any]] = [
    (
        "add_session",
        ("s1", "u1"),
        {"metadata": {"a": 1}},
        "POST",
        "sessions",
        {},
        {"session_id": "s1", "user_id": "u1", "metadata": {"a": 1}},
    ),
    ("add_session", ("s1",), {}, "POST", "sessions", {}, {"session_id": "s1"}),
    ("get_session", ("s1",), {}, "GET", "sessions/s1", {}, None),
    (
        "update_session",
        ("s1", {"k": "v"}),
        {},
        "PATCH",
        "sessions/s1",
        {},
        {"metadata": {"k": "v"}},
    ),
    (
        "list_sessions",
        (),
        {"page_number": 2, "page_size": 5, "order_by": "created_at", "asc": True},
        "GET",
        "sessions-ordered",
        {
            "page_number": "2",
            "page_size": "5",
            "pageNumber": "2",
            "pageSize": "5",
            "order_by": "created_at",
            "asc": "true",
        },
        None,
    ),
    ("list_sessions", (), {}, "GET", "sessions-ordered", {}, None),
    (
        "search_sessions",
        ("paris",),
        {"user_id": "u1", "search_scope": "facts", "limit": 3},
        "POST",
        "sessions/search",
        {"limit": "3"},
        {"text": "paris", "user_id": "u1", "search_scope": "facts"},
    ),
    (
        "search_sessions",
        ("paris",),
        {
            "session_ids": ["a", "b"],
            "min_score": 0.5,
            "search_type": "mmr",
            "mmr_lambda": 0.3,
            "record_filter": {"k": 1},
        },
        "POST",
        "sessions/search",
        {},
        {
            "text": "paris",
            "session_ids": ["a", "b"],
            "min_score": 0.5,
            "search_type": "mmr",
            "mmr_lambda": 0.3,
            "record_filter": {"k": 1},
        },
    ),
    ("end_session", ("s1",), {}, "POST", "sessions/s1/end", {}, {}),
    (
        "end_session",
        ("s1",),
        {"classify": m.ClassifySessionRequest(classes=["a", "b"], name="c")},
        "POST",
        "sessions/s1/end",
        {},
        {"classify": {"classes": ["a", "b"], "name": "c"}},
    ),
    (
        "end_sessions",
        (["s1", "s2"],),
        {"instruction": "x"},
        "POST",
        "sessions/end",
        {},
        {"session_ids": ["s1", "s2"], "instruction": "x"},
    ),
    (
        "classify_session",
        ("s1", ["a", "b"], "topic"),
        {"last_n": 4},
        "POST",
        "sessions/s1/classify",
        {},
        {"classes": ["a", "b"], "name": "topic", "last_n": 4},
    ),
    ("delete_session", ("s1",), {}, "DELETE", "sessions/s1/memory", {}, None),
    (
        "get_memory",
        ("s1",),
        {"lastn": 4, "min_rating": 0.5},
        "GET",
        "sessions/s1/memory",
        {"lastn": "4", "minRating": "0.5"},
        None,
    ),
    ("get_memory", ("s1",), {}, "GET", "sessions/s1/memory", {}, None),
    (
        "add_memory",
        ("s1", [MSG]),
        {"return_context": True, "ignore_roles": ["assistant"]},
        "POST",
        "sessions/s1/memory",
        {},
        {"messages": [MSG], "return_context": True, "ignore_roles": ["assistant"]},
    ),
    (
        "add_memory",
        ("s1", [m.Message(role_type="user", content="Hi")]),
        {},
        "POST",
        "sessions/s1/memory",
        {},
        {"messages": [{"role_type": "user", "content": "Hi"}]},
    ),
    (
        "get_messages",
        ("s1",),
        {"limit": 10, "cursor": 2},
        "GET",
        "sessions/s1/messages",
        {"limit": "10", "cursor": "2"},
        None,
    ),
    ("get_message", ("s1", "m1"), {}, "GET", "sessions/s1/messages/m1", {}, None),
    (
        "update_message_metadata",
        ("s1", "m1", {"x": 1}),
        {},
        "PATCH",
        "sessions/s1/messages/m1",
        {},
        {"metadata": {"x": 1}},
    ),
    (
        "search_memory",
        ("s1", "paris"),
        {"search_scope": "summary", "metadata": {"k": "v"}, "limit": 2},
        "POST",
        "sessions/s1/search",
        {"limit": "2"},
        {"text": "paris", "search_scope": "summary", "metadata": {"k": "v"}},
    ),
    ("get_summaries", ("s1",), {}, "GET", "sessions/s1/summary", {}, None),
    (
        "synthesize_question",
        ("s1",),
        {"last_n_messages": 3},
        "GET",
        "sessions/s1/synthesize_question",
        {"lastNMessages": "3"},
        None,
    ),
    (
        "extract",
        ("s1", '{"type": "object"}', 5),
        {"validate": False},
        "POST",
        "sessions/s1/extract",
        {},
        {"model_schema": '{"type": "object"}', "last_n": 5, "validate": False},
    ),
    (
        "get_session_facts",
        ("s1",),
        {"min_rating": 0.2},
        "GET",
        "sessions/s1/facts",
        {"minRating": "0.2"},
        None,
    ),
    (
        "add_session_facts",
        ("s1", ["a", "b"]),
        {},
        "POST",
        "sessions/s1/facts",
        {},
        {"facts": [{"fact": "a"}, {"fact": "b"}]},
    ),
    ("get_fact", ("f1",), {}, "GET", "facts/f1", {}, None),
    ("delete_fact", ("f1",), {}, "DELETE", "facts/f1", {}, None),
    (
        "add_user",
        ("u1",),
        {"email": "a@b.c", "first_name": "A"},
        "POST",
        "users",
        {},
        {"user_id": "u1", "email": "a@b.c", "first_name": "A"},
    ),
    (
        "list_users",
        (),
        {"page_number": 1, "page_size": 10},
        "GET",
        "users-ordered",
        {"pageNumber": "1", "pageSize": "10"},
        None,
    ),
    ("get_user", ("u1",), {}, "GET", "users/u1", {}, None),
    (
        "update_user",
        ("u1",),
        {"last_name": "B", "metadata": {"x": 1}},
        "PATCH",
        "users/u1",
        {},
        {"last_name": "B", "metadata": {"x": 1}},
    ),
    ("delete_user", ("u1",), {}, "DELETE", "users/u1", {}, None),
    ("get_user_sessions", ("u1",), {}, "GET", "users/u1/sessions", {}, None),
    ("get_user_facts", ("u1",), {}, "GET", "users/u1/facts", {}, None),
    ("get_user_node", ("u1",), {}, "GET", "users/u1/node", {}, None),
    ("list_collections", (), {}, "GET", "collections", {}, None),
    ("get_collection", ("docs",), {}, "GET", "collections/docs", {}, None),
    (
        "add_collection",
        ("docs",),
        {"description": "d"},
        "POST",
        "collections/docs",
        {},
        {"description": "d"},
    ),
    (
        "update_collection",
        ("docs",),
        {"metadata": {"a": 1}},
        "PATCH",
        "collections/docs",
        {},
        {"metadata": {"a": 1}},
    ),
    ("delete_collection", ("docs",), {}, "DELETE", "collections/docs", {}, None),
    (
        "add_documents",
        ("docs", [{"content": "c", "document_id": "d1"}]),
        {},
        "POST",
        "collections/docs/documents",
        {},
        [{"content": "c", "document_id": "d1"}],
    ),
    (
        "batch_get_documents",
        ("docs",),
        {"uuids": ["x"]},
        "POST",
        "collections/docs/documents/batchGet",
        {},
        {"uuids": ["x"]},
    ),
    (
        "batch_update_documents",
        ("docs", [{"uuid": "x", "metadata": {"a": 1}}]),
        {},
        "PATCH",
        "collections/docs/documents/batchUpdate",
        {},
        [{"uuid": "x", "metadata": {"a": 1}}],
    ),
    (
        "batch_delete_documents",
        ("docs", ["x", "y"]),
        {},
        "POST",
        "collections/docs/documents/batchDelete",
        {},
        ["x", "y"],
    ),
    ("get_document", ("docs", "x"), {}, "GET", "collections/docs/documents/uuid/x", {}, None),
    (
        "update_document",
        ("docs", "x"),
        {"document_id": "d2"},
        "PATCH",
        "collections/docs/documents/uuid/x",
        {},
        {"document_id": "d2"},
    ),
    ("delete_document", ("docs", "x"), {}, "DELETE", "collections/docs/documents/uuid/x", {}, None),
    (
        "search_documents",
        ("docs", "paris"),
        {"limit": 5, "min_score": 0.1},
        "POST",
        "collections/docs/search",
        {"limit": "5"},
        {"text": "paris", "min_score": 0.1},
    ),
]

# Minimal valid answers, shaped as the real servers send them (section 3).
ANSWERS: dict[str, Any] = {
    "list_sessions": {"sessions": [], "total_count": 0, "response_count": 0},
    "search_sessions": {"results": []},
    "end_sessions": {"sessions": []},
    "search_memory": [],
    "get_session_facts": {"facts": []},
    "get_user_facts": {"facts": []},
    "get_fact": {"fact": {"uuid": "f1", "fact": "x", "content": "x", "created_at": "t"}},
    "get_user_sessions": [],
    "list_collections": [[]],
    "add_documents": [["u1"]],
    "batch_get_documents": [[]],
    "list_users": {"users": [], "total_count": 0, "row_count": 0},
}


class Recorder:
    """An httpx MockTransport handler that records requests and answers from a function."""

    def __init__(self, answer: Callable[[httpx.Request], httpx.Response] | None = None) -> None:
        self.requests: list[httpx.Request] = []
        self.answer = answer or (lambda request: httpx.Response(200, json={}))

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.answer(request)


def make_clients(recorder: Recorder, **kwargs: Any) -> tuple[ZepClient, AsyncZepClient]:
    """A sync and an async client talking to ``recorder`` as a self-hosted server."""
    transport = httpx.MockTransport(recorder)
    kwargs.setdefault("base_url", "http://zep.test:8000")
    kwargs.setdefault("api_key", "test-key")
    return (
        ZepClient(http_client=httpx.Client(transport=transport), **kwargs),
        AsyncZepClient(http_client=httpx.AsyncClient(transport=transport), **kwargs),
    )


def call(mode: str, clients: tuple[ZepClient, AsyncZepClient], name: str, *a: Any, **k: Any) -> Any:
    """Call method ``name`` on the sync client, or run it on the async client."""
    if mode == "sync":
        return getattr(clients[0], name)(*a, **k)
    return asyncio.run(getattr(clients[1], name)(*a, **k))


@pytest.mark.parametrize(("name", "args", "kwargs", "method", "path", "params", "body"), CASES)
def test_endpoint_request_matches_contract(
    mode: str,
    name: str,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    method: str,
    path: str,
    params: dict[str, str],
    body: Any,
) -> None:
    """Each client method sends exactly the method, path, query and body of the contract."""
    answer = ANSWERS.get(name, {})
    recorder = Recorder(lambda request: httpx.Response(200, json=answer))
    call(mode, make_clients(recorder), name, *args, **kwargs)
    (request,) = recorder.requests
    assert request.method == method
    assert request.url.raw_path.split(b"?")[0].decode() == f"/api/v2/{path}"
    assert dict(request.url.params) == params
    assert request.headers["Authorization"] == "Api-Key test-key"
    if body is None:
        assert request.content == b""
    else:
        assert request.headers["Content-Type"] == "application/json"
        assert json.loads(request.content) == body


def test_every_public_method_is_covered() -> None:
    """The contract table above names every endpoint method of the client."""
    public = {
        name
        for name, _ in inspect.getmembers(ZepClient, inspect.isfunction)
        if not name.startswith("_")
    } - {"send", "run", "close", "as_async", "create_user_and_thread"}
    # create_user_and_thread is a flow over several versions' calls, tested per version in
    # test_adapters_versions.py and test_v4_idempotency.py.
    assert public == {case[0] for case in CASES}


def test_sync_and_async_signatures_are_identical() -> None:
    """Every public method has the same signature on ZepClient and AsyncZepClient."""
    sync_methods = dict(inspect.getmembers(ZepClient, inspect.isfunction))
    async_methods = dict(inspect.getmembers(AsyncZepClient, inspect.isfunction))
    shared = {n for n in sync_methods if not n.startswith("_")} - {"close", "as_async"}
    for name in sorted(shared):
        assert name in async_methods, name
        assert inspect.iscoroutinefunction(async_methods[name]), name
        assert inspect.signature(sync_methods[name]) == inspect.signature(async_methods[name]), name
    init_sync = inspect.signature(ZepClient.__init__).parameters
    init_async = inspect.signature(AsyncZepClient.__init__).parameters
    assert list(init_sync) == list(init_async)


@pytest.mark.parametrize(
    ("session_id", "encoded"),
    [
        ("a/b", "a%2Fb"),
        ("a?b", "a%3Fb"),
        ("a#b", "a%23b"),
        ("a b", "a%20b"),
        ("café", "caf%C3%A9"),
        ("a%2Fb", "a%252Fb"),
        ("..", "%2E%2E"),
        (".", "%2E"),
    ],
)
def test_ids_are_percent_encoded(mode: str, session_id: str, encoded: str) -> None:
    """Reserved characters in IDs are escaped so the request reaches the right endpoint."""
    recorder = Recorder()
    call(mode, make_clients(recorder), "get_memory", session_id)
    assert recorder.requests[0].url.raw_path == f"/api/v2/sessions/{encoded}/memory".encode()


def test_empty_and_non_string_ids_are_rejected() -> None:
    """An empty or non-string ID fails before any request with a message naming the argument."""
    with pytest.raises(ValueError, match="session_id must be a non-empty string"):
        _api.get_memory("")
    with pytest.raises(TypeError, match="user_id must be a str"):
        _api.get_user(42)  # type: ignore[arg-type]


def test_add_memory_splits_into_ordered_chunks_of_30(mode: str) -> None:
    """65 messages go out as 30 + 30 + 5, in order, and only the last asks for context."""
    recorder = Recorder(lambda request: httpx.Response(200, json={"context": "ctx"}))
    messages = [{"role_type": "user", "content": f"m{i}"} for i in range(65)]
    result = call(mode, make_clients(recorder), "add_memory", "s1", messages, return_context=True)
    assert result.context == "ctx"
    bodies = [json.loads(r.content) for r in recorder.requests]
    assert [len(b["messages"]) for b in bodies] == [30, 30, 5]
    sent = [msg["content"] for b in bodies for msg in b["messages"]]
    assert sent == [f"m{i}" for i in range(65)]
    assert ["return_context" in b for b in bodies] == [False, False, True]


@pytest.mark.parametrize(
    ("messages", "error", "match"),
    [
        ([], ValueError, "at least one message"),
        ([{"content": "x"}], ValueError, "role_type must be one of"),
        ([{"role_type": "robot", "content": "x"}], ValueError, "role_type must be one of"),
        ([{"role_type": "user", "content": 5}], TypeError, "content must be a str"),
        (
            [{"role_type": "user", "content": "x", "metadata": {"o": object()}}],
            TypeError,
            "JSON-serializable",
        ),
        ("hello", TypeError, "list of Message"),
        ([42], TypeError, "Message objects or dicts"),
    ],
)
def test_malformed_messages_fail_before_any_request(
    messages: Any, error: type[Exception], match: str
) -> None:
    """A bad message anywhere in a write fails the whole write before anything is sent."""
    recorder = Recorder()
    client, _ = make_clients(recorder)
    good = [{"role_type": "user", "content": "ok"}] * 40
    with pytest.raises(error, match=match):
        client.add_memory(
            "s1", messages if isinstance(messages, str) or not messages else good + list(messages)
        )
    assert recorder.requests == []


def test_list_of_list_bodies_are_flattened(mode: str) -> None:
    """Collections, document UUIDs and batch gets arrive as lists of lists (section 8.6)."""
    answers = {
        "/api/v2/collections": [[{"name": "a"}, {"name": "b"}]],
        "/api/v2/collections/docs/documents": [["u1", "u2"]],
        "/api/v2/collections/docs/documents/batchGet": [[{"uuid": "u1", "content": "c"}]],
        "/api/v2/users/u1/sessions": [[{"session_id": "s1"}]],
    }
    recorder = Recorder(lambda r: httpx.Response(200, json=answers[r.url.path]))
    clients = make_clients(recorder)
    assert [c.name for c in call(mode, clients, "list_collections")] == ["a", "b"]
    assert call(mode, clients, "add_documents", "docs", [{"content": "c"}]) == ["u1", "u2"]
    docs = call(mode, clients, "batch_get_documents", "docs", uuids=["u1"])
    assert docs[0].content == "c"
    assert call(mode, clients, "get_user_sessions", "u1")[0].session_id == "s1"


def test_responses_keep_unknown_fields_and_tolerate_missing_ones() -> None:
    """New server fields survive parsing and absent optional fields are None."""
    body = {"messages": [{"content": "hi", "brand_new": 1}], "relevant_facts": None, "x": 2}
    recorder = Recorder(lambda r: httpx.Response(200, json=body))
    client, _ = make_clients(recorder)
    memory = client.get_memory("s1")
    assert memory.messages is not None
    assert memory.messages[0].model_extra == {"brand_new": 1}
    assert memory.model_extra == {"x": 2}
    assert memory.context is None


@pytest.mark.parametrize("body", [b"", b'"Deleted"', b'{"message": "OK"}'])
def test_delete_fact_accepts_every_server_answer(body: bytes) -> None:
    """Empty bodies, JSON strings and SuccessResponse all read as success (section 4.3)."""
    recorder = Recorder(lambda r: httpx.Response(200, content=body))
    client, _ = make_clients(recorder)
    assert client.delete_fact("f1").message


def test_optional_fields_are_omitted_not_null() -> None:
    """Unset optional body fields are left out of the JSON, never sent as null."""
    recorder = Recorder(lambda r: httpx.Response(201, json={"user_id": "u"}))
    client, _ = make_clients(recorder)
    client.add_user("u", email=None)
    assert json.loads(recorder.requests[0].content) == {"user_id": "u"}


def test_invalid_arguments_explain_the_fix() -> None:
    """Misuse raises ValueError naming the valid values."""
    with pytest.raises(ValueError, match="order_by must be one of created_at"):
        _api.list_sessions(order_by="bogus")
    with pytest.raises(ValueError, match="search_type must be 'similarity' or 'mmr'"):
        _api.search_memory("s", "q", search_type="fast")
    with pytest.raises(ValueError, match="mmr_lambda must be between 0 and 1"):
        _api.search_memory("s", "q", mmr_lambda=2)
    with pytest.raises(ValueError, match="user_id or session_ids"):
        _api.search_sessions("q")
    with pytest.raises(ValueError, match="ASCII letters, digits and underscores"):
        _api.get_collection("my docs")
    with pytest.raises(ValueError, match="limit must be a non-negative int"):
        _api.get_messages("s", limit=-1)


def test_known_message_limit_fails_the_whole_write_before_sending() -> None:
    """With max_message_chars set, a long message anywhere stops the write before any request."""
    recorder = Recorder()
    client, _ = make_clients(recorder, max_message_chars=10)
    messages = [{"role_type": "user", "content": "short"}] * 31 + [
        {"role_type": "user", "content": "x" * 11}
    ]
    with pytest.raises(ValueError, match=r"message 31 has 11 characters.*at most 10"):
        client.add_memory("s1", messages)
    assert recorder.requests == []
    with pytest.raises(ValueError, match="max_message_chars must be >= 1"):
        make_clients(recorder, max_message_chars=0)


_TRICKY_PARAMS: dict[str, str] = {
    "cursor": "a b&c=d+e/f?g#h%i",
    "search": "café ☕ \"quoted\" 'single'",
    "empty": "",
    "limit": "100",
}


def _send_params(mode: str, http_params: dict[str, str] | None) -> httpx.Request:
    recorder = Recorder()
    transport = httpx.MockTransport(recorder)
    base = {"base_url": "http://zep.test:8000", "api_key": "test-key"}
    call_ = _api.Call("GET", "sessions/s%2F1/messages", lambda data: data, params=_TRICKY_PARAMS)
    if mode == "sync":
        ZepClient(http_client=httpx.Client(transport=transport, params=http_params), **base).send(
            call_
        )
    else:
        aclient = AsyncZepClient(
            http_client=httpx.AsyncClient(transport=transport, params=http_params), **base
        )
        asyncio.run(aclient.send(call_))
    (request,) = recorder.requests
    return request


@pytest.mark.parametrize("http_params", [None, {"tenant": "t 1"}])
def test_query_is_sent_as_httpx_params_would_send_it(
    mode: str, http_params: dict[str, str] | None
) -> None:
    """The query the client puts in the URL is byte-for-byte what httpx's ``params=`` makes."""
    request = _send_params(mode, http_params)
    expected = httpx.Client(params=http_params).build_request(
        "GET", "http://zep.test:8000/api/v2/sessions/s%2F1/messages", params=_TRICKY_PARAMS
    )
    assert request.url.raw_path == expected.url.raw_path
    assert dict(request.url.params) == {**(http_params or {}), **_TRICKY_PARAMS}
