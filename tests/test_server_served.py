"""Served mode: both official Zep SDKs, unchanged, against `zep-integrations serve` on loopback."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from zep_integrations import ZepClient
from zep_integrations.server.process import start_serve

REPO = Path(__file__).resolve().parents[1]
KEY = "test-key"


def start_server(db: Path, api_key: str | None = KEY) -> tuple[subprocess.Popen[bytes], int]:
    served = start_serve(db, api_key=api_key, output=subprocess.DEVNULL)
    return served.process, served.port


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="session")
def port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    proc, port = start_server(tmp_path_factory.mktemp("served") / "zep.db")
    yield port
    stop_server(proc)


def uid(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


def test_zep_cloud_sdk_memory_and_users(port: int) -> None:
    """zep-cloud 2.22.1 runs its memory and user calls against the served API."""
    from zep_cloud import ClassifySessionRequest, Message, NewFact
    from zep_cloud.client import Zep

    client = Zep(api_key=KEY, base_url=f"http://127.0.0.1:{port}/api/v2")
    user, session = uid("u"), uid("s")
    assert client.user.add(user_id=user, email="j@x", first_name="Jane").user_id == user
    assert client.user.get(user).first_name == "Jane"
    assert client.user.update(user, last_name="Doe").last_name == "Doe"
    assert any(
        u.user_id == user for u in client.user.list_ordered(page_number=1, page_size=100).users
    )
    assert client.memory.add_session(session_id=session, user_id=user).session_id == session
    assert client.memory.update_session(session, metadata={"a": 1}).metadata == {"a": 1}
    assert client.memory.get_session(session).user_id == user
    listed = client.memory.list_sessions(page_number=1, page_size=5)
    assert listed.response_count is not None and listed.total_count is not None
    added = client.memory.add(
        session,
        messages=[
            Message(role_type="user", role="Jane", content="I live in Lisbon and I love surfing."),
            Message(role_type="assistant", role="bot", content="Lisbon has great waves."),
        ],
        return_context=True,
    )
    assert added.context is not None
    memory = client.memory.get(session, lastn=2)
    assert next(m.content for m in memory.messages or []).startswith("I live in Lisbon")
    assert memory.relevant_facts and memory.relevant_facts[0].content
    messages = client.memory.get_session_messages(session, limit=1, cursor=2)
    assert messages.messages and messages.messages[0].role == "bot"
    one = client.memory.get_session_message(session, messages.messages[0].uuid_)
    assert one.content == "Lisbon has great waves."
    updated = client.memory.update_message_metadata(session, one.uuid_, metadata={"k": "v"})
    assert updated.metadata == {"k": "v"}
    hits = client.memory.search(session, text="surfing", limit=1)
    assert hits[0].message is not None and "surfing" in hits[0].message.content
    found = client.memory.search_sessions(text="surfing", user_id=user, limit=5)
    assert found.results and found.results[0].session_id == session
    assert client.memory.get_summaries(session).summaries == []
    assert client.memory.synthesize_question(session, last_n_messages=2).question
    schema = json.dumps({"type": "object", "properties": {"city": {"type": "string"}}})
    assert client.memory.extract_data(session, last_n=4, model_schema=schema) == {"city": ""}
    client.memory.add_session_facts(session, facts=[NewFact(fact="Jane owns a red surfboard")])
    facts = client.memory.get_session_facts(session).facts or []
    fact = next(f for f in facts if "surfboard" in f.content)
    assert client.memory.get_fact(fact.uuid_).fact.content == fact.content
    assert client.user.get_facts(user).facts
    assert client.user.get_node(user).node.name
    client.memory.delete_fact(fact.uuid_)
    cls = client.memory.classify_session(session, classes=["sports", "cooking"], name="topic")
    assert cls.class_ == "sports"
    ended = client.memory.end_session(
        session, classify=ClassifySessionRequest(classes=["sports", "cooking"], name="t2")
    )
    assert ended.session is not None and ended.session.ended_at
    other = uid("s")
    client.memory.add_session(session_id=other, user_id=user)
    assert len(client.memory.end_sessions(session_ids=[other]).sessions or []) == 1
    assert {s.session_id for s in client.user.get_sessions(user)} == {session, other}
    client.memory.delete(other)
    client.user.delete(user)


def test_zep_cloud_sdk_errors_are_fast(port: int) -> None:
    """An ended session's 409 fails fast (Retry-After: 0) and 404 maps to NotFoundError."""
    from zep_cloud import Message
    from zep_cloud.client import Zep
    from zep_cloud.core.api_error import ApiError
    from zep_cloud.errors import NotFoundError

    client = Zep(api_key=KEY, base_url=f"http://127.0.0.1:{port}/api/v2")
    session = uid("s")
    client.memory.add_session(session_id=session, user_id=None)  # type: ignore[arg-type]
    client.memory.end_session(session)
    start = time.monotonic()
    with pytest.raises(ApiError) as info:
        client.memory.add(session, messages=[Message(role_type="user", content="late")])
    assert info.value.status_code == 409
    assert time.monotonic() - start < 3
    with pytest.raises(NotFoundError):
        client.memory.get_session(uid("missing"))
    with pytest.raises(ApiError) as denied:
        Zep(api_key="wrong", base_url=f"http://127.0.0.1:{port}/api/v2").memory.get_session("x")
    assert denied.value.status_code == 401


