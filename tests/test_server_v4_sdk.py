"""The official zep-cloud 4.0.1 SDK, unchanged, against `zep-integrations serve` (the v4 API).

Each scenario runs in the SDK's private venv (``tests/sdk_envs.py``); the scripts assert inside
and print a JSON summary that the test checks as well.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.sdk_envs import run_sdk
from zep_integrations import ZepClient
from zep_integrations.server.process import start_serve

KEY = "v4-key"

PRELUDE = """
import json, os
from zep_cloud.client import Zep
from zep_cloud import AddMessage
from zep_cloud.errors import BadRequestError
client = Zep(api_key=os.environ["ZEP_KEY"], base_url=os.environ["ZEP_URL"])
"""


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A `serve` process for this module; yields its base URL (without ``/api/...``)."""
    db = tmp_path_factory.mktemp("v4sdk") / "zep.db"
    proc = start_serve(db, api_key=KEY, output=subprocess.DEVNULL)
    yield proc.url
    proc.process.terminate()
    proc.process.wait(timeout=10)


def sdk(served: str, code: str) -> dict[str, object]:
    env = {"ZEP_URL": f"{served}/api/v4", "ZEP_KEY": KEY}
    result = run_sdk("4.0.1", PRELUDE + code, env=env)
    assert isinstance(result, dict)
    return result


