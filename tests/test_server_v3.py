"""The v3 thread API and the graph views in-process: one store, limits, search rules, upgrades."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest

from zep_integrations.server import LocalGraphIntelligence, LocalIntelligence, ZepServer
from zep_integrations.server.knowledge import ContextEntity, ContextFact, graph_hooks
from zep_integrations.server.storage import MIGRATIONS, _split_sql

NOW = "2024-06-01T09:00:00.000000Z"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ZepServer]:
    zep = ZepServer(tmp_path / "zep.db")
    yield zep
    zep.close()


@pytest.fixture
def http(server: ZepServer) -> httpx.Client:
    return httpx.Client(transport=server.transport(), base_url="http://zep/api/v2/")


def _user_and_thread(http: httpx.Client, user: str = "jane", thread: str = "t1") -> None:
    assert http.post("users", json={"user_id": user, "first_name": "Jane"}).status_code == 201
    assert http.post("threads", json={"thread_id": thread, "user_id": user}).status_code == 201


def _say(http: httpx.Client, thread: str, *contents: str, **extra: Any) -> httpx.Response:
    messages = [{"role": "user", "name": "Jane", "content": c} for c in contents]
    return http.post(f"threads/{thread}/messages", json={"messages": messages, **extra})


def _counts(server: ZepServer) -> tuple[int, int]:
    with server.storage.read() as conn:
        messages = conn.execute("SELECT count(*) FROM messages").fetchone()[0]
        facts = conn.execute("SELECT count(*) FROM facts").fetchone()[0]
    return int(messages), int(facts)


@pytest.mark.parametrize(
    ("messages", "words"),
    [
        (
            [{"role": "user", "content": "ok"}] * 30 + [{"role": "user", "content": "I am late"}],
            "30",
        ),
        (
            [{"role": "user", "content": "I am here"}, {"role": "user", "content": "x" * 4097}],
            "4096",
        ),
        (
            [
                {"role": "user", "content": "I am here"},
                {"role": "user", "content": "x", "metadata": {str(i): i for i in range(11)}},
            ],
            "10",
        ),
        ([{"role": "user", "content": "I am here"}, {"role": "boss", "content": "x"}], "role"),
        (
            [
                {"role": "user", "content": "I am here"},
                {"role": "user", "content": "x", "created_at": "yesterday"},
            ],
            "RFC 3339",
        ),
        ([{"role": "user", "content": "x", "metadata": {"k": {"nested": 1}}}], "array"),
    ],
)
def test_bad_messages_are_400_and_store_nothing(
    server: ZepServer, http: httpx.Client, messages: list[dict[str, Any]], words: str
) -> None:
    """Every over-limit or malformed message refuses the whole call before anything is stored."""
    _user_and_thread(http)
    response = http.post("threads/t1/messages", json={"messages": messages})
    assert response.status_code == 400
    assert words in response.json()["message"]
    assert _counts(server) == (0, 0)


def test_metadata_update_over_ten_keys_changes_nothing(http: httpx.Client) -> None:
    """A PATCH whose merged metadata would exceed 10 keys is a 400 and leaves the message as is."""
    _user_and_thread(http)
    meta = {str(i): i for i in range(9)}
    body = {"messages": [{"role": "user", "content": "hi", "metadata": meta}]}
    uuid = http.post("threads/t1/messages", json=body).json()["message_uuids"][0]
    response = http.patch(f"messages/{uuid}", json={"metadata": {"a": 1, "b": 2}})
    assert response.status_code == 400 and "10" in response.json()["message"]
    assert http.get("threads/t1/messages").json()["messages"][0]["metadata"] == meta
    assert http.patch(f"messages/{uuid}", json={"metadata": {"a": 1}}).json()["metadata"] == {
        **meta,
        "a": 1,
    }
    assert (
        http.patch(
            "messages/00000000-0000-4000-8000-000000000000", json={"metadata": {}}
        ).status_code
        == 404
    )


def test_fact_from_one_thread_in_another_threads_context_with_date_ranges(
    http: httpx.Client,
) -> None:
    """A newer statement ends the older one; both threads' contexts show the user's facts."""
    _user_and_thread(http)
    assert http.post("threads", json={"thread_id": "t2", "user_id": "jane"}).status_code == 201
    _say(http, "t1", "I live in Rome.")
    reply = _say(http, "t1", "I live in Lisbon.", return_context=True).json()
    _say(http, "t2", "Where do I live?")
    context = http.get("threads/t2/context").json()["context"]
    assert context == reply["context"] or "Lisbon" in context
    assert context.startswith("# This is the user summary\n<USER_SUMMARY>\n")
    lines = [line for line in context.splitlines() if line.startswith("  - Jane: I live in")]
    assert len(lines) == 2
    lisbon = next(line for line in lines if "Lisbon" in line)
    rome = next(line for line in lines if "Rome" in line)
    assert lisbon.endswith("- present)")
    assert not rome.endswith("- present)") and "+00:00 - 20" in rome
    assert "\n  - Lisbon: Jane: I live in Lisbon.\n" in context.split("<ENTITIES>")[1]
    ended = http.post(
        "graph/search",
        json={
            "user_id": "jane",
            "query": "live",
            "search_filters": {"invalid_at": [[{"comparison_operator": "IS NOT NULL"}]]},
        },
    ).json()["edges"]
    assert [e["fact"] for e in ended] == ["Jane: I live in Rome."]
    assert ended[0]["name"] == "LIVE_IN" and ended[0]["target_node_name"] == "Rome"


def test_ignore_roles_store_but_do_not_extract(server: ZepServer, http: httpx.Client) -> None:
    """Messages of ignored roles are stored and read back, but yield no facts."""
    _user_and_thread(http)
    body = {
        "messages": [{"role": "user", "content": "I own a boat."}],
        "ignore_roles": ["user"],
    }
    assert http.post("threads/t1/messages", json=body).status_code == 200
    assert _counts(server) == (1, 0)


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"reranker": "cross_encoder"}, "reranker"),
        ({"reranker": "node_distance", "center_node_uuid": "x"}, "reranker"),
        ({"scope": "auto", "max_characters": 0}, "max_characters"),
        ({"search_filters": {"property_filters": [{"property_name": "x"}]}}, "property_filters"),
        ({"search_filters": {"episode_metadata_filters": {"and": []}}}, "episode_metadata"),
        ({"limit": 0}, "limit"),
        ({"limit": 51}, "limit"),
        ({"mmr_lambda": 2}, "mmr_lambda"),
        ({"graph_id": "g"}, "exactly one"),
        ({"bfs_origin_node_uuids": ["x"]}, "bfs_origin_node_uuids"),
        ({"scope": "nodes", "search_filters": {"edge_types": ["X"]}}, "edge filters"),
        ({"search_filters": {"valid_at": [[{"comparison_operator": "~"}]]}}, "comparison"),
    ],
)
def test_search_refuses_what_it_cannot_honour(
    http: httpx.Client, body: dict[str, Any], words: str
) -> None:
    """A reranker, scope or filter this server cannot honour is a 400 naming it, never ignored."""
    _user_and_thread(http)
    response = http.post("graph/search", json={"user_id": "jane", "query": "x", **body})
    assert response.status_code == 400
    assert words in response.json()["message"]


def test_search_scores_filters_and_mmr(http: httpx.Client) -> None:
    """Scores lie in [0, 1] with the best at 1; edge-type and node-label filters narrow hits."""
    _user_and_thread(http)
    _say(http, "t1", "I work at Acme. I live in Berlin. I like Berlin techno.")
    edges = http.post("graph/search", json={"user_id": "jane", "query": "Berlin"}).json()["edges"]
    assert {e["fact"] for e in edges} == {"Jane: I live in Berlin.", "Jane: I like Berlin techno."}
    assert edges[0]["score"] == 1.0 and all(0 < e["score"] <= 1 for e in edges)
    only = http.post(
        "graph/search",
        json={"user_id": "jane", "query": "Berlin", "search_filters": {"edge_types": ["LIKE"]}},
    ).json()["edges"]
    assert [e["fact"] for e in only] == ["Jane: I like Berlin techno."]
    nodes = http.post(
        "graph/search",
        json={"user_id": "jane", "query": "Acme", "scope": "nodes", "reranker": "mmr"},
    ).json()["nodes"]
    assert [(n["name"], n["summary"], n["score"]) for n in nodes] == [
        ("Acme", "Jane: I work at Acme.", 1.0)
    ]
    user_only = http.post(
        "graph/search",
        json={
            "user_id": "jane",
            "query": "Jane",
            "scope": "nodes",
            "search_filters": {"node_labels": ["User"]},
        },
    ).json()["nodes"]
    assert [n["labels"] for n in user_only] == [["Entity", "User"]]


def test_deleting_a_user_removes_its_graph(server: ZepServer, http: httpx.Client) -> None:
    """Deleting a user deletes its threads, messages, added data and edges (one store)."""
    _user_and_thread(http)
    _say(http, "t1", "I live in Oslo.")
    added = http.post("graph", json={"user_id": "jane", "type": "text", "data": "Jane likes Oslo."})
    assert added.status_code == 200
    assert http.delete("users/jane").status_code == 200
    with server.storage.read() as conn:
        left = [
            conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("messages", "facts", "episodes")
        ]
    assert left == [0, 0, 0]
    assert http.post("graph/search", json={"user_id": "jane", "query": "Oslo"}).status_code == 404


def test_graph_add_validation(server: ZepServer, http: httpx.Client) -> None:
    """Bad data for POST graph is a 400 and stores no episode."""
    _user_and_thread(http)
    cases = [
        ({"type": "json", "data": "{not json"}, "JSON"),
        ({"type": "fact_triple", "data": "x"}, "fact_triple"),
        ({"type": "text", "data": "x" * 10_001}, "10000"),
        ({"type": "text", "data": "x", "metadata": {str(i): 1 for i in range(11)}}, "10"),
    ]
    for body, words in cases:
        response = http.post("graph", json={"user_id": "jane", **body})
        assert response.status_code == 400 and words in response.json()["message"], body
    with server.storage.read() as conn:
        assert conn.execute("SELECT count(*) FROM episodes").fetchone()[0] == 0


class _Recording(LocalIntelligence, LocalGraphIntelligence):
    """A user intelligence implementing both protocols, recording the context it was asked for."""

    def format_context(
        self,
        user_summary: str,
        facts: Sequence[ContextFact],
        entities: Sequence[ContextEntity],
    ) -> str:
        return f"custom: {len(facts)} facts"


def test_graph_intelligence_is_pluggable(tmp_path: Path) -> None:
    """An intelligence implementing GraphIntelligence writes the block; a plain one falls back."""
    assert isinstance(graph_hooks(_Recording()), _Recording)
    assert isinstance(graph_hooks(LocalIntelligence()), LocalGraphIntelligence)
    server = ZepServer(tmp_path / "z.db", intelligence=_Recording())
    try:
        http = httpx.Client(transport=server.transport(), base_url="http://zep/api/v2/")
        _user_and_thread(http)
        _say(http, "t1", "I live in Oslo.")
        assert http.get("threads/t1/context").json() == {"context": "custom: 1 facts"}
    finally:
        server.close()


def _schema_2_database(path: Path) -> None:
    """A database as today's release (schema 2) writes it: a user, a session, messages, a fact."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    for script in MIGRATIONS[:2]:
        for statement in _split_sql(script):
            conn.execute(statement)
    conn.execute("PRAGMA user_version = 2")
    conn.execute(
        "INSERT INTO users(uuid, user_id, first_name, created_at, updated_at)"
        " VALUES ('00000000-0000-4000-8000-000000000001', 'kim', 'Kim', ?, ?)",
        (NOW, NOW),
    )
    conn.execute(
        "INSERT INTO sessions(uuid, session_id, user_id, created_at, updated_at)"
        " VALUES ('00000000-0000-4000-8000-000000000002', 'old', 'kim', ?, ?)",
        (NOW, NOW),
    )
    for i, content in enumerate(["I live in Oslo.", "Nice city."], start=3):
        conn.execute(
            "INSERT INTO messages(uuid, session_id, role, role_type, content, metadata,"
            " token_count, created_at, updated_at) VALUES (?, 1, 'Kim', 'user', ?, NULL, 3, ?, ?)",
            (f"00000000-0000-4000-8000-00000000000{i}", content, NOW, NOW),
        )
    conn.execute(
        "INSERT INTO facts(uuid, session_id, content, rating, created_at)"
        " VALUES ('00000000-0000-4000-8000-000000000009', 1, 'Kim: I live in Oslo.', NULL, ?)",
        (NOW,),
    )
    conn.close()


