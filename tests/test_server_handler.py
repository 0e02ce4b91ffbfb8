"""Handler behaviour per endpoint, through the in-process httpx transport."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest

from zep_integrations.server import ZepServer


def _clock() -> Any:
    ticks = itertools.count()
    start = datetime(2024, 6, 1, 9, 0, tzinfo=timezone.utc)
    return lambda: start + timedelta(seconds=next(ticks))


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ZepServer]:
    srv = ZepServer(tmp_path / "z.db", clock=_clock())
    yield srv
    srv.close()


def msgs(*contents: str, role_type: str = "user") -> dict[str, Any]:
    return {"messages": [{"role_type": role_type, "role": "Jane", "content": c} for c in contents]}


def test_healthz_is_open(tmp_path: Path) -> None:
    """/healthz answers without a key while the API requires one."""
    srv = ZepServer(tmp_path / "a.db", api_key="k")
    with httpx.Client(transport=srv.transport(), base_url="http://zep") as c:
        assert c.get("/healthz").status_code == 200
        denied = c.get("/api/v2/sessions-ordered")
        assert denied.status_code == 401
        assert denied.json() == {"message": "unauthorized"}
        assert denied.headers["content-type"] == "application/json; charset=utf-8"
        wrong = c.get("/api/v2/sessions-ordered", headers={"Authorization": "Api-Key x"})
        assert wrong.status_code == 401
        ok = c.get("/api/v2/sessions-ordered", headers={"Authorization": "Api-Key k"})
        assert ok.status_code == 200
    assert "k'" not in repr(srv)


def test_session_create_get_duplicate_and_unknown_user(http: httpx.Client) -> None:
    """POST sessions answers 201, duplicates and unknown users are 400 with CE texts."""
    r = http.post("sessions", json={"session_id": "s1", "metadata": {"a": 1, "system": 2}})
    assert r.status_code == 201
    assert r.json()["session_id"] == "s1" and r.json()["metadata"] == {"a": 1}
    assert r.json()["created_at"].endswith("Z") and r.json()["ended_at"] is None
    dup = http.post("sessions", json={"session_id": "s1"})
    assert dup.status_code == 400
    assert dup.json() == {"message": "session already exists with session_id: s1"}
    nouser = http.post("sessions", json={"session_id": "s2", "user_id": "ghost"})
    assert nouser.json() == {"message": "user not found"} and nouser.status_code == 400
    assert http.request("GET", "sessions/s1", content=b"{}").json()["session_id"] == "s1"
    assert http.get("sessions/nope").status_code == 404


def test_patch_session_deep_merges_and_ended_is_409(http: httpx.Client) -> None:
    """PATCH merges nested metadata, drops system, and an ended session answers 409."""
    http.post("sessions", json={"session_id": "s", "metadata": {"a": {"x": 1}, "b": 1}})
    r = http.patch("sessions/s", json={"metadata": {"a": {"y": 2}, "system": 1}})
    assert r.json()["metadata"] == {"a": {"x": 1, "y": 2}, "b": 1}
    end = http.post(
        "sessions/s/end", json={"classify": {"classes": ["pets", "travel"], "name": "topic"}}
    )
    assert end.json()["session"]["ended_at"] is not None
    late = http.patch("sessions/s", json={"metadata": {"c": 1}})
    assert late.status_code == 409 and late.headers["retry-after"] == "0"
    write = http.post("sessions/s/memory", json=msgs("hi"))
    assert write.status_code == 409 and write.json() == {"message": "session has ended"}


def test_sessions_ordered_paging_both_spellings(http: httpx.Client) -> None:
    """sessions-ordered pages with page_number/page_size and pageNumber/pageSize alike."""
    for i in range(5):
        http.post("sessions", json={"session_id": f"s{i}"})
    everything = http.get("sessions-ordered", params={"page_number": "", "page_size": ""}).json()
    assert [s["session_id"] for s in everything["sessions"]] == ["s4", "s3", "s2", "s1", "s0"]
    snake = http.get("sessions-ordered", params={"page_number": 2, "page_size": 2}).json()
    camel = http.get("sessions-ordered", params={"pageNumber": 2, "pageSize": 2}).json()
    assert [s["session_id"] for s in snake["sessions"]] == ["s2", "s1"]
    assert snake["sessions"] == camel["sessions"]
    assert snake["total_count"] == 5 and snake["response_count"] == 2
    asc = http.get("sessions-ordered", params={"order_by": "session_id", "asc": "true"}).json()
    assert asc["sessions"][0]["session_id"] == "s0"
    assert http.get("sessions-ordered", params={"order_by": "bogus"}).status_code == 400


def test_memory_write_read_and_messages_pagination(http: httpx.Client) -> None:
    """POST memory auto-creates the session; GET memory and messages are oldest first."""
    r = http.post(
        "sessions/auto/memory", json={**msgs(*[f"m{i}" for i in range(10)]), "return_context": True}
    )
    assert r.status_code == 200 and r.json()["message"] == "OK" and "context" in r.json()
    assert http.get("sessions/auto").json()["user_id"] is None
    mem = http.get("sessions/auto/memory", params={"lastn": ""}).json()
    assert [m["content"] for m in mem["messages"]] == [f"m{i}" for i in range(4, 10)]
    assert [m["content"] for m in http.get("sessions/auto/memory?lastn=2").json()["messages"]] == [
        "m8",
        "m9",
    ]
    neg = http.get("sessions/auto/memory?lastn=-1")
    assert neg.status_code == 400 and neg.json() == {"message": "lastn cannot be negative"}
    page = http.get("sessions/auto/messages", params={"limit": 3, "cursor": 2}).json()
    assert [m["content"] for m in page["messages"]] == ["m3", "m4", "m5"]
    assert page["total_count"] == 10 and page["row_count"] == 3
    past = http.get("sessions/auto/messages", params={"limit": 3, "cursor": 9}).json()
    assert past["messages"] == [] and past["row_count"] == 0
    assert http.get("sessions/missing/memory").status_code == 404
    assert http.get("sessions/missing/messages").status_code == 404


def test_message_get_and_metadata_merge(http: httpx.Client) -> None:
    """A message can be fetched by UUID and its metadata deep-merged."""
    http.post(
        "sessions/s/memory",
        json={"messages": [{"role_type": "user", "content": "x", "metadata": {"a": {"b": 1}}}]},
    )
    uid = http.get("sessions/s/messages").json()["messages"][0]["uuid"]
    assert http.get(f"sessions/s/messages/{uid}").json()["content"] == "x"
    r = http.patch(f"sessions/s/messages/{uid}", json={"metadata": {"a": {"c": 2}}})
    assert r.json()["metadata"] == {"a": {"b": 1, "c": 2}} and r.json()["content"] == "x"
    assert http.get("sessions/s/messages/not-a-uuid").status_code == 400
    assert http.get("sessions/s/messages/00000000-0000-4000-8000-000000000000").status_code == 404


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "request body is not valid JSON"),
        (b"[]", "request body must be a JSON object"),
        (json.dumps({"messages": []}).encode(), "messages must be a non-empty array"),
        (
            json.dumps({"messages": [{"content": "x"}]}).encode(),
            "messages are required to have a RoleType",
        ),
        (
            json.dumps({"messages": [{"content": "x", "role_type": "robot"}]}).encode(),
            "role_type must be one of",
        ),
        (
            json.dumps({"messages": [{"content": 5, "role_type": "user"}]}).encode(),
            "content must be a string",
        ),
        (
            json.dumps({"messages": [{"content": "x" * 2501, "role_type": "user"}]}).encode(),
            "message content exceeds 2500 characters",
        ),
        (json.dumps(msgs(*["x"] * 31)).encode(), "at most 30 messages"),
    ],
)
def test_bad_writes_are_400_and_write_nothing(
    http: httpx.Client, body: bytes, message: str
) -> None:
    """Malformed writes are rejected with a clear 400 and no partial write."""
    r = http.post("sessions/w/memory", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 400 and message in r.json()["message"]
    assert http.get("sessions/w").status_code == 404


def test_partial_batch_is_not_written(http: httpx.Client) -> None:
    """One bad message in a batch rejects the whole batch."""
    http.post("sessions", json={"session_id": "p"})
    body = {
        "messages": [
            {"role_type": "user", "content": "ok"},
            {"role_type": "user", "content": "x" * 3000},
        ]
    }
    assert http.post("sessions/p/memory", json=body).status_code == 400
    assert http.get("sessions/p/messages").json()["total_count"] == 0


def test_body_limit_is_413(tmp_path: Path) -> None:
    """Bodies over max_body_bytes answer 413."""
    srv = ZepServer(tmp_path / "b.db", max_body_bytes=100)
    with httpx.Client(transport=srv.transport(), base_url="http://zep/api/v2/") as c:
        r = c.post("sessions/s/memory", json=msgs("x" * 200))
        assert r.status_code == 413 and r.json() == {"message": "request body too large"}


def test_users_crud_paging_and_cascade(http: httpx.Client) -> None:
    """Users: 201 create, duplicate 400, merge, newest-first paging, cascade delete."""
    for i in range(3):
        assert http.post("users", json={"user_id": f"u{i}", "email": f"u{i}@x"}).status_code == 201
    dup = http.post("users", json={"user_id": "u0"})
    assert dup.json() == {"message": "user already exists with user_id: u0"}
    r = http.patch("users/u0", json={"first_name": "Jane", "metadata": {"k": {"a": 1}}})
    assert r.json()["first_name"] == "Jane" and r.json()["email"] == "u0@x"
    page = http.get("users-ordered", params={"pageNumber": 1, "pageSize": 2}).json()
    assert [u["user_id"] for u in page["users"]] == ["u2", "u1"] and page["total_count"] == 3
    assert page["row_count"] == 2
    http.post("sessions", json={"session_id": "us", "user_id": "u0"})
    http.post("sessions/us/memory", json=msgs("I live in Paris."))
    assert [s["session_id"] for s in http.get("users/u0/sessions").json()] == ["us"]
    wrapped = http.get("users/u0/sessions", headers={"X-Fern-SDK-Name": "zep-python"}).json()
    assert [s["session_id"] for s in wrapped[0]] == ["us"]
    assert http.get("users/u0/facts").json()["facts"][0]["content"] == "Jane: I live in Paris."
    assert http.get("users/u0/node").json()["node"]["name"] == "Jane"
    assert http.delete("users/u0").json() == {"message": "OK"}
    assert http.get("sessions/us").status_code == 404
    assert http.get("users/u0").status_code == 404


def test_delete_session_cascades(http: httpx.Client, server: ZepServer) -> None:
    """DELETE sessions/{id}/memory removes the session, messages, facts and FTS rows."""
    http.post("sessions/d/memory", json=msgs("I like tea.", "I like coffee."))
    assert http.delete("sessions/d/memory").json() == {"message": "OK"}
    assert http.get("sessions/d").status_code == 404
    assert http.delete("sessions/d/memory").status_code == 404
    with server.storage.read() as conn:
        assert conn.execute("SELECT count(*) FROM messages").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM facts").fetchone()[0] == 0
        assert (
            conn.execute(
                "SELECT count(*) FROM messages_fts WHERE messages_fts MATCH 'tea'"
            ).fetchone()[0]
            == 0
        )


def test_facts_add_get_delete_both_sdks(http: httpx.Client) -> None:
    """Facts carry fact, content, uuid and created_at; DELETE answers per SDK."""
    http.post("sessions", json={"session_id": "f"})
    assert (
        http.post(
            "sessions/f/facts",
            json={"facts": [{"fact": "Jane likes tea"}, {"fact": "Jane has a cat"}]},
        ).status_code
        == 200
    )
    facts = http.get("sessions/f/facts").json()["facts"]
    assert {"uuid", "fact", "content", "created_at"} <= set(facts[0]) and facts[0]["fact"] == facts[
        0
    ]["content"]
    one = http.get(f"facts/{facts[0]['uuid']}").json()["fact"]
    assert one["content"] == "Jane likes tea"
    assert http.delete(f"facts/{facts[0]['uuid']}").json() == {"message": "OK"}
    assert (
        http.delete(f"facts/{facts[1]['uuid']}", headers={"X-Fern-SDK-Name": "zep-python"}).json()
        == "Deleted"
    )
    assert http.get(f"facts/{facts[0]['uuid']}").status_code == 404
    assert http.get("sessions/nope/facts").status_code == 404


def test_end_sessions_classify_question_extract_summary(http: httpx.Client) -> None:
    """end/classify/synthesize_question/extract/summary answer deterministic local results."""
    http.post(
        "sessions/c/memory",
        json=msgs("My favourite colour is blue.", "I want to book a flight to Rome."),
    )
    cls = http.post(
        "sessions/c/classify", json={"classes": ["pets", "flight booking"], "name": "intent"}
    ).json()
    assert cls == {"class": "flight booking", "label": "intent"}
    assert http.get("sessions/c").json()["classifications"] == {"intent": "flight booking"}
    q = http.get("sessions/c/synthesize_question", params={"lastNMessages": 2}).json()["question"]
    assert "Rome" in q and q.endswith("?")
    schema = json.dumps(
        {
            "type": "object",
            "properties": {"favourite_colour": {"type": "string"}, "age": {"type": "string"}},
        }
    )
    ext = http.post("sessions/c/extract", json={"last_n": 4, "model_schema": schema}).json()
    assert ext == {"favourite_colour": "blue", "age": ""}
    assert (
        http.post("sessions/c/extract", json={"last_n": 4, "model_schema": "nope"}).status_code
        == 400
    )
    assert http.get("sessions/c/summary").json()["summaries"] == []
    http.post("sessions", json={"session_id": "c2"})
    ended = http.post("sessions/end", json={"session_ids": ["c", "c2"]}).json()
    assert all(s["ended_at"] for s in ended["sessions"])
    assert http.post("sessions/end", json={"session_ids": ["ghost"]}).status_code == 404


def test_summary_written_after_window_overflow(http: httpx.Client) -> None:
    """Once enough messages leave the window a summary appears in memory and summary list."""
    for batch in range(3):
        texts = [f"Topic {batch}-{i} is about gardening tools." for i in range(30)]
        http.post("sessions/sum/memory", json=msgs(*texts))
    summaries = http.get("sessions/sum/summary").json()["summaries"]
    assert len(summaries) == 1 and "gardening" in summaries[0]["content"]
    assert http.get("sessions/sum/memory").json()["summary"]["uuid"] == summaries[0]["uuid"]


def test_documents_lifecycle(http: httpx.Client) -> None:
    """Collections and documents use Zep's bodies and merge metadata."""
    assert http.post("collections/docs", json={"description": "d"}).json() == {"message": "OK"}
    assert http.post("collections/docs", json={}).status_code == 400
    flat = http.post(
        "collections/docs/documents",
        json=[
            {"content": "Paris is in France", "document_id": "d1"},
            {"content": "Rome is in Italy", "document_id": "d2"},
        ],
    ).json()
    assert len(flat) == 2 and all(isinstance(u, str) for u in flat)  # Zep's own server's shape
    uuids = [flat]
    listed = http.request("GET", "collections", content=b"{}").json()
    assert listed[0][0]["name"] == "docs" and listed[0][0]["document_count"] == 2
    got = http.post("collections/docs/documents/batchGet", json={"document_ids": ["d2"]}).json()
    assert got[0][0]["content"] == "Rome is in Italy"
    http.patch(
        "collections/docs/documents/batchUpdate", json=[{"uuid": uuids[0][0], "metadata": {"k": 1}}]
    )
    http.patch(f"collections/docs/documents/uuid/{uuids[0][0]}", json={"metadata": {"j": 2}})
    assert http.get(f"collections/docs/documents/uuid/{uuids[0][0]}").json()["metadata"] == {
        "k": 1,
        "j": 2,
    }
    http.post("collections/docs/documents/batchDelete", json=[uuids[0][1]])
    assert http.delete(f"collections/docs/documents/uuid/{uuids[0][0]}").json() == {"message": "OK"}
    assert http.get("collections/docs").json()["document_count"] == 0
    http.patch("collections/docs", json={"description": "e"})
    assert http.get("collections/docs").json()["description"] == "e"
    assert http.delete("collections/docs").json() == {"message": "OK"}
    assert http.get("collections/docs").status_code == 404


def test_unknown_route_and_method(http: httpx.Client) -> None:
    """Unknown paths are 404 and known paths with a wrong method 405, both JSON."""
    assert http.get("nothing/here").status_code == 404
    assert http.put("sessions/x").status_code == 405