MEMORY_WORKFLOW = """
user = client.user.create(first_name="Jane", last_name="Doe", email="jane@example.com",
                          metadata={"plan": "pro"})
assert user.uuid_ and user.graph_uuid and user.graph_uuid != user.uuid_
assert client.user.get(user.uuid_).first_name == "Jane"
assert client.user.update(user.uuid_, last_name="Roe").last_name == "Roe"
assert any(u.uuid_ == user.uuid_ for u in client.user.list(page_size=100))
thread = client.thread.create(user_uuid=user.uuid_)
assert thread.user_uuid == user.uuid_ and thread.graph_uuid == user.graph_uuid
assert client.thread.get(thread.uuid_).uuid_ == thread.uuid_
other = client.thread.create(user_uuid=user.uuid_)

first = client.thread.add_messages(thread.uuid_, messages=[
    AddMessage(role="user", name="Jane", content="I live in Lisbon and I love surfing."),
    AddMessage(role="assistant", name="bot", content="Lisbon has great waves."),
])
assert first.context is None and first.task.status == "succeeded"
assert [m.content for m in first.messages][0].startswith("I live in Lisbon")
assert client.task.get(first.task.uuid_).status == "succeeded"
with_context = client.thread.add_messages(other.uuid_, return_context=True, messages=[
    AddMessage(role="user", name="Jane", content="Where could I go surfing this weekend?",
               metadata={"turn": 1}, reference_time="2026-05-01T10:00:00Z"),
])
# The fact stated in the first thread shows in the other thread's context (one user graph).
assert "Lisbon" in with_context.context, with_context.context
assert with_context.messages[0].reference_time.startswith("2026-05-01T10:00:00")

for i in range(5):
    client.thread.add_messages(thread.uuid_, messages=[
        AddMessage(role="user", name="Jane", content=f"filler message {i}")])
pager = client.thread.list_messages(thread.uuid_, page_size=3)
first_page = [m.content for m in pager.items]
everything = [m.content for m in pager]
newest = [m.content for m in client.thread.list_messages(thread.uuid_, page_size=2,
                                                         order="desc").items]
message = pager.items[1]
assert client.thread.message.get(thread.uuid_, message.uuid_).content == message.content
updated = client.thread.message.update(thread.uuid_, message.uuid_, metadata={"k": "v"})
assert updated.metadata == {"k": "v"}
context = client.thread.get_context(other.uuid_).context
threads = [t.uuid_ for t in client.thread.list(user_uuid=user.uuid_, page_size=10)]
thread_episodes = client.thread.list_episodes(thread.uuid_, page_size=2)
assert [e.content for e in thread_episodes.items] == first_page[:2]
assert thread_episodes.items[0].thread_uuid == thread.uuid_
assert thread_episodes.items[0].role == "user" and thread_episodes.items[0].role_name == "Jane"

edges = list(client.graph.search_edges(user.graph_uuid, query="Lisbon surfing").items)
edges_by_user = client.graph.search_edges(user.uuid_, query="Lisbon").items
nodes = client.graph.search_nodes(user.graph_uuid, query="Jane").items
episodes = client.graph.search_episodes(user.graph_uuid, query="waves", page_size=5).items
observations = client.graph.search_observations(user.graph_uuid, query="waves").items
summaries = client.graph.search_thread_summaries(user.graph_uuid, query="waves").items
graph_context = client.graph.get_context(user.graph_uuid, query="surfing Lisbon",
                                         include_results=True)
node = client.user.get_node(user.uuid_)
assert client.graph.get(user.graph_uuid).user_uuid == user.uuid_

edge_list = list(client.graph.edge.list(user.graph_uuid))
assert client.graph.edge.get(user.graph_uuid, edges[0].uuid_).fact == edges[0].fact
episode_list = list(client.graph.episode.list(user.graph_uuid, page_size=4))
episode = client.graph.episode.get(user.graph_uuid, episodes[0].uuid_)
data = client.graph.episode.add(user.graph_uuid, data="Jane owns a kayak.")
deleted_episode = client.graph.episode.delete(user.graph_uuid, data.episode.uuid_)
try:
    client.graph.episode.delete(user.graph_uuid, episode_list[-1].uuid_)
    message_delete = "accepted"
except BadRequestError as exc:  # a thread message belongs to its thread
    message_delete = exc.body.error.message
deleted_edge = client.graph.edge.delete(user.graph_uuid, edges[0].uuid_)
deleted_thread = client.thread.delete(other.uuid_)
remaining = [t.uuid_ for t in client.thread.list(user_uuid=user.uuid_)]
print(json.dumps({
    "first_page": first_page, "everything": everything, "newest": newest,
    "context": context, "threads": sorted(threads), "thread": thread.uuid_, "other": other.uuid_,
    "edges": [e.fact for e in edges], "edge_scores": [e.score for e in edges],
    "edges_by_user": len(edges_by_user), "nodes": [n.name for n in nodes],
    "episodes": [e.content for e in episodes], "episode_thread": episode.thread_uuid,
    "observations": observations, "summaries": summaries,
    "graph_context": graph_context.context,
    "graph_context_edges": len(graph_context.results.edges), "node": node.name,
    "edge_list": len(edge_list), "episode_list": len(episode_list),
    "tasks": [client.task.get(t.task.uuid_).status
              for t in (deleted_episode, deleted_edge, deleted_thread)],
    "remaining": remaining, "message_delete": message_delete,
    "user_deleted": client.user.delete(user.uuid_).task.status,
}))
"""


def test_sdk_memory_workflow(served: str) -> None:
    """Users, threads, messages with paging, context, every search scope, CRUD and tasks."""
    out = sdk(served, MEMORY_WORKFLOW)
    assert out["first_page"] == [
        "I live in Lisbon and I love surfing.",
        "Lisbon has great waves.",
        "filler message 0",
    ]
    assert out["everything"] == [
        "I live in Lisbon and I love surfing.",
        "Lisbon has great waves.",
        *[f"filler message {i}" for i in range(5)],
    ]
    assert out["newest"] == ["filler message 4", "filler message 3"]
    assert "Lisbon" in str(out["context"])
    assert out["threads"] == sorted([out["thread"], out["other"]])
    assert out["edges"] == ["Jane: I live in Lisbon and I love surfing."]
    assert all(0 < s <= 1 for s in out["edge_scores"])  # type: ignore[attr-defined]
    assert out["edges_by_user"] == 1
    assert out["nodes"] == ["Jane Roe", "Lisbon"]
    assert out["episodes"] == ["Lisbon has great waves."]
    assert out["episode_thread"] == out["thread"]
    assert out["observations"] == [] and out["summaries"] == []
    assert "Lisbon" in str(out["graph_context"]) and out["graph_context_edges"] == 1
    assert out["node"] == "Jane Roe"
    assert out["edge_list"] == 1 and out["episode_list"] == 8
    assert out["tasks"] == ["succeeded"] * 3
    assert out["remaining"] == [out["thread"]]
    assert "delete the thread" in str(out["message_delete"])
    assert out["user_deleted"] == "succeeded"


