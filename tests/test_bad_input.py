"""Hostile IDs, oversized and malformed input, a fuzzed handler: clear errors, nothing changed."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from langchain_core.messages import AIMessage, HumanMessage
from llama_index.core.llms import ChatMessage

from tests.conftest import run_maybe_async
from tests.test_server_served import start_server, stop_server
from zep_integrations import AsyncZepClient, BadRequestError, ZepClient
from zep_integrations._limits import MAX_ID_CHARS
from zep_integrations.langchain import ZepChatMessageHistory
from zep_integrations.llama_index import ZepChatStore, ZepMemory
from zep_integrations.server import ZepServer
from zep_integrations.server.app import ROUTES
from zep_integrations.server.handler import Request

HOSTILE_IDS = [
    "a/b?c#d",
    "..",
    ".",
    " spaced  out ",
    "emoji 🎉🧠",
    "%2F",
    "%",
    "ünï/cødé",
    "tab\tand\\back",
    "x" * (MAX_ID_CHARS - 4),  # near the limit (issue 10, item 13); tests add "-mem"
]
IDS = pytest.mark.parametrize("ident", HOSTILE_IDS, ids=lambda v: repr(v)[:20])


def snapshot(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table: what a rejected request must leave as it was."""
    with sqlite3.connect(db) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '%fts%'"
            )
        ]
        return {t: conn.execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall() for t in tables}