def test_zep_cloud_sdk_documents(port: int) -> None:
    """zep-cloud's document namespace works with the list-of-lists bodies."""
    from zep_cloud import CreateDocumentRequest, UpdateDocumentListRequest
    from zep_cloud.client import Zep

    client = Zep(api_key=KEY, base_url=f"http://127.0.0.1:{port}/api/v2")
    name = uid("col")
    client.document.add_collection(name, description="d")
    assert client.document.get_collection(name).name == name
    assert any(c.name == name for c in client.document.list_collections()[0])
    client.document.update_collection(name, description="e")
    (uuids,) = client.document.add_documents(
        name,
        request=[
            CreateDocumentRequest(content="Lisbon is by the ocean", document_id="d1"),
            CreateDocumentRequest(content="Madrid is inland", document_id="d2"),
        ],
    )
    assert len(uuids) == 2
    got = client.document.batch_get_documents(name, document_ids=["d1"])
    assert got[0][0].content == "Lisbon is by the ocean"
    client.document.batch_update_documents(
        name, request=[UpdateDocumentListRequest(uuid_=uuids[0], metadata={"a": 1})]
    )
    client.document.updates_a_document(name, uuids[0], metadata={"b": 2})
    doc = client.document.gets_a_document_from_a_document_collection_by_uuid(name, uuids[0])
    assert doc.metadata == {"a": 1, "b": 2}
    found = client.document.search(name, text="ocean", limit=1)
    assert found.results and found.results[0].content == "Lisbon is by the ocean"
    client.document.batch_delete_documents(name, request=[uuids[1]])
    client.document.delete_document(name, uuids[0])
    client.document.delete_collection(name)