ERRORS = """
from zep_cloud.core.api_error import ApiError
from zep_cloud.errors import BadRequestError, NotFoundError
import uuid
user = client.user.create(first_name="Ann")
thread = client.thread.create(user_uuid=user.uuid_)
out = {}
try:
    client.thread.get(str(uuid.uuid4()))
except NotFoundError as exc:
    out["missing"] = [exc.status_code, exc.body.error.code]
try:
    client.thread.add_messages("my-v3-thread", messages=[AddMessage(role="user", content="x")])
except BadRequestError as exc:
    out["bad_id"] = [exc.status_code, exc.body.error.code, exc.body.error.param]
msg = [AddMessage(role="user", content="I own a red surfboard.")]
a = client.thread.add_messages(thread.uuid_, messages=msg, idempotency_key="retry-1")
b = client.thread.add_messages(thread.uuid_, messages=msg, idempotency_key="retry-1")
out["same_answer"] = [m.uuid_ for m in a.messages] == [m.uuid_ for m in b.messages]
out["same_task"] = a.task.uuid_ == b.task.uuid_
try:
    client.thread.add_messages(thread.uuid_, idempotency_key="retry-1",
                               messages=[AddMessage(role="user", content="something else")])
except ApiError as exc:  # 422 is not among add_messages' typed errors: the plain ApiError
    out["reused"] = [exc.status_code, exc.body["error"]["code"]]
u1 = client.user.create(first_name="Bo", idempotency_key="create-bo")
u2 = client.user.create(first_name="Bo", idempotency_key="create-bo")
out["same_user"] = u1.uuid_ == u2.uuid_
out["bo_users"] = sum(1 for u in client.user.list(page_size=1000) if u.first_name == "Bo")
out["stored"] = [m.content for m in client.thread.list_messages(thread.uuid_)]
print(json.dumps(out))
"""


def test_sdk_errors_and_idempotent_retry(served: str) -> None:
    """Typed SDK errors for a missing thread, a bad id and a reused key; a retry stores once."""
    out = sdk(served, ERRORS)
    assert out["missing"] == [404, "not_found"]
    assert out["bad_id"] == [400, "invalid_identifier", "thread_uuid"]
    assert out["same_answer"] is True and out["same_task"] is True
    assert out["reused"] == [422, "idempotency_key_reused"]
    assert out["same_user"] is True and out["bo_users"] == 1
    assert out["stored"] == ["I own a red surfboard."]


CROSS_VERSION = """
user = client.user.lookup(user_id=os.environ["V2_USER"])
thread = client.thread.lookup(thread_id=os.environ["V2_SESSION"])
batch = client.lookup.batch(users=[os.environ["V2_USER"], "nobody"],
                            threads=[os.environ["V2_SESSION"]])
messages = [(m.role, m.name, m.content) for m in client.thread.list_messages(thread.uuid_)]
edges = [e.fact for e in client.graph.search_edges(user.graph_uuid, query="Porto")]
episodes = [e.content for e in client.graph.search_episodes(user.uuid_, query="tram")]
print(json.dumps({
    "user": [user.uuid_, user.user_id, user.first_name], "thread": [thread.uuid_,
    thread.thread_id, thread.user_uuid == user.uuid_],
    "batch": [[i.resource_type, i.legacy_id, i.found, i.uuid_] for i in batch.items],
    "messages": messages, "edges": edges, "episodes": episodes,
    "context": client.thread.get_context(thread.uuid_).context,
}))
"""


