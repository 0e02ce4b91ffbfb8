"""Server fixes of issue 10: schema versions, ids, search scope tokens, JSONPath, documents, MMR."""

from __future__ import annotations

import hashlib
import json
import math
import random
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from zep_integrations.server import ZepServer
from zep_integrations.server.search import jaccard, mmr, tokens
from zep_integrations.server.storage import MIGRATIONS, SchemaVersionError, Storage, _split_sql


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ZepServer]:
    srv = ZepServer(tmp_path / "z.db")
    yield srv
    srv.close()


def say(http: httpx.Client, session: str, *contents: str, metadata: Any = None) -> None:
    messages = [{"role_type": "user", "content": c, "metadata": metadata} for c in contents]
    assert http.post(f"sessions/{session}/memory", json={"messages": messages}).status_code == 200


# -- 14: a newer schema is refused ----------------------------------------------------------------


def test_database_of_a_newer_schema_is_refused_and_left_untouched(tmp_path: Path) -> None:
    """user_version beyond the code's migrations: refused naming both versions, no byte written."""
    db = tmp_path / "future.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE t (x)")
        conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 97}")
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    with pytest.raises(SchemaVersionError) as info:
        ZepServer(db)
    assert f"schema version {len(MIGRATIONS) + 97}" in str(info.value)
    assert f"({len(MIGRATIONS)})" in str(info.value)
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    assert not (tmp_path / "future.db-wal").exists()


# -- 20: ids are never reused --------------------------------------------------------------------


def test_session_and_user_ids_are_not_reused_after_deleting_the_newest(http: httpx.Client) -> None:
    """Deleting the newest row does not hand its integer id to the next one (AUTOINCREMENT)."""
    ids = [http.post("sessions", json={"session_id": f"s{i}"}).json()["id"] for i in range(3)]
    assert http.delete("sessions/s2/memory").status_code == 200
    again = http.post("sessions", json={"session_id": "s3"}).json()["id"]
    assert again > max(ids)
    users = [http.post("users", json={"user_id": f"u{i}"}).json()["id"] for i in range(2)]
    assert http.delete("users/u1").status_code == 200
    assert http.post("users", json={"user_id": "u2"}).json()["id"] > max(users)


def test_upgrade_from_the_previous_schema_keeps_every_row(tmp_path: Path) -> None:
    """A database made by schema 2 migrates: rows, messages and search survive; ids stop reuse."""
    db = tmp_path / "old.db"
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    for number, script in enumerate(MIGRATIONS[:2], start=1):
        for statement in _split_sql(script):
            conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {number}")
    now = "2024-01-01T00:00:00Z"
    conn.execute(
        "INSERT INTO users(uuid, user_id, created_at, updated_at) VALUES ('uu', 'u1', ?, ?)",
        (now, now),
    )
    for i in (1, 2, 3):
        conn.execute(
            "INSERT INTO sessions(uuid, session_id, user_id, created_at, updated_at)"
            " VALUES (?, ?, 'u1', ?, ?)",
            (f"su{i}", f"s{i}", now, now),
        )
        conn.execute(
            "INSERT INTO messages(uuid, session_id, role_type, content, token_count, created_at,"
            " updated_at) VALUES (?, ?, 'user', ?, 1, ?, ?)",
            (f"m{i}", i, f"kiwi number {i}", now, now),
        )
    conn.execute("DELETE FROM sessions WHERE id = 3")
    conn.close()

    server = ZepServer(db)
    try:
        with sqlite3.connect(db) as check:
            assert check.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
            assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert check.execute("PRAGMA foreign_key_check").fetchall() == []
        http = httpx.Client(transport=server.transport(), base_url="http://zep/api/v2/")
        assert [m["content"] for m in http.get("sessions/s1/messages").json()["messages"]] == [
            "kiwi number 1"
        ]
        assert http.get("sessions/s2").json()["user_id"] == "u1"
        hits = http.post("sessions/s2/search", json={"text": "kiwi"}).json()
        assert [h["message"]["content"] for h in hits] == ["kiwi number 2"]
        # The user cascade still reaches the rebuilt sessions table.
        assert http.post("sessions", json={"session_id": "s4"}).json()["id"] == 3
        assert http.delete("sessions/s4/memory").status_code == 200
        assert http.post("sessions", json={"session_id": "s5"}).json()["id"] == 4
        assert http.delete("users/u1").status_code == 200
        assert http.get("sessions/s1").status_code == 404
    finally:
        server.close()


