"""The v4 API in-process: idempotency (concurrency, expiry, refusals), tasks, addresses, upgrade."""

from __future__ import annotations

import sqlite3
import threading
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest

from zep_integrations.server import ZepServer
from zep_integrations.server.graph import user_graph_uuid
from zep_integrations.server.storage import MIGRATIONS, _split_sql

NOW = "2024-06-01T09:00:00.000000Z"


def v4(server: ZepServer) -> httpx.Client:
    return httpx.Client(transport=server.transport(), base_url="http://zep/api/v4/")


def new_thread(http: httpx.Client) -> str:
    user = http.post("users", json={"first_name": "Jane"}).json()
    return str(http.post("threads", json={"user_uuid": user["uuid"]}).json()["uuid"])


def add(http: httpx.Client, thread: str, content: str, key: str | None) -> httpx.Response:
    headers = {"Idempotency-Key": key} if key else {}
    body = {"messages": [{"role": "user", "content": content}]}
    return http.post(f"threads/{thread}/messages", json=body, headers=headers)


def stored(http: httpx.Client, thread: str) -> list[str]:
    page = http.get(f"threads/{thread}/messages", params={"page_size": 1000}).json()
    return [m["content"] for m in page["items"]]


def test_concurrent_duplicates_apply_once(tmp_path: Path) -> None:
    """Sixteen threads on two server instances sharing one file send one key: one write."""
    db = tmp_path / "zep.db"
    servers = [ZepServer(db), ZepServer(db)]
    try:
        thread = new_thread(v4(servers[0]))
        answers: list[tuple[int, Any]] = []
        lock = threading.Lock()
        start = threading.Barrier(16)

        def send(i: int) -> None:
            http = v4(servers[i % 2])
            start.wait()
            answer = add(http, thread, "I like tea.", "same-key")
            with lock:
                answers.append((answer.status_code, answer.json()))

        workers = [threading.Thread(target=send, args=(i,)) for i in range(16)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        assert len(answers) == 16 and all(answer == answers[0] for answer in answers)
        assert answers[0][0] == 202
        assert stored(v4(servers[1]), thread) == ["I like tea."]
    finally:
        for server in servers:
            server.close()


def test_keys_are_kept_24_hours_then_forgotten(tmp_path: Path) -> None:
    """A key replays for 24 hours by the server clock; after that the same request applies anew."""
    now = [datetime(2026, 1, 1, tzinfo=timezone.utc)]
    server = ZepServer(tmp_path / "zep.db", clock=lambda: now[0])
    http = v4(server)
    thread = new_thread(http)
    first = add(http, thread, "one", "k").json()
    now[0] += timedelta(hours=23, minutes=59)
    assert add(http, thread, "one", "k").json() == first
    assert stored(http, thread) == ["one"]
    now[0] += timedelta(minutes=2)
    again = add(http, thread, "one", "k").json()
    assert again["messages"][0]["uuid"] != first["messages"][0]["uuid"]
    assert stored(http, thread) == ["one", "one"]
    server.close()


def test_refused_request_keeps_no_key_and_reuse_stores_nothing(tmp_path: Path) -> None:
    """A refused write records nothing under its key; reusing a key for another body is 422."""
    server = ZepServer(tmp_path / "zep.db")
    http = v4(server)
    thread = new_thread(http)
    refused = add(http, thread, "x" * 4097, "k1")
    assert refused.status_code == 400
    assert add(http, thread, "fixed", "k1").status_code == 202
    reused = add(http, thread, "another", "k1")
    assert reused.status_code == 422
    error = reused.json()["error"]
    assert error["code"] == "idempotency_key_reused" and error["param"] == "Idempotency-Key"
    assert stored(http, thread) == ["fixed"]
    # The same key on another path is another request too.
    other = new_thread(http)
    assert add(http, other, "fixed", "k1").status_code == 422
    assert stored(http, other) == []
    too_long = add(http, thread, "y", "k" * 256)
    assert too_long.status_code == 400
    assert too_long.json()["error"]["code"] == "invalid_idempotency_key"
    server.close()


def test_reads_ignore_the_key(tmp_path: Path) -> None:
    """POST reads (lists, lookups, search) answer afresh whatever key they carry."""
    server = ZepServer(tmp_path / "zep.db")
    http = v4(server)
    headers = {"Idempotency-Key": "read"}
    assert http.post("users/list", json={}, headers=headers).json()["total_size"] == 0
    http.post("users", json={"first_name": "Ann"})
    listed = http.post("users/list", json={"search": "ann"}, headers=headers).json()
    assert listed["total_size"] == 1
    with sqlite3.connect(tmp_path / "zep.db") as conn:
        assert conn.execute("SELECT count(*) FROM idempotency_keys").fetchone()[0] == 0
    server.close()


def test_error_envelope_for_handler_errors(tmp_path: Path) -> None:
    """404, 405, 401 and 413 from the handler itself carry the v4 envelope under /api/v4."""
    server = ZepServer(tmp_path / "zep.db", api_key="k", max_body_bytes=100)
    http = httpx.Client(
        transport=server.transport(),
        base_url="http://zep/api/v4/",
        headers={"Authorization": "Api-Key k"},
    )
    cases = [
        (http.get("users/x/y/z"), 404, "not_found"),
        (http.delete("users"), 405, "method_not_allowed"),
        (http.post("users", content=b"[" * 200), 413, "payload_too_large"),
        (http.post("users", content=b"{"), 400, "invalid_request"),
        (http.get("tasks/nope"), 400, "invalid_identifier"),
        (http.get(f"tasks/{uuid.uuid4()}"), 404, "not_found"),
        (http.get("threads", params={"cursor": "bogus"}), 400, "invalid_request"),
    ]
    for answer, status, code in cases:
        assert answer.status_code == status, answer.text
        assert answer.json()["error"]["code"] == code
        assert answer.json()["error"]["request_id"]
    denied = httpx.Client(transport=server.transport()).get("http://zep/api/v4/users/x")
    assert denied.status_code == 401 and denied.json()["error"]["code"] == "unauthorized"
    # v2 keeps its own body.
    assert http.get("http://zep/api/v2/sessions/none").json() == {"message": "not found"}
    server.close()


def test_graph_uuid_resolves_to_its_user(tmp_path: Path) -> None:
    """A user's graph is found by its graph_uuid (also for users added later) or the user's UUID."""
    server = ZepServer(tmp_path / "zep.db")
    http = v4(server)
    first = http.post("users", json={"first_name": "Al"}).json()
    assert http.get(f"graphs/{first['graph_uuid']}").json()["user_uuid"] == first["uuid"]
    later = http.post("users", json={"first_name": "Bo"}).json()
    assert later["graph_uuid"] == user_graph_uuid(later["uuid"]) != later["uuid"]
    for user in (first, later):
        for address in (user["graph_uuid"], user["uuid"]):
            assert http.get(f"graphs/{address}").json()["user_uuid"] == user["uuid"]
    http.delete(f"users/{later['uuid']}")
    assert http.get(f"graphs/{later['graph_uuid']}").status_code == 404
    server.close()


def _release_database(path: Path) -> None:
    """A database as today's release leaves it: every migration before the v4 one, with data."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    version = MIGRATIONS.index(next(m for m in MIGRATIONS if "idempotency_keys" in m))
    for script in MIGRATIONS[:version]:
        for statement in _split_sql(script):
            conn.execute(statement)
    conn.execute(f"PRAGMA user_version = {version}")
    conn.execute(
        "INSERT INTO users(uuid, user_id, first_name, created_at, updated_at)"
        " VALUES ('00000000-0000-4000-8000-000000000001', 'jane', 'Jane', ?, ?)",
        (NOW, NOW),
    )
    conn.execute(
        "INSERT INTO sessions(uuid, session_id, user_id, created_at, updated_at)"
        " VALUES ('00000000-0000-4000-8000-000000000002', 'chat', 'jane', ?, ?)",
        (NOW, NOW),
    )
    conn.execute(
        "INSERT INTO messages(uuid, session_id, role, role_type, content, token_count,"
        " created_at, updated_at) VALUES ('00000000-0000-4000-8000-000000000003',"
        " (SELECT id FROM sessions), 'Jane', 'user', 'I live in Paris.', 5, ?, ?)",
        (NOW, NOW),
    )
    conn.close()


@pytest.mark.parametrize("how", ["v2", "v4"])
def test_release_database_upgrades_and_serves_v4(tmp_path: Path, how: str) -> None:
    """A file from today's release gains the v4 tables, keeps its data and answers both APIs."""
    path = tmp_path / "release.db"
    _release_database(path)
    server = ZepServer(path)
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    http = v4(server)
    if how == "v2":
        v2 = httpx.Client(transport=server.transport(), base_url="http://zep/api/v2/")
        assert v2.get("sessions/chat").json()["user_id"] == "jane"
    thread = http.post("threads/lookup", json={"thread_id": "chat"}).json()
    assert thread["uuid"] == "00000000-0000-4000-8000-000000000002"
    assert stored(http, thread["uuid"]) == ["I live in Paris."]
    assert add(http, thread["uuid"], "Still in Paris.", "k").status_code == 202
    task = http.delete(f"threads/{thread['uuid']}").json()["task"]
    assert http.get(f"tasks/{task['uuid']}").json()["status"] == "succeeded"
    server.close()


def test_add_messages_answer_matches_what_is_stored(tmp_path: Path) -> None:
    """The messages an add answers with are exactly those a read returns afterwards."""
    server = ZepServer(tmp_path / "zep.db")
    http = v4(server)
    thread = new_thread(http)
    body = {
        "messages": [
            {"role": "user", "name": "Jane", "content": "Olá, I'm in Porto."},
            {
                "role": "assistant",
                "content": "Nice!",
                "metadata": {"k": [1, "a"]},
                "reference_time": "2026-01-02T03:04:05+01:00",
            },
        ]
    }
    added = http.post(f"threads/{thread}/messages", json=body).json()
    listed = http.get(f"threads/{thread}/messages").json()["items"]
    assert added["messages"] == listed
    assert listed[1]["reference_time"] == "2026-01-02T02:04:05.000000Z"
    surrogate = b'{"messages": [{"role": "user", "content": "bad \\ud800"}]}'
    refused = http.post(
        f"threads/{thread}/messages",
        content=surrogate,
        headers={"content-type": "application/json"},
    )
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "invalid_request"
    assert len(http.get(f"threads/{thread}/messages").json()["items"]) == 2
    server.close()


def test_nested_writes_are_one_transaction(tmp_path: Path) -> None:
    """A write inside a write of the same thread joins it: both commit or neither does."""
    from zep_integrations.server.storage import Storage

    store = Storage(tmp_path / "s.db")
    with pytest.raises(RuntimeError), store.write() as outer:
        outer.execute("INSERT INTO meta(key, value) VALUES ('outer', '1')")
        with store.write() as inner:
            inner.execute("INSERT INTO meta(key, value) VALUES ('inner', '1')")
        raise RuntimeError("after the inner write")
    with store.write() as outer:
        with store.write() as inner:
            inner.execute("INSERT INTO meta(key, value) VALUES ('kept', '1')")
        outer.execute("INSERT INTO meta(key, value) VALUES ('also', '1')")
    with store.read() as conn:
        keys = sorted(row[0] for row in conn.execute("SELECT key FROM meta"))
    assert keys == ["also", "kept"]
    store.close()


def test_no_v4_route_answers_500_or_a_bare_error(tmp_path: Path) -> None:
    """Hostile addresses, bodies and queries on every v4 route: never 500, errors enveloped."""
    import base64
    import itertools
    import json

    from zep_integrations.server.v4 import ROUTES

    server = ZepServer(tmp_path / "zep.db")
    http = v4(server)
    user = http.post("users", json={"first_name": "A"}).json()
    thread = http.post("threads", json={"user_uuid": user["uuid"]}).json()
    body = {"messages": [{"role": "user", "content": "I live in Rome."}]}
    message = http.post(f"threads/{thread['uuid']}/messages", json=body).json()["messages"][0]
    values = [
        user["uuid"],
        user["graph_uuid"],
        thread["uuid"],
        message["uuid"],
        "x",
        str(uuid.UUID(int=0)),
    ]
    hostile = {
        "query": "rome",
        "messages": [{"role": "user", "content": 1}],
        "metadata": [],
        "data": {},
        "type": 5,
        "user_uuid": 3,
        "filters": {"edge_types": "x", "bogus": [1]},
        "reranker": "mmr",
        "mmr_lambda": 2,
        "max_characters": 10**30,
        "search": 1,
        "users": "x",
        "reference_time": "nope",
        "name": 5,
    }
    bodies = [b"", b"[]", b"null", b'"s"', b"{}", json.dumps(hostile).encode()]
    forged = base64.urlsafe_b64encode(b"o" + b"9" * 30).decode()
    queries = [{}, {"page_size": "0"}, {"page_size": "9" * 30, "order": "up"}, {"cursor": forged}]
    for route in ROUTES:
        names = [part[1:-1] for part in route.pattern.split("/") if part.startswith("{")]
        for combo in itertools.product(values, repeat=len(names)):
            path = route.pattern
            for name, value in zip(names, combo, strict=True):
                path = path.replace(f"{{{name}}}", "edges" if name == "scope" else value)
            for content, params in itertools.product(bodies, queries):
                answer = http.request(
                    route.method,
                    path,
                    content=content,
                    params=params,
                    headers={"content-type": "application/json"},
                )
                assert answer.status_code < 500, (route.method, path, content, params)
                if answer.status_code >= 400:
                    assert set(answer.json()["error"]) >= {"code", "message", "request_id"}
    server.close()


def test_resent_delete_answers_like_the_first(tmp_path: Path) -> None:
    """A delete resent with its key gets the first 202 and task; without a key it is 404."""
    server = ZepServer(tmp_path / "zep.db")
    http = v4(server)
    thread = new_thread(http)
    first = http.delete(f"threads/{thread}", headers={"Idempotency-Key": "del"})
    again = http.delete(f"threads/{thread}", headers={"Idempotency-Key": "del"})
    assert first.status_code == again.status_code == 202
    assert first.json() == again.json()
    assert http.delete(f"threads/{thread}").status_code == 404
    server.close()