def test_written_through_v2_read_and_searched_through_v4(served: str) -> None:
    """A v2 user and session are found by lookup and read, searched and summarised via v4."""
    with ZepClient(api_key=KEY, base_url=served) as v2:
        v2.add_user("v2-user", first_name="Rui")
        v2.add_session("v2-session", user_id="v2-user")
        v2.add_memory(
            "v2-session",
            [
                {"role_type": "user", "role": "Rui", "content": "I live in Porto."},
                {"role_type": "assistant", "role": "bot", "content": "Take the tram 28."},
            ],
        )
        v2_user_uuid = v2.get_user("v2-user").uuid
        v2_session_uuid = v2.get_session("v2-session").uuid
    env = {"V2_USER": "v2-user", "V2_SESSION": "v2-session"}
    out = run_sdk(
        "4.0.1",
        PRELUDE + CROSS_VERSION,
        env={"ZEP_URL": f"{served}/api/v4", "ZEP_KEY": KEY, **env},
    )
    assert out["user"] == [v2_user_uuid, "v2-user", "Rui"]
    assert out["thread"] == [v2_session_uuid, "v2-session", True]
    assert out["batch"] == [
        ["user", "v2-user", True, v2_user_uuid],
        ["user", "nobody", False, None],
        ["thread", "v2-session", True, v2_session_uuid],
    ]
    assert out["messages"] == [
        ["user", "Rui", "I live in Porto."],
        ["assistant", "bot", "Take the tram 28."],
    ]
    assert out["edges"] == ["Rui: I live in Porto."]
    assert out["episodes"] == ["Take the tram 28."]
    assert "Porto" in out["context"]


def _raw(served: str) -> httpx.Client:
    return httpx.Client(base_url=f"{served}/api/v4/", headers={"Authorization": f"Api-Key {KEY}"})


GOOD = {"role": "user", "content": "fine"}


@pytest.mark.parametrize(
    ("messages", "param"),
    [
        ([GOOD, {"role": "user", "content": "x" * 4097}], "messages[1].content"),
        ([GOOD] * 31, "messages"),
        (
            [GOOD, {"role": "user", "content": "x", "metadata": {f"k{i}": i for i in range(11)}}],
            "messages[1].metadata",
        ),
        ([GOOD, {"role": "robot", "content": "x"}], "messages[1].role"),
    ],
    ids=["4097-chars", "31-messages", "11-metadata-keys", "bad-role"],
)
def test_bad_messages_are_refused_and_store_nothing(
    served: str, messages: list[dict[str, object]], param: str
) -> None:
    """Over-limit writes get 400 with the v4 error body naming the field; nothing is stored."""
    with _raw(served) as http:
        user = http.post("users", json={}).json()
        thread = http.post("threads", json={"user_uuid": user["uuid"]}).json()
        path = f"threads/{thread['uuid']}/messages"
        at_limit = [{"role": "user", "content": "x" * 4096}] * 30
        assert http.post(path, json={"messages": at_limit}).status_code == 202
        answer = http.post(path, json={"messages": messages})
        assert answer.status_code == 400, answer.text
        error = answer.json()["error"]
        assert error["code"] == "invalid_request" and error["param"] == param
        assert error["message"] and error["request_id"]
        assert http.get(path).json()["total_size"] == 30


def test_unknown_and_malformed_addresses(served: str) -> None:
    """Unknown UUIDs are 404, non-UUID addresses 400 invalid_identifier, both v4 bodies."""
    unknown = "0190f0f0-0000-7000-8000-000000000000"
    with _raw(served) as http:
        for path in (f"threads/{unknown}", f"users/{unknown}", f"graphs/{unknown}"):
            answer = http.get(path)
            assert answer.status_code == 404 and answer.json()["error"]["code"] == "not_found"
        answer = http.get("users/jane")
        assert answer.status_code == 400
        assert answer.json()["error"] == {
            "code": "invalid_identifier",
            "message": answer.json()["error"]["message"],
            "param": "user_uuid",
            "request_id": answer.json()["error"]["request_id"],
        }
        assert http.get("nowhere").json()["error"]["code"] == "not_found"
        assert http.put("users").json()["error"]["code"] == "method_not_allowed"
        denied = httpx.get(f"{served}/api/v4/users/{unknown}")
        assert denied.status_code == 401 and denied.json()["error"]["code"] == "unauthorized"
        too_big = http.post(
            "users",
            content=b"{" + b" " * (6 * 1024 * 1024) + b"}",
            headers={"content-type": "application/json"},
        )
        assert too_big.status_code == 413
        assert too_big.json()["error"]["code"] == "payload_too_large"