def integrity_ok(db: Path) -> bool:
    with sqlite3.connect(db) as conn:
        return bool(conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok")


@IDS
def test_hostile_ids_round_trip_through_the_client(mode: str, tmp_path: Path, ident: str) -> None:
    """Session and user IDs with reserved, dot, space, unicode and 500 characters round-trip."""
    sync, asyn = ZepClient(db_path=tmp_path / "z.db"), AsyncZepClient(db_path=tmp_path / "z.db")
    message = [{"role_type": "user", "content": "hello"}]

    def sync_body() -> Any:
        sync.add_user(ident)
        sync.add_session(ident, ident)
        sync.add_memory(ident, message)
        return sync.get_session(ident), sync.get_user_sessions(ident), sync.get_messages(ident)

    async def async_body() -> Any:
        await asyn.add_user(ident)
        await asyn.add_session(ident, ident)
        await asyn.add_memory(ident, message)
        return (
            await asyn.get_session(ident),
            await asyn.get_user_sessions(ident),
            await asyn.get_messages(ident),
        )

    session, sessions, page = run_maybe_async(mode, sync_body, async_body)
    assert session.session_id == ident and session.user_id == ident
    assert [s.session_id for s in sessions] == [ident]
    assert [m.content for m in page.messages] == ["hello"]


@IDS
def test_hostile_ids_round_trip_through_the_adapters(tmp_path: Path, ident: str) -> None:
    """The LangChain history and the LlamaIndex store and memory accept the same hostile IDs."""
    client = ZepClient(db_path=tmp_path / "z.db")
    history = ZepChatMessageHistory(ident, user_id=ident, client=client)
    history.add_messages([HumanMessage("hi"), AIMessage("hello")])
    assert [m.content for m in history.messages] == ["hi", "hello"]
    store = ZepChatStore(client=client, user_id=ident)
    store.add_message(ident + "-li", ChatMessage(role="user", content="store"))
    assert [m.content for m in store.get_messages(ident + "-li")] == ["store"]
    assert sorted(store.get_keys()) == sorted([ident, ident + "-li"])
    memory = ZepMemory.from_defaults(ident + "-mem", user_id=ident, client=client)
    memory.put(ChatMessage(role="user", content="mem"))
    assert [m.content for m in memory.get_all()] == ["mem"]
    history.clear()
    assert history.messages == []


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """One `zep-integrations serve` on loopback for the module."""
    db = tmp_path_factory.mktemp("bad-input") / "served.db"
    proc, port = start_server(db, api_key=None)
    yield f"http://127.0.0.1:{port}", db
    stop_server(proc)


@IDS
def test_hostile_ids_round_trip_over_http(served: tuple[str, Path], ident: str) -> None:
    """The same IDs reach the right session through `serve` (uvicorn) on loopback."""
    with ZepClient(base_url=served[0]) as client:
        history = ZepChatMessageHistory(ident, user_id=ident + "-u", client=client)
        history.add_messages([HumanMessage("over http")])
        assert [m.content for m in history.messages] == ["over http"]
        assert client.get_session(ident).user_id == ident + "-u"
        history.clear()


def test_empty_ids_are_rejected_before_any_request(tmp_path: Path) -> None:
    """Empty session and user IDs raise ValueError in the client and every adapter."""
    client = ZepClient(db_path=tmp_path / "z.db")
    with pytest.raises(ValueError, match="non-empty"):
        client.get_memory("")
    with pytest.raises(ValueError, match="non-empty"):
        client.add_memory("", [{"role_type": "user", "content": "x"}])
    with pytest.raises(ValueError, match="non-empty"):
        client.get_user("")
    with pytest.raises(ValueError):
        ZepChatMessageHistory("", client=client)
    with pytest.raises(ValueError):
        ZepChatMessageHistory("s", user_id="", client=client)
    with pytest.raises(ValueError):
        ZepMemory.from_defaults("", client=client)
    with pytest.raises(ValueError):
        ZepChatStore(client=client).add_message("", ChatMessage(role="user", content="x"))
    assert client.list_sessions().total_count == 0


def test_more_than_30_messages_are_stored_in_order(mode: str, tmp_path: Path) -> None:
    """A 75-message write through the client and the LangChain adapter stays in order."""
    sync, asyn = ZepClient(db_path=tmp_path / "z.db"), AsyncZepClient(db_path=tmp_path / "z.db")
    texts = [f"m{i}" for i in range(75)]
    wire = [{"role_type": "user", "content": t} for t in texts]
    run_maybe_async(mode, lambda: sync.add_memory("s", wire), lambda: asyn.add_memory("s", wire))
    assert [m.content for m in sync.get_messages("s").messages] == texts
    history = ZepChatMessageHistory("lc", client=sync, async_client=asyn)
    lc = [HumanMessage(t) for t in texts]
    run_maybe_async(mode, lambda: history.add_messages(lc), lambda: history.aadd_messages(lc))
    assert [m.content for m in history.messages] == texts


def test_oversized_content_is_a_bad_request_naming_the_limit(mode: str, tmp_path: Path) -> None:
    """Without a client-side limit, the server's 400 names its limit; nothing is stored."""
    db = tmp_path / "z.db"
    sync = ZepClient(db_path=db, max_message_chars=10**6)
    asyn = AsyncZepClient(db_path=db, max_message_chars=10**6)
    sync.add_memory("s", [{"role_type": "user", "content": "before"}])
    before = snapshot(db)
    wire = [{"role_type": "user", "content": "ok"}, {"role_type": "user", "content": "y" * 2501}]
    with pytest.raises(BadRequestError, match="2500 characters") as info:
        run_maybe_async(
            mode, lambda: sync.add_memory("s", wire), lambda: asyn.add_memory("s", wire)
        )
    assert info.value.status_code == 400
    assert snapshot(db) == before


def test_oversized_message_late_in_a_long_write_sends_nothing(mode: str, tmp_path: Path) -> None:
    """A too-long message at position 35 fails the write before the first 30 are stored."""
    db = tmp_path / "z.db"
    sync, asyn = ZepClient(db_path=db), AsyncZepClient(db_path=db)
    sync.add_memory("s", [{"role_type": "user", "content": "before"}])
    before = snapshot(db)
    wire = [{"role_type": "user", "content": f"m{i}"} for i in range(40)]
    wire[35] = {"role_type": "user", "content": "y" * 2501}
    with pytest.raises(ValueError, match=r"message 35 has 2501 characters.*at most 2500"):
        run_maybe_async(
            mode, lambda: sync.add_memory("s", wire), lambda: asyn.add_memory("s", wire)
        )
    assert snapshot(db) == before


def test_adapters_shorten_oversized_content_and_keep_it_whole(tmp_path: Path) -> None:
    """The adapters fit long text under Zep's limit and give the whole text back."""
    client = ZepClient(db_path=tmp_path / "z.db")
    long_text = "word " * 4000
    history = ZepChatMessageHistory("lc", client=client)
    history.add_messages([HumanMessage(long_text)] * 35)
    assert [m.content for m in history.messages] == [long_text] * 35
    assert all(len(m.content) <= 2500 for m in client.get_messages("lc").messages)
    store = ZepChatStore(client=client)
    store.add_message("li", ChatMessage(role="user", content=long_text))
    assert store.get_messages("li")[0].content == long_text


@pytest.mark.parametrize(
    ("message", "error", "match"),
    [
        ({"role_type": "wizard", "content": "x"}, ValueError, "role_type must be one of"),
        ({"content": "x"}, ValueError, "role_type must be one of"),
        ({"role_type": "user", "content": 5}, TypeError, "content must be a str"),
        ({"role_type": "user", "content": "x", "metadata": {"o": object()}}, TypeError, "JSON"),
        # NaN is a value JSON cannot carry: ValueError, in the words of _limits (server and client).
        (
            {"role_type": "user", "content": "x", "metadata": {"n": float("nan")}},
            ValueError,
            "JSON",
        ),
    ],
    ids=["unknown-role", "no-role", "int-content", "object-metadata", "nan-metadata"],
)
def test_invalid_messages_fail_before_any_request(
    mode: str, tmp_path: Path, message: dict[str, Any], error: type[Exception], match: str
) -> None:
    """A bad 40th message fails the whole write, saying what is wrong, before anything is stored."""
    db = tmp_path / "z.db"
    sync, asyn = ZepClient(db_path=db), AsyncZepClient(db_path=db)
    sync.add_memory("s", [{"role_type": "user", "content": "before"}])
    before = snapshot(db)
    wire = [{"role_type": "user", "content": f"m{i}"} for i in range(39)] + [message]
    with pytest.raises(error, match=match):
        run_maybe_async(
            mode, lambda: sync.add_memory("s", wire), lambda: asyn.add_memory("s", wire)
        )
    assert snapshot(db) == before


def test_adapter_rejects_unserializable_metadata_and_stores_nothing(tmp_path: Path) -> None:
    """A LangChain message with a non-JSON field raises TypeError; the session stays as it was."""
    db = tmp_path / "z.db"
    history = ZepChatMessageHistory("lc", client=ZepClient(db_path=db))
    history.add_messages([HumanMessage("before")])
    before = snapshot(db)
    with pytest.raises(TypeError):
        history.add_messages([HumanMessage("x"), AIMessage("y", additional_kwargs={"o": object()})])
    assert snapshot(db) == before


RAW_BAD = [
    ("POST", "sessions/s1/memory", b"{not json", "not valid JSON"),
    ("POST", "sessions/s1/memory", b"\xff\xfe\x00", "not valid JSON"),
    ("POST", "sessions/s1/memory", b"[1, 2]", "JSON object"),
    ("POST", "sessions/s1/memory", b'{"messages": "hi"}', "messages"),
    ("POST", "sessions/s1/memory", b'{"messages": []}', "messages"),
    ("POST", "sessions/s1/memory", b'{"messages": [1]}', "JSON object"),
    ("POST", "sessions/s1/memory", b'{"messages": [{"content": "x"}]}', "RoleType"),
    ("POST", "sessions/s1/memory", b'{"messages": [{"role_type": "x", "content": "x"}]}', "role"),
    ("POST", "sessions/s1/memory", b'{"messages": [{"role_type": "user", "content": 1}]}', "str"),
    ("POST", "sessions/s1/memory", b'{"messages": [{"role_type": "user"}]}', "content"),
    (
        "POST",
        "sessions/s1/memory",
        b'{"messages": [{"role_type": "user", "content": "x", "metadata": [1]}]}',
        "metadata",
    ),
    ("POST", "sessions", b'{"session_id": 5}', "session_id"),
    ("POST", "sessions", b'{"session_id": "s1", "metadata": "m"}', "metadata"),
    ("POST", "sessions", b'{"session_id": "s1"}', "exists"),
    ("PATCH", "sessions/s1", b'{"metadata": 3}', "metadata"),
    ("POST", "users", b'{"user_id": ["u"]}', "user_id"),
    ("POST", "sessions/s1/search", b'{"text": 5}', "text"),
    ("POST", "sessions/s1/facts", b'{"facts": "f"}', "facts"),
    ("GET", "sessions/s1/memory?lastn=abc", b"", "lastn"),
    ("GET", "sessions/s1/memory?lastn=-1", b"", "lastn"),
    ("GET", "sessions/s1/messages?limit=x", b"", "limit"),
    ("GET", "sessions-ordered?page_number=-3", b"", "page_number"),
    ("DELETE", "sessions/s1", b"", "method not allowed"),
    ("GET", "nope", b"", "not found"),
]


def test_raw_malformed_requests_get_clear_4xx_and_change_nothing(served: tuple[str, Path]) -> None:
    """Malformed JSON and wrong types sent raw to `serve` get a 4xx message; nothing changes."""
    url, db = served
    with ZepClient(base_url=url) as client:
        client.add_memory("s1", [{"role_type": "user", "content": "keep me"}])
    before = snapshot(db)
    failures = []
    with httpx.Client(base_url=f"{url}/api/v2/") as http:
        for method, path, body, expected in RAW_BAD:
            headers = {"Content-Type": "application/json"}
            response = http.request(method, path, content=body, headers=headers)
            message = response.json().get("message", "")
            if not (400 <= response.status_code < 500 and expected.lower() in message.lower()):
                failures.append((method, path, body, response.status_code, message))
    assert failures == []
    assert snapshot(db) == before


# -- fuzzing the handler -------------------------------------------------------------------------

TEMPLATES = sorted({route.pattern for route in ROUTES})
SEGMENT = st.one_of(
    st.sampled_from(["s1", "u1", "col", "..", ".", "%2F", "%", "%ZZ", "", "sessions", "memory"]),
    # Not UTF-8 once decoded, and longer than any ID may be (issue 10, items 12-13).
    st.sampled_from(["caf%E9", "caf%FF", "%C3", "%ED%A0%80", "x" * (MAX_ID_CHARS + 1)]),
    st.text(min_size=0, max_size=12),
)
# Values JSON can spell but no store can keep: beyond 64 bits, lone surrogates (items 9-10).
HOSTILE_LEAVES = st.sampled_from([2**63, -(2**64), 10**40, "\ud800", "a\udfffb", "\x00"])
JSON_VALUE = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
    | HOSTILE_LEAVES,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)