def test_schema_2_database_opens_and_serves_v2_and_v3(tmp_path: Path) -> None:
    """A file written by today's release upgrades in place; v2 and v3 both read its data."""
    path = tmp_path / "v2.db"
    _schema_2_database(path)
    server = ZepServer(path)
    try:
        check = sqlite3.connect(path)
        assert check.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        # FTS5's own check that the rebuilt index matches the facts table.
        check.execute("INSERT INTO facts_fts(facts_fts, rank) VALUES ('integrity-check', 1)")
        check.close()
        http = httpx.Client(transport=server.transport(), base_url="http://zep/api/v2/")
        assert http.get("sessions/old/memory").json()["facts"] == ["Kim: I live in Oslo."]
        messages = http.get("threads/old/messages").json()["messages"]
        assert [(m["role"], m["name"], m["content"]) for m in messages] == [
            ("user", "Kim", "I live in Oslo."),
            ("user", "Kim", "Nice city."),
        ]
        edges = http.post("graph/search", json={"user_id": "kim", "query": "Oslo"}).json()
        assert [e["fact"] for e in edges["edges"]] == ["Kim: I live in Oslo."]
        assert edges["edges"][0]["target_node_name"] == "Oslo"
        assert edges["edges"][0]["valid_at"] == NOW
        assert "Kim: I live in Oslo." in http.get("threads/old/context").json()["context"]
        user = http.get("users/kim").json()
        assert user["graph_uuid"] and user["time_zone"] is None
        assert http.delete("facts/00000000-0000-4000-8000-000000000009").status_code == 200
        assert (
            http.post("graph/search", json={"user_id": "kim", "query": "Oslo"}).json()["edges"]
            == []
        )
    finally:
        server.close()