def test_idempotency_key_survives_restart(tmp_path: Path) -> None:
    """A key answered by one server instance is replayed by a second one on the same file."""
    db = tmp_path / "zep.db"
    answers = []
    for _ in range(2):
        proc = start_serve(db, output=subprocess.DEVNULL)
        try:
            with httpx.Client(base_url=f"{proc.url}/api/v4/") as http:
                created = http.post(
                    "users", json={"first_name": "Kay"}, headers={"Idempotency-Key": "k-restart"}
                )
                answers.append((created.status_code, created.json()))
                listed = http.post("users/list", json={}).json()
        finally:
            proc.process.terminate()
            proc.process.wait(timeout=10)
    assert answers[0] == answers[1] and answers[0][0] == 201
    assert listed["total_size"] == 1
    assert json.loads(json.dumps(listed))["items"][0]["first_name"] == "Kay"


GRAPHS = """
user = client.user.create(first_name="Mia", user_id="mia-idp")
assert user.user_id == "mia-idp"
added = client.graph.episode.add(user.graph_uuid, data="Mia works at Acme Corp in Berlin.",
                                 type="text", source_description="crm",
                                 reference_time="2026-03-01T12:00:00Z")
assert added.task.status == "succeeded" and added.episode.source == "text"
assert client.task.get(added.task.uuid_).status == "succeeded"
fetched = client.graph.episode.get(user.graph_uuid, added.episode.uuid_)
edges = client.graph.search_edges(user.graph_uuid, query="Acme Berlin").items
nodes = client.graph.search_nodes(user.uuid_, query="Acme").items
node = client.graph.node.get(user.graph_uuid, nodes[0].uuid_)
all_nodes = [n.name for n in client.graph.node.list(user.graph_uuid)]
standalone = client.graph.create(name="Products", description="catalogue")
assert standalone.uuid_ and standalone.name == "Products"
client.graph.episode.add(standalone.uuid_, data='{"product": "Widget", "price": 3}', type="json")
client.graph.update(standalone.uuid_, description="the catalogue")
found = client.graph.search_episodes(standalone.uuid_, query="Widget").items
listed = [g.uuid_ for g in client.graph.list(page_size=50)]
by_user = client.graph.lookup(user_id="mia-idp")
description = client.graph.get(standalone.uuid_).description
deleted = client.graph.delete(standalone.uuid_)
print(json.dumps({
    "fetched": [fetched.content, fetched.source_description, fetched.reference_time[:19]],
    "edges": [e.fact for e in edges], "nodes": [n.name for n in nodes], "node": node.name,
    "all_nodes": all_nodes, "found": [e.content for e in found],
    "standalone": [standalone.uuid_, description],
    "listed": listed, "by_user": [by_user.uuid_, by_user.user_uuid, user.graph_uuid, user.uuid_],
    "deleted": client.task.get(deleted.task.uuid_).status,
    "gone": client.graph.list().items,
}))
"""


