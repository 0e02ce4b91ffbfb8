"""Hostile input to the server: 400 with a clear message and nothing stored (issue 10, 9-13)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.test_bad_input import snapshot
from zep_integrations._limits import MAX_BATCH_ITEMS, MAX_ID_CHARS, MAX_JSON_DEPTH
from zep_integrations.server import ZepServer

JSON = {"content-type": "application/json"}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ZepServer]:
    srv = ZepServer(tmp_path / "z.db")
    with httpx.Client(transport=srv.transport(), base_url="http://zep/api/v2/") as http:
        http.post("users", json={"user_id": "u1"})
        http.post("sessions", json={"session_id": "s1", "user_id": "u1"})
        http.post("sessions/s1/memory", json={"messages": [{"role_type": "user", "content": "hi"}]})
        http.post("collections/col", json={})
        http.post("collections/col/documents", json=[{"content": "tea", "document_id": "d1"}])
    yield srv
    srv.close()


def refused(
    server: ZepServer, http: httpx.Client, method: str, path: str, body: bytes | None = None
) -> str:
    """Send a raw request; assert 400 and an unchanged database; return the message."""
    before = snapshot(server.db_path)
    response = http.request(method, path, content=body, headers=JSON)
    assert response.status_code == 400, response.text
    assert snapshot(server.db_path) == before
    message = response.json()["message"]
    assert isinstance(message, str) and message
    return message


def memory_body(metadata: str = "{}", content: str = '"x"') -> bytes:
    text = (
        f'{{"messages": [{{"role_type": "user", "content": {content}, "metadata": {metadata}}}]}}'
    )
    return text.encode()


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999", "-1e999"])
def test_non_finite_numbers_are_refused(
    server: ZepServer, http: httpx.Client, literal: str
) -> None:
    """NaN, Infinity and numbers overflowing to infinity get 400 (they used to get 500)."""
    message = refused(
        server, http, "POST", "sessions/s1/memory", memory_body(f'{{"a": {literal}}}')
    )
    assert "NaN" in message or "Infinity" in message or "inf" in message
    refused(server, http, "PATCH", "sessions/s1", f'{{"metadata": {{"a": {literal}}}}}'.encode())


def test_hostile_nesting_is_refused_without_blowing_the_stack(
    server: ZepServer, http: httpx.Client
) -> None:
    """A body nested 100,000 deep gets 400, for arrays and objects alike."""
    assert "nested" in refused(server, http, "POST", "sessions", b"[" * 100_000 + b"]" * 100_000)
    deep = b'{"a":' * 100_000 + b"1" + b"}" * 100_000
    assert "nested" in refused(server, http, "PATCH", "sessions/s1", deep)


def nested(depth: int) -> Any:
    value: Any = "leaf"
    for _ in range(depth):
        value = {"k": value}
    return value


def test_metadata_has_one_nesting_limit_enforced_on_write(
    server: ZepServer, http: httpx.Client
) -> None:
    """Metadata up to MAX_JSON_DEPTH is stored and read back; ~975 deep is refused on write."""
    ok = nested(MAX_JSON_DEPTH)
    assert http.patch("sessions/s1", json={"metadata": {"ok": ok}}).status_code == 400
    assert http.patch("sessions/s1", json={"metadata": nested(MAX_JSON_DEPTH)}).status_code == 200
    assert http.get("sessions/s1").json()["metadata"] == nested(MAX_JSON_DEPTH)
    too_deep = b'{"metadata":' + b'{"k":' * 975 + b'"leaf"' + b"}" * 976
    message = refused(server, http, "PATCH", "sessions/s1", too_deep)
    assert "nested more than" in message
    in_message = memory_body(json.dumps(nested(MAX_JSON_DEPTH + 1)))
    assert "metadata" in refused(server, http, "POST", "sessions/s1/memory", in_message)
    refused(
        server,
        http,
        "POST",
        "users",
        b'{"user_id": "u2", "metadata":' + b'{"k":' * 975 + b"1" + b"}" * 976,
    )


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "sessions/s1/memory?lastn={n}"),
        ("GET", "sessions/s1/messages?limit={n}"),
        ("GET", "sessions/s1/messages?limit=2&cursor={n}"),
        ("GET", "sessions-ordered?page_size=2&page_number={n}"),
        ("GET", "sessions-ordered?page_size={n}"),
        ("GET", "users-ordered?pageSize=3&pageNumber={n}"),
        ("GET", "sessions/s1/synthesize_question?lastNMessages={n}"),
        ("GET", "users?limit={n}"),
        ("GET", "sessions?cursor={n}"),
        ("POST", "sessions/s1/search?limit={n}"),
        ("POST", "collections/col/search?limit={n}"),
    ],
)
@pytest.mark.parametrize("n", [2**63, 2**64 + 1, -(2**64), 10**30])
def test_integers_past_64_bits_in_query_parameters(
    server: ZepServer, http: httpx.Client, method: str, path: str, n: int
) -> None:
    """Every numeric query parameter beyond 64 bits gets 400, not a SQLite OverflowError."""
    body = b'{"text": "tea"}' if method == "POST" else None
    refused(server, http, method, path.format(n=n), body)


def test_large_page_numbers_within_64_bits_read_as_empty(http: httpx.Client) -> None:
    """A page far past the end (offset beyond 64 bits once multiplied) is an empty page."""
    page = http.get("sessions/s1/messages", params={"limit": 2**40, "cursor": 2**40})
    assert page.status_code == 200 and page.json()["messages"] == []


@pytest.mark.parametrize("n", [2**64, -(2**63) - 1])
def test_integers_past_64_bits_in_bodies(server: ZepServer, http: httpx.Client, n: int) -> None:
    """An integer beyond 64 bits anywhere in a body gets 400."""
    refused(
        server,
        http,
        "POST",
        "sessions/s1/extract",
        f'{{"model_schema": "{{}}", "last_n": {n}}}'.encode(),
    )
    refused(server, http, "POST", "sessions/s1/memory", memory_body(f'{{"n": {n}}}'))


def test_huge_id_arrays_get_400_and_arrays_at_the_limit_work(
    server: ZepServer, http: httpx.Client
) -> None:
    """300,000 IDs get 400 naming the limit; MAX_BATCH_ITEMS IDs are answered (no SQL limit)."""
    ids = json.dumps(["a"] * 300_000).encode()
    assert str(MAX_BATCH_ITEMS) in refused(
        server, http, "POST", "collections/col/documents/batchDelete", ids
    )
    body = json.dumps({"uuids": ["a"] * 300_000}).encode()
    refused(server, http, "POST", "collections/col/documents/batchGet", body)
    body = json.dumps({"text": "tea", "session_ids": ["s"] * 300_000}).encode()
    refused(server, http, "POST", "sessions/search", body)
    docs = json.dumps([{"content": "x"}] * (MAX_BATCH_ITEMS + 1)).encode()
    refused(server, http, "POST", "collections/col/documents", docs)
    many = [f"id{i}" for i in range(MAX_BATCH_ITEMS)]
    assert http.post("collections/col/documents/batchGet", json={"document_ids": many}).json()
    found = http.post("sessions/search", json={"text": "hi", "session_ids": [*many[1:], "s1"]})
    assert found.status_code == 200 and len(found.json()["results"]) == 1
    assert http.post("collections/col/documents/batchDelete", json=many).status_code == 200


def test_lone_surrogates_are_refused(server: ZepServer, http: httpx.Client) -> None:
    """A lone surrogate in message text, metadata or an ID gets 400 (the SQLite bind failed)."""
    assert "surrogate" in refused(
        server, http, "POST", "sessions/s1/memory", memory_body(content='"bad \\ud800 text"')
    )
    refused(server, http, "POST", "sessions/s1/memory", memory_body('{"k": "\\udfff"}'))
    refused(server, http, "POST", "sessions", b'{"session_id": "s\\ud800"}')


@pytest.mark.parametrize("escape", ["caf%E9", "caf%FF", "%C3", "%80abc"])
def test_ids_with_invalid_utf8_escapes_are_refused(
    server: ZepServer, http: httpx.Client, escape: str
) -> None:
    """Percent-escapes that are not UTF-8 get 400 instead of sharing one replacement ID."""
    message = refused(server, http, "POST", f"sessions/{escape}/memory", memory_body())
    assert "UTF-8" in message
    refused(server, http, "GET", f"sessions/{escape}")


def test_ids_longer_than_the_limit_are_refused(server: ZepServer, http: httpx.Client) -> None:
    """IDs in bodies and paths beyond MAX_ID_CHARS get 400; MAX_ID_CHARS itself works."""
    long_id = "x" * (MAX_ID_CHARS + 1)
    assert str(MAX_ID_CHARS) in refused(
        server, http, "POST", "sessions", json.dumps({"session_id": long_id}).encode()
    )
    refused(server, http, "POST", "users", json.dumps({"user_id": long_id}).encode())
    refused(server, http, "POST", f"sessions/{long_id}/memory", memory_body())
    # httpx refuses such a URL itself; the handler must refuse it too (other clients send it).
    status, _, body = server.handle_raw("GET", f"/api/v2/sessions/{'y' * 200_000}")
    assert status == 400 and str(MAX_ID_CHARS) in json.loads(body)["message"]
    ok = "x" * MAX_ID_CHARS
    assert http.post("sessions", json={"session_id": ok}).status_code == 201
    assert http.get(f"sessions/{ok}").status_code == 200


def test_extract_schema_size_is_bounded(server: ZepServer, http: httpx.Client) -> None:
    """A 100,000-property extract schema gets 400 at once instead of freezing the server."""
    schema = {"type": "object", "properties": {f"p{i}": {"type": "string"} for i in range(100_000)}}
    body = json.dumps({"model_schema": json.dumps(schema)}).encode()
    assert "properties" in refused(server, http, "POST", "sessions/s1/extract", body)
    small = {"type": "object", "properties": {"name": {"type": "string"}}}
    answer = http.post("sessions/s1/extract", json={"model_schema": json.dumps(small)})
    assert answer.status_code == 200 and set(answer.json()) == {"name"}
    for bad in ('{"a": NaN}', "[" * 50_000):
        refused(
            server, http, "POST", "sessions/s1/extract", json.dumps({"model_schema": bad}).encode()
        )


def test_search_limit_is_bounded(server: ZepServer, http: httpx.Client) -> None:
    """A search limit beyond MAX_SEARCH_LIMIT gets 400 naming it."""
    from zep_integrations._limits import MAX_SEARCH_LIMIT

    path = f"sessions/s1/search?limit={MAX_SEARCH_LIMIT + 1}"
    assert str(MAX_SEARCH_LIMIT) in refused(server, http, "POST", path, b'{"text": "hi"}')
    ok = http.post(f"sessions/s1/search?limit={MAX_SEARCH_LIMIT}", json={"text": "hi"})
    assert ok.status_code == 200