def test_mmr_prefers_a_diverse_second_hit(http: httpx.Client) -> None:
    """With MMR a near-duplicate of the best hit yields its place to a different fact."""
    _user_and_thread(http)
    _say(http, "t1", "I love Berlin techno music. I love Berlin techno clubs. I live in Berlin.")
    query = {"user_id": "jane", "query": "Berlin techno", "limit": 2}
    plain = http.post("graph/search", json=query).json()["edges"]
    diverse = http.post(
        "graph/search", json={**query, "reranker": "mmr", "mmr_lambda": 0.3}
    ).json()["edges"]
    assert all("techno" in e["fact"] for e in plain)
    assert diverse[0] == plain[0]
    assert diverse[1]["fact"] == "Jane: I live in Berlin."


def test_thread_summary_appears_once_written(http: httpx.Client) -> None:
    """A long thread gets the v2 summary, served as the v3 ThreadSummary."""
    _user_and_thread(http)
    for batch in range(3):
        _say(http, "t1", *[f"Message {batch}-{i} about sailing." for i in range(30)])
    summary = http.get("threads/t1/summary")
    assert summary.status_code == 200
    body = summary.json()
    assert body["thread_id"] == "t1" and "sailing" in body["summary"] and body["uuid"]
    found = http.post(
        "graph/search", json={"user_id": "jane", "query": "sailing", "scope": "thread_summaries"}
    ).json()["thread_summaries"]
    assert [(s["name"], s["uuid"], s["score"]) for s in found] == [("t1", body["uuid"], 1.0)]
    assert (
        http.post(
            "graph/search", json={"user_id": "jane", "query": "golf", "scope": "thread_summaries"}
        ).json()["thread_summaries"]
        == []
    )