def test_sdk_graph_data_and_standalone_graphs(served: str) -> None:
    """Data episodes with their facts and entities, standalone graphs and graph lookup."""
    out = sdk(served, GRAPHS)
    assert out["fetched"] == [
        "Mia works at Acme Corp in Berlin.",
        "crm",
        "2026-03-01T12:00:00",
    ]
    assert out["edges"] and "Acme" in out["edges"][0]  # type: ignore[index]
    assert "Acme Corp" in out["nodes"]  # type: ignore[operator]
    assert out["node"] == out["nodes"][0]  # type: ignore[index]
    assert "Mia" in out["all_nodes"] and "Acme Corp" in out["all_nodes"]  # type: ignore[operator]
    assert out["found"] == ['{"product": "Widget", "price": 3}']
    standalone, description = out["standalone"]  # type: ignore[misc]
    assert description == "the catalogue" and standalone in out["listed"]  # type: ignore[operator]
    graph_uuid, owner, user_graph, user_uuid = out["by_user"]  # type: ignore[misc]
    assert graph_uuid == user_graph and owner == user_uuid
    assert out["deleted"] == "succeeded" and out["gone"] == []


V3_WRITES = """
import json, os
from zep_cloud.client import Zep
from zep_cloud import Message
client = Zep(api_key=os.environ["ZEP_KEY"], base_url=os.environ["ZEP_URL"])
client.user.add(user_id="v3-user", first_name="Lea")
client.thread.create(thread_id="v3-thread", user_id="v3-user")
client.thread.add_messages("v3-thread", messages=[
    Message(role="user", name="Lea", content="I live in Nantes and I play chess.")])
client.graph.create(graph_id="v3-graph", name="Shared")
client.graph.add(graph_id="v3-graph", type="text", data="Nantes is on the Loire.")
print(json.dumps({"ok": True}))
"""

V4_READS = """
batch = client.lookup.batch(users=["v3-user"], threads=["v3-thread"], graphs=["v3-graph"])
uuids = {i.resource_type: i.uuid_ for i in batch.items if i.found}
thread = client.thread.get(uuids["thread"])
user = client.user.get(uuids["user"])
print(json.dumps({
    "found": sorted(uuids), "user": [user.user_id, user.first_name],
    "thread": [thread.thread_id, thread.user_uuid == user.uuid_,
               thread.graph_uuid == user.graph_uuid],
    "messages": [(m.role, m.name, m.content) for m in client.thread.list_messages(thread.uuid_)],
    "context": client.thread.get_context(thread.uuid_).context,
    "edges": [e.fact for e in client.graph.search_edges(user.graph_uuid, query="chess")],
    "graph": [client.graph.get(uuids["graph"]).graph_id,
              [e.content for e in client.graph.search_episodes(uuids["graph"], query="Loire")]],
}))
"""


def test_written_through_v3_read_through_v4(served: str) -> None:
    """zep-cloud 3.30.0 writes a user, thread, messages and a graph; 4.0.1 finds and reads them."""
    env = {"ZEP_URL": f"{served}/api/v2", "ZEP_KEY": KEY}
    assert run_sdk("3.30.0", V3_WRITES, env=env) == {"ok": True}
    out = sdk(served, V4_READS)
    assert out["found"] == ["graph", "thread", "user"]
    assert out["user"] == ["v3-user", "Lea"]
    assert out["thread"] == ["v3-thread", True, True]
    assert out["messages"] == [["user", "Lea", "I live in Nantes and I play chess."]]
    assert "chess" in str(out["context"])
    assert out["edges"] == ["Lea: I live in Nantes and I play chess."]
    assert out["graph"] == ["v3-graph", ["Nantes is on the Loire."]]


def test_serve_guard_refusals_use_the_v4_envelope(served: str) -> None:
    """serve's content-type and Origin checks answer /api/v4 requests in the v4 error body."""
    headers = {"Authorization": f"Api-Key {KEY}"}
    plain = httpx.post(
        f"{served}/api/v4/users", content=b"{}", headers={**headers, "content-type": "text/plain"}
    )
    assert plain.status_code == 415
    assert plain.json()["error"]["code"] == "unsupported_media_type"
    origin = httpx.get(
        f"{served}/api/v4/threads", headers={**headers, "origin": "http://evil.example"}
    )
    assert origin.status_code == 403 and origin.json()["error"]["code"] == "forbidden"
    v2 = httpx.get(f"{served}/api/v2/sessions-ordered", headers={**headers, "origin": "http://x"})
    assert v2.status_code == 403 and "message" in v2.json()