FIELDS = st.sampled_from(
    [
        "messages",
        "session_id",
        "user_id",
        "metadata",
        "text",
        "facts",
        "content",
        "role_type",
        "limit",
        "search_scope",
        "search_type",
        "mmr_lambda",
        "min_score",
        "classes",
        "name",
        "session_ids",
        "record_filter",
        "uuids",
        "document_ids",
        "embedding",
        "model_schema",
        "last_n",
        "where",
        "jsonpath",
    ]
)
# Zep's JSONPath filter: fragments of the grammar shuffled, so parser edge cases come up.
JSONPATH = st.lists(
    st.sampled_from(
        [
            "$",
            "[*]",
            "?",
            "(",
            ")",
            "@",
            ".a",
            ".b",
            "==",
            "!=",
            "<",
            ">=",
            "&&",
            "||",
            "!",
            '"x"',
            "1",
            "-2.5e3",
            "true",
            "null",
            "[0]",
            " ",
            '"\\',
            "like_regex",
        ]
    ),
    max_size=14,
).map("".join)
FILTER = st.one_of(
    st.builds(lambda p: {"where": {"jsonpath": p}}, JSONPATH),
    st.builds(lambda p: {"where": {"jsonpath": f"$[*] ? ({p})"}}, JSONPATH),
    st.builds(lambda p: {"where": {"and": [{"jsonpath": p}], "or": p}}, JSONPATH),
    st.builds(lambda v: {"where": v}, JSON_VALUE),
)
# Raw bodies the standard library would not write: NaN/Infinity, overflow, hostile depth.
HOSTILE_BODIES = st.sampled_from(
    [
        b'{"metadata": {"a": NaN}}',
        b'{"metadata": {"a": Infinity}, "session_id": "n"}',
        b'{"messages": [{"role_type": "user", "content": "x", "metadata": {"a": -Infinity}}]}',
        b'{"session_id": "big", "metadata": {"a": 1e999}}',
        b"[" * 100_000 + b"]" * 100_000,
        b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
        b'{"metadata":' + b'{"k":' * 975 + b"1" + b"}" * 976,
        b'{"messages": [{"role_type": "user", "content": "\\ud800"}]}',
        b'{"session_id": "\\udfff"}',
        b'{"last_n": 99999999999999999999999, "model_schema": "{}"}',
        b'{"model_schema": "{\\"properties\\": ' + b"[" * 5000 + b'"}',
        b'["' + b'a", "' * 20_000 + b'a"]',
    ]
)
BODY = st.one_of(
    st.just(b""),
    st.binary(max_size=40),
    HOSTILE_BODIES,
    st.fixed_dictionaries(
        {"text": st.sampled_from(["tea", "s1", "c1", ""])}, optional={"metadata": FILTER}
    ).map(lambda v: json.dumps(v).encode()),
    st.fixed_dictionaries({"metadata": FILTER}, optional={"record_filter": FILTER}).map(
        lambda v: json.dumps(v).encode()
    ),
    JSON_VALUE.map(lambda v: json.dumps(v).encode()),
    st.dictionaries(FIELDS, JSON_VALUE, max_size=5).map(lambda v: json.dumps(v).encode()),
    st.lists(
        st.fixed_dictionaries(
            {"role_type": st.sampled_from(["user", "assistant", "x"]), "content": JSON_VALUE}
        ),
        max_size=3,
    ).map(lambda msgs: json.dumps({"messages": msgs}).encode()),
)
QUERY_KEYS = st.sampled_from(
    [
        "lastn",
        "limit",
        "cursor",
        "minRating",
        "min_rating",
        "page_number",
        "page_size",
        "asc",
        "order_by",
        "lastN",
        "lastNMessages",
        "pageNumber",
        "pageSize",
        "x",
    ]
)