def test_graph_items_by_uuid_and_per_graph(server: ZepServer, http: httpx.Client) -> None:
    """Episodes, edges and nodes read, listed and deleted through the v3 item routes."""
    _user_and_thread(http)
    message = _say(http, "t1", "I live in Oslo.").json()["message_uuids"][0]
    data = http.post("graph", json={"user_id": "jane", "type": "text", "data": "Jane met Ola."})
    episode = data.json()["uuid"]
    assert http.get(f"graph/episodes/{message}").json()["thread_id"] == "t1"
    assert http.get(f"graph/episodes/{episode}").json()["source"] == "text"
    listed = http.get("graph/episodes/user/jane").json()["episodes"]
    assert [e["uuid"] for e in listed] == [message, episode]
    assert [e["uuid"] for e in http.get("graph/episodes/user/jane?lastn=1").json()["episodes"]] == [
        episode
    ]
    edges = http.post("graph/edge/user/jane", json={}).json()
    assert [e["fact"] for e in edges] == ["Jane: I live in Oslo.", "Jane met Ola."]
    assert http.post("graph/edge/user/jane", json={"limit": 1}).json() == edges[:1]
    after = http.post("graph/edge/user/jane", json={"uuid_cursor": edges[0]["uuid"]}).json()
    assert after == edges[1:]
    refused = http.post("graph/edge/user/jane", json={"order_by": "created_at"})
    assert refused.status_code == 400 and "order_by" in refused.json()["message"]
    assert http.get(f"graph/edge/{edges[0]['uuid']}").json() == edges[0]
    nodes = http.post("graph/node/user/jane", json={}).json()
    assert [n["name"] for n in nodes] == ["Jane", "Ola", "Oslo"]
    assert nodes[0]["labels"] == ["Entity", "User"]
    assert http.delete(f"graph/episodes/{message}").status_code == 400
    assert http.delete(f"graph/episodes/{episode}").status_code == 200
    assert [e["fact"] for e in http.post("graph/edge/user/jane", json={}).json()] == [
        "Jane: I live in Oslo."
    ]
    assert http.delete(f"graph/edge/{edges[0]['uuid']}").status_code == 200
    assert http.get(f"graph/edge/{edges[0]['uuid']}").status_code == 404
    assert http.get(f"graph/episodes/{episode}").status_code == 404
    assert http.get("graph/episodes/user/nobody").status_code == 404