# -- 15: scope tokens are not content ------------------------------------------------------------


def test_search_words_equal_to_scope_tokens_match_nothing(http: httpx.Client) -> None:
    """'s1', 'S1', 'c1' match no message, fact, summary or document that does not contain them."""
    say(http, "a", "The weather is mild", "Dinner was pasta")
    http.post("sessions/a/facts", json={"facts": ["Jane likes tea"]})
    http.post("collections/col", json={})
    http.post("collections/col/documents", json=[{"content": "Paris is in France"}])
    for word in ("s1", "S1", "c1", "scope"):
        for scope in ("messages", "facts", "summary"):
            hits = http.post("sessions/a/search", json={"text": word, "search_scope": scope})
            assert hits.json() == [], (word, scope)
        across = http.post("sessions/search", json={"text": word, "session_ids": ["a"]})
        assert across.json()["results"] == []
        docs = http.post("collections/col/search", json={"text": word}).json()
        assert docs["results"] == []
    say(http, "a", "Our ticket code is S1 and the room is C1")
    hits = http.post("sessions/a/search", json={"text": "S1"}).json()
    assert [h["message"]["content"] for h in hits] == ["Our ticket code is S1 and the room is C1"]


# -- 16: JSONPath metadata filters ---------------------------------------------------------------

ROWS = [
    {"author": "ada", "year": 2019, "draft": False, "tags": ["x"], "meta": {"lang": "en"}},
    {"author": "bob", "year": 2021, "draft": True, "tags": ["x", "y"], "meta": {"lang": "fr"}},
    {"author": "cy", "year": 2023, "draft": False, "meta": {"lang": "en"}},
]
FILTERS = [
    ('$[*] ? (@.author == "ada")', [0]),
    ('$[*] ? (@.author != "ada")', [1, 2]),
    ("$[*] ? (@.year > 2019)", [1, 2]),
    ("$[*] ? (@.year >= 2021 && @.year <= 2021)", [1]),
    ("$[*] ? (@.year < 2020 || @.draft == true)", [0, 1]),
    ('$[*] ? (@.meta.lang == "en" && (@.year == 2019 || @.year == 2023))', [0, 2]),
    ('$ ? (@.tags[*] == "y")', [1]),
    ('$[*] ? ("bob" == @.author)', [1]),
    ("$[*] ? (!(@.draft == true))", [0, 2]),
    ("$[*] ? (@.missing != 1)", []),
    ('$[*] ? (@.year == "2019")', []),
]


@pytest.mark.parametrize(("path", "expected"), FILTERS, ids=[f[0] for f in FILTERS])
def test_jsonpath_filter_in_session_and_document_search(
    http: httpx.Client, path: str, expected: list[int]
) -> None:
    """The documented JSONPath subset filters session, cross-session and document search."""
    for i, meta in enumerate(ROWS):
        say(http, "j", f"apple pie recipe {i}", metadata=meta)
    http.post("collections/col", json={})
    docs = [{"content": f"apple pie recipe {i}", "metadata": m} for i, m in enumerate(ROWS)]
    http.post("collections/col/documents", json=docs)
    where = {"where": {"jsonpath": path}}
    hits = http.post("sessions/j/search", json={"text": "apple", "metadata": where}).json()
    assert sorted(h["message"]["content"][-1] for h in hits) == [str(i) for i in expected]
    across = http.post(
        "sessions/search", json={"text": "apple", "session_ids": ["j"], "record_filter": where}
    ).json()["results"]
    assert sorted(h["message"]["content"][-1] for h in across) == [str(i) for i in expected]
    found = http.post("collections/col/search", json={"text": "apple", "metadata": where})
    assert sorted(d["content"][-1] for d in found.json()["results"]) == [str(i) for i in expected]
    combined = {"where": {"and": [{"jsonpath": path}, {"jsonpath": '$ ? (@.author != "zz")'}]}}
    again = http.post("collections/col/search", json={"metadata": combined}).json()["results"]
    assert sorted(d["content"][-1] for d in again) == [str(i) for i in expected]