@st.composite
def requests(draw: st.DrawFn) -> Request:
    route = draw(st.sampled_from(ROUTES))
    # Mostly a real route with the fixture's IDs, so hostile bodies reach the code that stores.
    known = st.sampled_from(["s1", "u1", "col"])
    parts = [
        draw(st.one_of(known, SEGMENT)) if part.startswith("{") else part
        for part in route.pattern.split("/")
    ]
    if draw(st.integers(0, 3)) == 0:
        parts = [draw(SEGMENT) for _ in range(draw(st.integers(1, 5)))]
    from urllib.parse import quote

    path = "/api/v2/" + "/".join(quote(p, safe="%") for p in parts)
    other = st.sampled_from(["GET", "POST", "PATCH", "DELETE", "PUT", "HEAD", "OPTIONS"])
    method = draw(st.one_of(st.just(route.method), other))
    values = st.one_of(
        st.text(max_size=8), st.sampled_from(["9" * 20, "-9" * 10, str(2**63), "1e999", "NaN"])
    )
    query = draw(st.lists(st.tuples(QUERY_KEYS, values), max_size=3))
    return Request(method, path, tuple(query), {"content-type": "application/json"}, draw(BODY))


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ZepServer]:
    """An in-process server with a little data in it, for the fuzzer."""
    server = ZepServer(tmp_path_factory.mktemp("fuzz") / "fuzz.db")
    http = httpx.Client(transport=server.transport())
    with ZepClient(db_path=server.db_path, http_client=http) as client:
        client.add_user("u1")
        client.add_session("s1", "u1")
        client.add_memory("s1", [{"role_type": "user", "content": "I like tea in Lisbon"}])
        client.add_collection("col")
        client.add_documents("col", [{"content": "tea doc", "document_id": "d1"}])
    created = http.post("http://zep/api/v2/graph/create", json={"graph_id": "g1"})
    assert created.status_code in (200, 201), created.text
    yield server
    server.close()


