"""The official zep-cloud 3.30.0 SDK, unchanged, against `zep-integrations serve` (the v3 API)."""

from __future__ import annotations

import subprocess
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.sdk_envs import run_sdk
from zep_integrations import ZepClient
from zep_integrations.server.process import ServeProcess, start_serve

KEY = "v3-key"

PRELUDE = """
import json, os
from zep_cloud.client import Zep
from zep_cloud.types import Message
from zep_cloud.core.api_error import ApiError
from zep_cloud.errors import BadRequestError, NotFoundError
client = Zep(api_key=os.environ["ZEP_API_KEY"], base_url=os.environ["ZEP_API_URL"] + "/api/v2")
"""


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServeProcess]:
    server = start_serve(
        tmp_path_factory.mktemp("v3") / "zep.db", api_key=KEY, output=subprocess.DEVNULL
    )
    yield server
    server.stop()


def sdk(served: ServeProcess, code: str) -> Any:
    """Run ``code`` under zep-cloud 3.30.0 against ``served``; returns its last JSON line."""
    env = {"ZEP_API_URL": served.url, "ZEP_API_KEY": KEY}
    return run_sdk("3.30.0", PRELUDE + textwrap.dedent(code), env=env)


def uid(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


def test_users_threads_messages_context_and_deletes(served: ServeProcess) -> None:
    """Users, threads, add/read messages with paging, context, summary 404 and deletes."""
    user, t1, t2 = uid("u"), uid("t"), uid("t")
    out = sdk(
        served,
        f"""
        user = client.user.add(user_id={user!r}, first_name="Jane", last_name="Doe",
                               email="jane@example.com", time_zone="Europe/Lisbon")
        assert user.user_id == {user!r} and user.graph_uuid and user.time_zone == "Europe/Lisbon"
        assert client.user.get({user!r}).first_name == "Jane"
        assert client.user.update({user!r}, last_name="Smith").last_name == "Smith"
        found = client.user.list_ordered(page_number=1, page_size=10, search="jane@exa")
        assert [u.user_id for u in found.users] == [{user!r}], found
        thread = client.thread.create(thread_id={t1!r}, user_id={user!r})
        assert thread.thread_id == {t1!r} and thread.user_id == {user!r} and thread.uuid_
        client.thread.create(thread_id={t2!r}, user_id={user!r})
        added = client.thread.add_messages({t1!r}, messages=[
            Message(role="user", name="Jane", content="I live in Lisbon. I love surfing."),
            Message(role="assistant", name="Bot", content="Lisbon has great waves.",
                    metadata={{"k": "v"}}),
        ])
        assert len(added.message_uuids) == 2 and added.context is None and added.task_id
        assert client.task.get(added.task_id).status == "succeeded"
        with_context = client.thread.add_messages({t1!r}, messages=[
            Message(role="user", name="Jane", content="What board should I buy?"),
        ], return_context=True, ignore_roles=["assistant"])
        assert "<FACTS>" in with_context.context, with_context.context
        page = client.thread.get({t1!r}, limit=1, cursor=2)
        assert page.total_count == 3 and page.row_count == 1
        assert page.messages[0].content == "Lisbon has great waves."
        assert page.messages[0].role == "assistant" and page.messages[0].name == "Bot"
        last = client.thread.get({t1!r}, lastn=2)
        assert [m.content for m in last.messages][-1] == "What board should I buy?"
        updated = client.thread.message.update(page.messages[0].uuid_, metadata={{"x": 1}})
        assert updated.metadata == {{"k": "v", "x": 1}}
        # A fact stated in thread 1 shows in the context of thread 2 of the same user.
        client.thread.add_messages({t2!r}, messages=[
            Message(role="user", name="Jane", content="Any surfing tips?")])
        context = client.thread.get_user_context({t2!r}).context
        assert "<USER_SUMMARY>" in context and "I live in Lisbon" in context, context
        try:
            client.thread.get_summary({t1!r})
            raise SystemExit("a thread without a summary must 404")
        except NotFoundError:
            pass
        node = client.user.get_node({user!r}).node
        assert node.name == "Jane Smith" and "Lisbon" in node.summary, node
        threads = client.user.get_threads({user!r})
        assert sorted(t.thread_id for t in threads) == sorted([{t1!r}, {t2!r}])
        listed = client.thread.list_all(page_number=1, page_size=50, order_by="created_at",
                                        asc=True)
        assert listed.total_count >= 2
        client.thread.delete({t2!r})
        print(json.dumps({{"context": context, "after": [t.thread_id for t in
                                                        client.user.get_threads({user!r})]}}))
        client.user.delete({user!r})
        """,
    )
    assert out["after"] == [t1]
    assert "</FACTS>" in out["context"]


def test_graph_search_every_scope_graph_add_and_standalone_graphs(served: ServeProcess) -> None:
    """Graph add (text/json/message), search of edges/nodes/episodes, rrf/mmr, graphs CRUD."""
    user, thread, graph = uid("u"), uid("t"), uid("g")
    out = sdk(
        served,
        f"""
        client.user.add(user_id={user!r}, first_name="Ana")
        client.thread.create(thread_id={thread!r}, user_id={user!r})
        client.thread.add_messages({thread!r}, messages=[
            Message(role="user", name="Ana", content="I work at Acme Corp. I like hiking.")])
        episode = client.graph.add(user_id={user!r}, type="text",
                                   data="Ana adopted a dog named Rex in Porto.")
        assert episode.uuid_ and episode.source == "text"
        client.graph.add(user_id={user!r}, type="json", data=json.dumps({{"team": "Platform"}}))
        client.graph.add(user_id={user!r}, type="message", data="Ana: I drive a Tesla.")
        from zep_cloud.types import EpisodeData
        batch = client.graph.add_batch(user_id={user!r}, episodes=[
            EpisodeData(type="text", data="Ana visited Lyon."),
            EpisodeData(type="text", data="Ana visited Nice."),
        ])
        assert [e.content for e in batch] == ["Ana visited Lyon.", "Ana visited Nice."]
        edges = client.graph.search(user_id={user!r}, query="Acme", scope="edges", limit=5)
        assert edges.edges and "Acme Corp" in edges.edges[0].fact, edges
        assert all(0 <= e.score <= 1 for e in edges.edges)
        assert edges.edges[0].target_node_name == "Acme Corp"
        nodes = client.graph.search(user_id={user!r}, query="Rex dog", scope="nodes")
        assert "Rex" in [n.name for n in nodes.nodes], nodes
        episodes = client.graph.search(user_id={user!r}, query="hiking dog", scope="episodes",
                                       reranker="mmr", mmr_lambda=0.7, limit=2)
        assert 1 <= len(episodes.episodes) <= 2
        sources = {{e.source for e in episodes.episodes}}
        assert sources == {{"message", "text"}}, episodes
        auto = client.graph.search(user_id={user!r}, query="hiking", scope="auto",
                                   max_characters=1000)
        assert "I like hiking" in auto.context and len(auto.context) <= 1000, auto
        summaries = client.graph.search(user_id={user!r}, query="hiking", scope="thread_summaries")
        assert summaries.thread_summaries == []  # a 1-message thread has no summary yet
        try:
            client.graph.search(user_id={user!r}, query="x", limit=51)
            raise SystemExit("limit 51 must be refused")
        except BadRequestError:
            pass
        created = client.graph.create(graph_id={graph!r}, name="Facts", description="d")
        assert created.graph_id == {graph!r}
        client.graph.add(graph_id={graph!r}, type="text", data="Lisbon is the capital of Portugal.")
        hits = client.graph.search(graph_id={graph!r}, query="capital Portugal")
        assert hits.edges and hits.edges[0].fact == "Lisbon is the capital of Portugal."
        assert client.graph.update({graph!r}, name="Renamed").name == "Renamed"
        assert client.graph.get({graph!r}).description == "d"
        assert {graph!r} in [g.graph_id for g in client.graph.list_all(page_size=100).graphs]
        client.graph.delete({graph!r})
        try:
            client.graph.get({graph!r})
            raise SystemExit("a deleted graph must 404")
        except NotFoundError:
            pass
        print(json.dumps({{"edge": edges.edges[0].dict(), "episodes": len(episodes.episodes)}}))
        """,
    )
    assert out["edge"]["valid_at"] and out["edge"]["episodes"]


def test_missing_thread_and_bad_input_errors(served: ServeProcess) -> None:
    """A missing thread raises the SDK's errors; over-limit writes are 400 and store nothing."""
    user, thread = uid("u"), uid("t")
    out = sdk(
        served,
        f"""
        errors = {{}}
        def plain(body):
            # NotFoundError parses its body into a model; others keep the JSON.
            return body.dict() if hasattr(body, "dict") else body
        for name, call in [
            ("get", lambda: client.thread.get("no-such-thread")),
            ("context", lambda: client.thread.get_user_context("no-such-thread")),
            ("delete", lambda: client.thread.delete("no-such-thread")),
            ("add", lambda: client.thread.add_messages(
                "no-such-thread", messages=[Message(role="user", content="hi")])),
        ]:
            try:
                call()
                errors[name] = None
            except ApiError as exc:
                errors[name] = [type(exc).__name__, exc.status_code, plain(exc.body)]
        client.user.add(user_id={user!r})
        client.thread.create(thread_id={thread!r}, user_id={user!r})
        bad = {{
            "long": [Message(role="user", content="x" * 4097)],
            "many": [Message(role="user", content="m")] * 31,
            "meta": [Message(role="user", content="m", metadata={{str(i): i for i in range(11)}})],
        }}
        for name, messages in bad.items():
            try:
                client.thread.add_messages({thread!r}, messages=messages)
                errors[name] = None
            except ApiError as exc:
                errors[name] = [type(exc).__name__, exc.status_code, plain(exc.body)]
        errors["stored"] = client.thread.get({thread!r}).total_count
        print(json.dumps(errors))
        """,
    )
    assert out["get"][:2] == ["NotFoundError", 404]
    assert out["context"][:2] == ["NotFoundError", 404]
    assert out["delete"][:2] == ["NotFoundError", 404]
    assert out["add"][1] == 404 and "thread not found" in out["add"][2]["message"]
    for name in ("long", "many", "meta"):
        assert out[name][1] == 400 and out[name][2]["message"], out[name]
    assert "4096" in out["long"][2]["message"] and "30" in out["many"][2]["message"]
    assert "10" in out["meta"][2]["message"]
    assert out["stored"] == 0


def test_written_through_v2_read_and_searched_through_v3(
    served: ServeProcess, tmp_path: Path
) -> None:
    """Messages and facts written with zep-cloud 2.22.1 and our client read back through v3."""
    from zep_cloud import Message as V2Message
    from zep_cloud.client import Zep as ZepV2

    user, legacy, ours = uid("u"), uid("s"), uid("s")
    v2 = ZepV2(api_key=KEY, base_url=f"{served.url}/api/v2")
    v2.user.add(user_id=user, first_name="Kim")
    v2.memory.add_session(session_id=legacy, user_id=user)
    v2.memory.add(
        legacy,
        messages=[
            V2Message(role_type="user", role="Kim", content="I live in Oslo. I own a kayak.")
        ],
    )
    with ZepClient(base_url=served.url, api_key=KEY) as client:
        client.add_session(ours, user_id=user)
        client.add_memory(ours, [{"role_type": "user", "role": "Kim", "content": "I love jazz."}])
    out = sdk(
        served,
        f"""
        got = client.thread.get({legacy!r})
        edges = client.graph.search(user_id={user!r}, query="kayak", scope="edges")
        episodes = client.graph.search(user_id={user!r}, query="jazz", scope="episodes")
        context = client.thread.get_user_context({ours!r}).context
        print(json.dumps({{
            "messages": [[m.role, m.name, m.content] for m in got.messages],
            "user": got.user_id,
            "edges": [e.fact for e in edges.edges],
            "episodes": [[e.thread_id, e.content] for e in episodes.episodes],
            "threads": sorted(t.thread_id for t in client.user.get_threads({user!r})),
            "context": context,
        }}))
        """,
    )
    assert out["messages"] == [["user", "Kim", "I live in Oslo. I own a kayak."]]
    assert out["user"] == user
    assert out["edges"] == ["Kim: I own a kayak."]
    assert out["episodes"] == [[ours, "I love jazz."]]
    assert out["threads"] == sorted([legacy, ours])
    assert "Kim: I live in Oslo." in out["context"] and "<USER_SUMMARY>" in out["context"]