@pytest.mark.parametrize(
    "where",
    [
        {"jsonpath": '$[*] ? (@.author like_regex "a.*")'},
        {"jsonpath": "$.author"},
        {"jsonpath": '$[*] ? (@.author == "ada"'},
        {"jsonpath": "$[*] ? (@.year + 1 > 2)"},
        {"jsonpath": "$[*] ? (@.a[0] == 1)"},
        {"jsonpath": "$[*] ? " + "(" * 40 + "@.a == 1" + ")" * 40},
        {"jsonpath": 5},
        {"sql": "1=1"},
        {"and": []},
        {"jsonpath": "$ ? (@.a == 1)", "or": []},
    ],
)
def test_unsupported_filters_are_refused_not_ignored(http: httpx.Client, where: Any) -> None:
    """A filter the server cannot evaluate is a 400 naming it, never unfiltered results."""
    say(http, "j", "apple")
    http.post("collections/col", json={})
    body = {"text": "apple", "metadata": {"where": where}}
    for path in ("sessions/j/search", "collections/col/search"):
        answer = http.post(path, json=body)
        assert answer.status_code == 400, (path, answer.text)
        assert answer.json()["message"]


def test_metadata_filter_on_facts_is_refused(http: httpx.Client) -> None:
    """Facts have no metadata: a metadata filter with scope facts is a 400, not ignored."""
    say(http, "f", "I live in Lisbon")
    body = {"text": "Lisbon", "search_scope": "facts", "metadata": {"k": 1}}
    assert http.post("sessions/f/search", json=body).status_code == 400


# -- 17, 18: documents ---------------------------------------------------------------------------

ZEP_CLOUD_2 = {"X-Fern-SDK-Name": "zep-cloud", "X-Fern-SDK-Version": "2.22.0"}
ZEP_CLOUD_1 = {"X-Fern-SDK-Name": "zep-cloud", "X-Fern-SDK-Version": "1.0.9"}


def test_every_stored_document_counts_as_embedded(http: httpx.Client) -> None:
    """document_embedded_count equals document_count at once: the documents are searchable."""
    http.post("collections/col", json={})
    http.post("collections/col/documents", json=[{"content": "a"}, {"content": "b"}])
    collection = http.get("collections/col").json()
    assert collection["document_count"] == collection["document_embedded_count"] == 2
    listed = http.post("collections/col/search", json={"text": "a"}).json()["results"]
    assert listed and all(doc["is_embedded"] for doc in listed)


def test_added_document_uuids_come_in_each_clients_shape(http: httpx.Client) -> None:
    """Flat list by default (Zep's server, zep-cloud 1.x); nested for zep-cloud 2.x."""
    http.post("collections/col", json={})
    doc = [{"content": "a"}]
    flat = http.post("collections/col/documents", json=doc).json()
    assert isinstance(flat, list) and isinstance(flat[0], str)
    one = http.post("collections/col/documents", json=doc, headers=ZEP_CLOUD_1).json()
    assert isinstance(one[0], str)
    two = http.post("collections/col/documents", json=doc, headers=ZEP_CLOUD_2).json()
    assert isinstance(two, list) and len(two) == 1 and isinstance(two[0][0], str)
    got = http.post("collections/col/documents/batchGet", json={"uuids": flat}, headers=ZEP_CLOUD_1)
    assert got.json()[0]["uuid"] == flat[0]