def test_zep_python_sdk(port: int) -> None:
    """zep-python 2.0.2 runs its memory and user calls, including its two odd bodies."""
    from zep_python import Message
    from zep_python.client import Zep

    client = Zep(api_key=KEY, base_url=f"http://127.0.0.1:{port}")
    user, session = uid("u"), uid("s")
    client.user.add(user_id=user, first_name="Ann")
    assert client.user.get(user).first_name == "Ann"
    client.user.update(user, email="a@x")
    assert client.user.list_ordered().users
    client.memory.add_session(session_id=session, user_id=user)
    client.memory.update_session(session, metadata={"z": 1})
    assert client.memory.get_session(session).metadata == {"z": 1}
    assert client.memory.list_sessions().sessions
    client.memory.add(
        session, messages=[Message(role_type="user", role="Ann", content="My dog is called Rex.")]
    )
    memory = client.memory.get(session)
    assert memory.messages and memory.messages[0].content == "My dog is called Rex."
    msgs = client.memory.get_session_messages(session)
    assert msgs.messages and msgs.total_count == 1
    assert client.memory.get_session_message(session, msgs.messages[0].uuid_).content
    client.memory.update_message_metadata(session, msgs.messages[0].uuid_, metadata={"m": 1})
    assert client.memory.search_sessions(text="dog", user_id=user).results
    sessions = client.user.get_sessions(user)
    assert [s.session_id for s in sessions[0]] == [session]
    fact = memory.relevant_facts[0] if memory.relevant_facts else None
    assert fact is not None and fact.fact
    assert client.memory.get_fact(fact.uuid_).fact is not None
    assert client.memory.delete_fact(fact.uuid_) == "Deleted"
    client.memory.delete(session)
    client.user.delete(user)


def test_path_hostile_ids_served(port: int) -> None:
    """IDs with / ? # space and non-ASCII round-trip through ZepClient over HTTP."""
    with ZepClient(api_key=KEY, base_url=f"http://127.0.0.1:{port}") as client:
        session = f"a/b?c#d e-é-{uuid.uuid4().hex[:6]}"
        client.add_memory(session, [{"role_type": "user", "content": "hello"}])
        assert client.get_session(session).session_id == session
        assert [m.content for m in client.get_memory(session).messages or []] == ["hello"]


def test_path_hostile_ids_in_process(tmp_path: Path) -> None:
    """IDs with / ? # space and non-ASCII round-trip through the in-process server."""
    with ZepClient(db_path=tmp_path / "z.db") as client:
        for session in ["a/b", "q?x=1", "h#frag", "sp ace", "ünï/cødé", "..", "%2F"]:
            client.add_memory(session, [{"role_type": "user", "content": session}])
            assert client.get_session(session).session_id == session
            assert [m.content for m in client.get_memory(session).messages or []] == [session]
        assert client.list_sessions().total_count == 7


WRITER = """
import sys
from zep_integrations import ZepClient
from zep_integrations.server.process import start_serve
db, tag = sys.argv[1], sys.argv[2]
with ZepClient(db_path=db) as client:
    for batch in range(10):
        batch_msgs = [{"role_type": "user", "content": f"{tag}-{batch}-{i}"} for i in range(30)]
        client.add_memory("shared", batch_msgs)
"""


def test_two_processes_share_one_file_and_restart_keeps_data(tmp_path: Path) -> None:
    """Two writer processes store every message exactly once; a restarted server still has them."""
    db = tmp_path / "shared.db"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    procs = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(db), tag], env=env)
        for tag in ("a", "b")
    ]
    assert [p.wait(timeout=60) for p in procs] == [0, 0]
    with ZepClient(db_path=db) as client:
        contents = [m.content for m in client.get_messages("shared").messages]
    assert len(contents) == 600 and len(set(contents)) == 600
    proc, port = start_server(db, api_key=None)
    try:
        with ZepClient(base_url=f"http://127.0.0.1:{port}") as client:
            assert client.get_messages("shared", limit=1).total_count == 600
    finally:
        stop_server(proc)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_serve_shuts_down_cleanly_on_signal(tmp_path: Path, signum: signal.Signals) -> None:
    """Ctrl-C or SIGTERM stops serve with exit status 0 and a database that opens cleanly."""
    db = tmp_path / "zep.db"
    served = start_serve(db)
    ZepClient(base_url=served.url).add_memory("s", [{"role_type": "user", "content": "kept"}])
    served.process.send_signal(signum)
    assert served.process.wait(timeout=15) == 0
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert [m.content for m in ZepClient(db_path=db).get_messages("s").messages] == ["kept"]
