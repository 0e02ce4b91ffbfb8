"""Transport scenarios for every endpoint family, replayed from cassettes and run live."""

from __future__ import annotations

from typing import Any

import pytest

from tests.cassette_support import run_live, run_replay
from zep_integrations import ConflictError, NotFoundError
from zep_integrations.models import ClassifySessionRequest


def scenario_sessions(zep: Any) -> None:
    """Create, read, update, list, end and delete sessions of a user."""
    zep.add_user("cassette-user", first_name="Jane", email="jane@example.com")
    created = zep.add_session("cassette-s1", "cassette-user", metadata={"channel": "web"})
    assert created.session_id == "cassette-s1" and created.user_id == "cassette-user"
    zep.add_session("cassette-s2", "cassette-user")
    updated = zep.update_session("cassette-s1", {"topic": {"name": "travel"}})
    assert updated.metadata == {"channel": "web", "topic": {"name": "travel"}}
    assert zep.get_session("cassette-s1").metadata == updated.metadata
    page = zep.list_sessions(page_number=1, page_size=1, order_by="created_at", asc=True)
    assert [s.session_id for s in page.sessions] == ["cassette-s1"]
    assert page.total_count == 2 and page.response_count == 1
    ended = zep.end_session(
        "cassette-s2", classify=ClassifySessionRequest(classes=["travel", "billing"], name="topic")
    )
    assert ended.session is not None and ended.session.ended_at is not None
    with pytest.raises(ConflictError):
        zep.add_memory("cassette-s2", [{"role_type": "user", "content": "too late"}])
    sessions = zep.get_user_sessions("cassette-user")
    assert sorted(s.session_id for s in sessions) == ["cassette-s1", "cassette-s2"]
    zep.delete_session("cassette-s1")
    with pytest.raises(NotFoundError):
        zep.get_session("cassette-s1")
    zep.delete_user("cassette-user")
    with pytest.raises(NotFoundError):
        zep.get_session("cassette-s2")


def scenario_memory(zep: Any) -> None:
    """Write 35 messages in two chunks, read memory and pages, patch metadata, search."""
    messages = [
        {
            "role_type": "user" if i % 2 == 0 else "assistant",
            "role": "Jane" if i % 2 == 0 else "Bot",
            "content": f"message {i} about {'Paris trains' if i == 7 else 'the weather'}",
            "metadata": {"seq": i},
        }
        for i in range(35)
    ]
    result = zep.add_memory("cassette-mem", messages, return_context=True)
    assert result.context is not None
    memory = zep.get_memory("cassette-mem", lastn=4)
    assert [m.content for m in memory.messages] == [m["content"] for m in messages[-4:]]
    page = zep.get_messages("cassette-mem", limit=10, cursor=2)
    assert [m.metadata["seq"] for m in page.messages] == list(range(10, 20))
    assert page.total_count == 35 and page.row_count == 10
    first = page.messages[0]
    assert first.uuid is not None
    patched = zep.update_message_metadata("cassette-mem", first.uuid, {"tag": "x"})
    assert patched.metadata == {"seq": 10, "tag": "x"}
    assert zep.get_message("cassette-mem", first.uuid).metadata == {"seq": 10, "tag": "x"}
    hits = zep.search_memory("cassette-mem", "Paris trains", limit=3)
    assert hits[0].message is not None and hits[0].message.metadata["seq"] == 7
    assert all(0 <= (h.score or 0) <= 1 for h in hits)
    assert zep.get_summaries("cassette-mem").summaries is not None
    assert zep.synthesize_question("cassette-mem").question
    with pytest.raises(NotFoundError):
        zep.get_memory("cassette-missing")
    zep.delete_session("cassette-mem")