BIG = str(2**63 - 1)


@pytest.mark.parametrize(
    ("method", "path", "params", "body"),
    [
        ("GET", "threads", {"page_size": BIG}, None),
        ("GET", "threads", {"page_size": BIG, "page_number": "3"}, None),
        ("GET", "threads/t1/messages", {"limit": BIG, "cursor": "3"}, None),
        ("GET", "threads/t1/messages", {"limit": BIG}, None),
        ("GET", "threads/t1/messages", {"lastn": BIG}, None),
        ("GET", "users-ordered", {"pageSize": BIG}, None),
        ("GET", "graph/list-all", {"pageSize": BIG}, None),
        ("GET", "graph/episodes/user/jane", {"lastn": BIG}, None),
        ("POST", "graph/edge/user/jane", {}, {"limit": 2**63 - 1}),
    ],
)
def test_huge_page_sizes_read_everything_instead_of_failing(
    http: httpx.Client, method: str, path: str, params: dict[str, str], body: Any
) -> None:
    """The largest 64-bit count, or an offset past it, reads everything instead of a 500."""
    _user_and_thread(http)
    _say(http, "t1", "I live in Oslo.")
    response = http.request(method, path, params=params, json=body)
    assert response.status_code == 200, response.text


def test_graph_batch_is_all_or_nothing(server: ZepServer, http: httpx.Client) -> None:
    """A batch with one bad episode stores none; a good batch stores all, in order."""
    _user_and_thread(http)
    good = {"type": "text", "data": "Jane visited Rome."}
    bad = http.post(
        "graph-batch",
        json={"user_id": "jane", "episodes": [good, {"type": "json", "data": "{"}]},
    )
    assert bad.status_code == 400 and "episodes[1].data" in bad.json()["message"]
    with server.storage.read() as conn:
        assert conn.execute("SELECT count(*) FROM episodes").fetchone()[0] == 0
    added = http.post(
        "graph-batch",
        json={"user_id": "jane", "document_id": "doc", "episodes": [good, {**good, "data": "Hi."}]},
    )
    assert [(e["content"], e["document_id"]) for e in added.json()] == [
        ("Jane visited Rome.", "doc"),
        ("Hi.", "doc"),
    ]


def test_strict_ontology_makes_no_generic_entities(http: httpx.Client) -> None:
    """With strict_ontology (and no ontology here) facts hang from the user node, no entities."""
    _user_and_thread(http)
    _say(http, "t1", "I live in Oslo.", strict_ontology=True)
    http.post(
        "graph",
        json={"user_id": "jane", "type": "text", "data": "Jane met Ola.", "strict_ontology": True},
    )
    edges = http.post("graph/edge/user/jane", json={}).json()
    assert [e["target_node_name"] for e in edges] == ["Jane", "Jane"]
    assert [n["name"] for n in http.post("graph/node/user/jane", json={}).json()] == ["Jane"]
    refused = _say(http, "t1", "x", strict_ontology="yes")
    assert refused.status_code == 400 and "strict_ontology" in refused.json()["message"]