@settings(
    max_examples=600,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(request=requests())
def test_fuzzed_requests_never_get_a_500(fuzz_server: ZepServer, request: Request) -> None:
    """Generated methods, paths, queries and bodies never raise or get a 5xx from the handler.

    Includes what issue 10 found: NaN/Infinity/1e999, 100,000-deep nesting, integers past 64
    bits, lone surrogates, invalid UTF-8 escapes and over-long IDs, huge arrays, and JSONPath
    filters built from the grammar's pieces.
    """
    response = fuzz_server.handle(request)
    assert response.status < 500, (request, response.body)
    if response.status >= 400:
        assert json.loads(response.body)["message"]


HOSTILE_QUERY = st.lists(
    st.tuples(
        QUERY_KEYS,
        st.sampled_from(["9" * 20, str(2**63), str(-(2**64)), "1e999", "NaN", "-1", "0", "2"]),
    ),
    min_size=1,
    max_size=3,
)
HOSTILE_FIELDS = st.dictionaries(FIELDS, st.one_of(HOSTILE_LEAVES, JSON_VALUE, FILTER), max_size=4)


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.pattern}")
@settings(
    max_examples=25,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    body=st.one_of(HOSTILE_BODIES, HOSTILE_FIELDS.map(lambda v: json.dumps(v).encode())),
    query=HOSTILE_QUERY,
)
def test_hostile_input_on_every_route_never_gets_a_500(
    fuzz_server: ZepServer, route: Any, body: bytes, query: list[tuple[str, str]]
) -> None:
    """Each route, with the fixture's real IDs, gets hostile bodies and numbers: never a 5xx."""
    # Real IDs (a v3 thread is the v2 session), so hostile bodies reach the code behind lookups.
    ids = {"session_id": "s1", "thread_id": "s1", "user_id": "u1", "graph_id": "g1", "name": "col"}
    path = "/api/v2/" + "/".join(
        ids.get(part[1:-1], "00000000-0000-7000-8000-000000000000")
        if part.startswith("{")
        else part
        for part in route.pattern.split("/")
    )
    request = Request(route.method, path, tuple(query), {"content-type": "application/json"}, body)
    response = fuzz_server.handle(request)
    assert response.status < 500, (request.method, path, query, body[:200], response.body)


def test_fuzzed_database_passes_integrity_check(fuzz_server: ZepServer) -> None:
    """After the fuzzer, the database is intact."""
    assert integrity_ok(fuzz_server.db_path)


def test_unserializable_messages_replace_nothing(tmp_path: Path) -> None:
    """A message that cannot be stored fails with TypeError before set/set_messages delete."""
    from zep_integrations.llama_index import ZepMemory

    client = ZepClient(db_path=tmp_path / "z.db")
    bad = ChatMessage(role="user", content="x", additional_kwargs={"o": object()})
    store = ZepChatStore(client=client)
    store.add_message("s", ChatMessage(role="user", content="keep me"))
    with pytest.raises(TypeError, match="not JSON-serializable"):
        store.set_messages("s", [bad])
    assert [m.content for m in store.get_messages("s")] == ["keep me"]
    memory = ZepMemory.from_defaults(session_id="s", client=client)
    with pytest.raises(TypeError, match="not JSON-serializable"):
        memory.set([bad])
    assert [m.content for m in memory.get_all()] == ["keep me"]