def scenario_facts(zep: Any) -> None:
    """Add, list, read and delete facts of a session and a user."""
    zep.add_user("cassette-fact-user")
    zep.add_session("cassette-facts", "cassette-fact-user")
    zep.add_session_facts("cassette-facts", ["Jane lives in Paris", "Jane likes trains"])
    facts = zep.get_session_facts("cassette-facts")
    assert sorted(f.text for f in facts) == ["Jane likes trains", "Jane lives in Paris"]
    assert all(f.fact == f.content for f in facts)
    fact = zep.get_fact(facts[0].uuid)
    assert fact.text == facts[0].text
    assert len(zep.get_user_facts("cassette-fact-user")) == 2
    zep.delete_fact(facts[0].uuid)
    with pytest.raises(NotFoundError):
        zep.get_fact(facts[0].uuid)
    zep.delete_user("cassette-fact-user")


def scenario_users(zep: Any) -> None:
    """Create, page, update and delete users."""
    for name in ("cassette-u1", "cassette-u2", "cassette-u3"):
        zep.add_user(name, metadata={"plan": "free"})
    page = zep.list_users(page_number=1, page_size=2)
    assert [u.user_id for u in page.users] == ["cassette-u3", "cassette-u2"]
    assert page.total_count == 3 and page.row_count == 2
    user = zep.update_user("cassette-u1", last_name="Doe", metadata={"plan": "pro"})
    assert user.last_name == "Doe" and user.metadata == {"plan": "pro"}
    assert zep.get_user("cassette-u1").last_name == "Doe"
    node = zep.get_user_node("cassette-u1")
    assert node is not None
    for name in ("cassette-u1", "cassette-u2", "cassette-u3"):
        zep.delete_user(name)
    with pytest.raises(NotFoundError):
        zep.get_user("cassette-u1")


def scenario_documents(zep: Any) -> None:
    """Create a collection, add, get, update, search and delete documents."""
    zep.add_collection("cassette_docs", description="travel notes", metadata={"v": 1})
    assert zep.get_collection("cassette_docs").description == "travel notes"
    uuids = zep.add_documents(
        "cassette_docs",
        [
            {
                "content": "The Eiffel Tower is in Paris",
                "document_id": "d1",
                "metadata": {"k": "a"},
            },
            {
                "content": "Trains from Paris to Lyon take two hours",
                "document_id": "d2",
                "metadata": {"k": "b"},
            },
            {"content": "Bananas are yellow", "document_id": "d3", "metadata": {"k": "a"}},
        ],
    )
    assert len(uuids) == 3
    docs = zep.batch_get_documents("cassette_docs", uuids=uuids[:2])
    assert sorted(d.document_id for d in docs) == ["d1", "d2"]
    zep.update_document("cassette_docs", uuids[0], metadata={"k": "c"})
    assert zep.get_document("cassette_docs", uuids[0]).metadata == {"k": "c"}
    zep.batch_update_documents("cassette_docs", [{"uuid": uuids[1], "document_id": "d2b"}])
    found = zep.search_documents("cassette_docs", "trains to Lyon", limit=2)
    assert found.results[0].document_id == "d2b"
    filtered = zep.search_documents("cassette_docs", "Paris", metadata={"k": "c"})
    assert [d.document_id for d in filtered.results] == ["d1"]
    zep.delete_document("cassette_docs", uuids[2])
    zep.batch_delete_documents("cassette_docs", [uuids[1]])
    assert [c.name for c in zep.list_collections()] == ["cassette_docs"]
    zep.update_collection("cassette_docs", description="notes")
    zep.delete_collection("cassette_docs")
    with pytest.raises(NotFoundError):
        zep.get_collection("cassette_docs")


SCENARIOS = {
    "sessions": scenario_sessions,
    "memory": scenario_memory,
    "facts": scenario_facts,
    "users": scenario_users,
    "documents": scenario_documents,
}


@pytest.mark.parametrize("name", SCENARIOS)
def test_replay(name: str, mode: str, tmp_path: Any) -> None:
    """The scenario replays from its cassette (or records it when asked)."""
    run_replay(f"transport/{name}-{mode}.yaml", SCENARIOS[name], mode, tmp_path)


@pytest.mark.parametrize("name", SCENARIOS)
def test_live_matches_cassette(name: str, mode: str, tmp_path: Any) -> None:
    """The scenario passes live in-process and puts exactly the recorded traffic on the wire."""
    run_live(f"transport/{name}-{mode}.yaml", SCENARIOS[name], mode, tmp_path)