def test_auto_scope_answers_a_fitted_context_block(http: httpx.Client) -> None:
    """scope=auto returns the graph's block for the query, without summary, within the budget."""
    _user_and_thread(http)
    _say(http, "t1", "I live in Oslo. I love skiing in Norway. I own a red kayak.")
    query = {"user_id": "jane", "query": "skiing", "scope": "auto"}
    full = http.post("graph/search", json=query).json()
    assert "<USER_SUMMARY>" not in full["context"]
    assert "Jane: I love skiing in Norway." in full["context"] and "edges" not in full
    small = http.post("graph/search", json={**query, "max_characters": 300}).json()["context"]
    assert len(small) <= 300 and "<FACTS>" in small and "</FACTS>" in small
    raw = http.post("graph/search", json={**query, "return_raw_results": True}).json()
    assert raw["edges"][0]["fact"] == "Jane: I love skiing in Norway."
    assert http.post("graph/search", json={**query, "max_characters": 5}).json()["context"] == ""


def test_a_deleted_graphs_id_is_not_reused(http: httpx.Client) -> None:
    """Graph.id is on the wire: a graph created after a delete gets a new one."""
    first = http.post("graph/create", json={"graph_id": "g1"}).json()["id"]
    assert http.delete("graph/g1").status_code == 200
    assert http.post("graph/create", json={"graph_id": "g2"}).json()["id"] != first


def test_backfilled_older_statement_does_not_end_the_current_one(http: httpx.Client) -> None:
    """A fact sent later but dated earlier is stored as already ended; the current one stays."""
    _user_and_thread(http)
    body = {"messages": [{"role": "user", "name": "Jane", "content": "I live in Lisbon."}]}
    body["messages"][0]["created_at"] = "2024-05-01T00:00:00Z"
    http.post("threads/t1/messages", json=body)
    body["messages"][0] |= {"content": "I live in Rome.", "created_at": "2020-01-01T00:00:00Z"}
    http.post("threads/t1/messages", json=body)
    edges = {e["fact"]: e for e in http.post("graph/edge/user/jane", json={}).json()}
    lisbon, rome = edges["Jane: I live in Lisbon."], edges["Jane: I live in Rome."]
    assert lisbon["invalid_at"] is None
    assert rome["valid_at"] == "2020-01-01T00:00:00.000000Z"
    assert rome["invalid_at"] == lisbon["valid_at"] == "2024-05-01T00:00:00.000000Z"


def test_edge_and_episode_updates_and_summary_listing(http: httpx.Client) -> None:
    """PATCH an edge (re-indexed) and an episode's metadata; list thread summaries; warm a graph."""
    _user_and_thread(http)
    _say(http, "t1", "I live in Oslo.")
    edge = http.post("graph/edge/user/jane", json={}).json()[0]
    patched = http.patch(
        f"graph/edge/{edge['uuid']}",
        json={"fact": "Jane: I live in Bergen.", "invalid_at": "2030-01-01T00:00:00Z"},
    ).json()
    assert patched["fact"] == "Jane: I live in Bergen."
    assert patched["invalid_at"] == "2030-01-01T00:00:00.000000Z"
    hits = http.post("graph/search", json={"user_id": "jane", "query": "Bergen"}).json()["edges"]
    assert [h["uuid"] for h in hits] == [edge["uuid"]]
    assert (
        http.post("graph/search", json={"user_id": "jane", "query": "Oslo"}).json()["edges"] == []
    )
    refused = http.patch(f"graph/edge/{edge['uuid']}", json={"attributes": {"a": 1}})
    assert refused.status_code == 400
    data = http.post("graph", json={"user_id": "jane", "type": "text", "data": "Hi."}).json()
    meta = http.patch(f"graph/episodes/{data['uuid']}", json={"metadata": {"k": "v"}}).json()
    assert meta["metadata"] == {"k": "v"}
    too_many = {str(i): i for i in range(10)}
    assert (
        http.patch(f"graph/episodes/{data['uuid']}", json={"metadata": too_many}).status_code == 400
    )
    assert http.get(f"graph/episodes/{data['uuid']}").json()["metadata"] == {"k": "v"}
    for batch in range(3):
        _say(http, "t1", *[f"Note {batch}-{i} on sailing." for i in range(30)])
    summaries = http.post("graph/thread-summary/user/jane", json={}).json()
    assert summaries and all(s["thread_id"] == "t1" for s in summaries)
    assert http.post("graph/create", json={"graph_id": "g"}).status_code == 201
    assert http.get("graph/g/warm").json() == {"message": "OK"}
    assert http.post("graph/thread-summary/graph/g", json={}).json() == []
    assert http.get("graph/nope/warm").status_code == 404