def test_zep_cloud_1_document_client_parses_the_answers(http: httpx.Client) -> None:
    """zep-cloud 1.x's generated parsers (List[str], List[DocumentResponse]) accept our bodies."""
    http.post("collections/col", json={})
    from pydantic import v1 as pydantic_v1

    answer = http.post("collections/col/documents", json=[{"content": "a"}], headers=ZEP_CLOUD_1)
    uuids = pydantic_v1.parse_obj_as(list[str], answer.json())
    got = http.post(
        "collections/col/documents/batchGet", json={"uuids": uuids}, headers=ZEP_CLOUD_1
    )
    assert pydantic_v1.parse_obj_as(list[dict[str, Any]], got.json())[0]["content"] == "a"


# -- 19: cursor listings -------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["users", "sessions"])
def test_cursor_listing_pages_through_everything(http: httpx.Client, kind: str) -> None:
    """GET users / GET sessions page with limit and cursor (the last id seen), oldest first."""
    key = "user_id" if kind == "users" else "session_id"
    names = [f"n{i}" for i in range(7)]
    for name in names:
        assert http.post(kind, json={key: name}).status_code == 201
    assert [row[key] for row in http.get(kind).json()] == names
    seen: list[str] = []
    cursor = 0
    while page := http.get(kind, params={"limit": 3, "cursor": cursor}).json():
        assert len(page) <= 3
        seen += [row[key] for row in page]
        cursor = page[-1]["id"]
    assert seen == names


# -- 7: MMR --------------------------------------------------------------------------------------


def naive_mmr(texts: list[str], scores: list[float], limit: int, lam: float) -> list[int]:
    """The previous, O(k^2 n) algorithm: the reference the incremental one must agree with."""
    sets = [frozenset(tokens(t)) for t in texts]
    remaining, chosen = list(range(len(texts))), []
    while remaining and len(chosen) < limit:
        best, best_value = remaining[0], -math.inf
        for index in remaining:
            redundancy = max((jaccard(sets[index], sets[c]) for c in chosen), default=0.0)
            value = lam * scores[index] - (1 - lam) * redundancy
            if value > best_value:
                best, best_value = index, value
        chosen.append(best)
        remaining.remove(best)
    return chosen


@pytest.mark.parametrize("seed", range(5))
def test_incremental_mmr_picks_exactly_what_the_naive_one_did(seed: int) -> None:
    """Same hits in the same order as the quadratic reference, ties included."""
    rng = random.Random(seed)
    words = [f"w{i}" for i in range(30)]
    texts = [" ".join(rng.choices(words, k=rng.randint(1, 8))) for _ in range(80)]
    scores = [rng.choice([1.0, 0.5, rng.random()]) for _ in texts]
    lam = rng.choice([0.0, 0.3, 0.5, 1.0])
    got = [text for text, _ in mmr(texts, scores, lambda t: t, 25, lam)]
    assert got == [texts[i] for i in naive_mmr(texts, scores, 25, lam)]


def test_storage_reads_do_not_wait_for_the_write_lock(tmp_path: Path) -> None:
    """A read runs while another thread holds the write transaction (WAL, pooled readers)."""
    storage = Storage(tmp_path / "s.db")
    try:
        with storage.write() as conn:
            conn.execute("INSERT INTO meta(key, value) VALUES ('k', 'uncommitted')")
            with storage.read() as reader:  # would deadlock on the single locked connection
                assert reader.execute("SELECT value FROM meta WHERE key='k'").fetchone() is None
        with storage.read() as reader:
            assert reader.execute("SELECT value FROM meta WHERE key='k'").fetchone()[0] == (
                "uncommitted"
            )
            with pytest.raises(sqlite3.OperationalError):
                reader.execute("INSERT INTO meta(key, value) VALUES ('x', 'y')")
    finally:
        storage.close()


def test_json_values_in_answers_round_trip(http: httpx.Client) -> None:
    """Metadata at the limits (64-bit integers, deep but allowed nesting) reads back unchanged."""
    meta = {"big": 2**63 - 1, "small": -(2**63) + 1, "f": 1e308, "s": "é\u2028"}
    say(http, "r", "hello", metadata=meta)
    assert http.get("sessions/r/messages").json()["messages"][0]["metadata"] == meta
    assert json.loads(json.dumps(meta)) == meta
