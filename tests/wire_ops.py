"""The operations compared on the wire with the official SDKs: SDK code next to ours.

Each row is ``(name, sdk_code, ours)``: ``sdk_code`` runs against ``client`` (a zep-cloud
``Zep``) in that SDK's own venv, ``ours`` against a :class:`ZepClient` of the same version.
IDs avoid reserved characters: the SDKs do not escape path segments (v3) the way we do.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from zep_integrations import ZepClient

Op = tuple[str, str, Callable[[ZepClient], Any]]

MSGS_V3 = [
    {"role": "user", "name": "Jane", "content": "Hi", "metadata": {"k": 1}},
    {"role": "assistant", "content": "Hello", "created_at": "2026-01-01T00:00:00Z"},
]
MSGS_V4 = [
    {"role": "user", "name": "Jane", "content": "Hi", "metadata": {"k": 1}},
    {"role": "assistant", "content": "Hello", "reference_time": "2026-01-01T00:00:00Z"},
]

V3_OPS: list[Op] = [
    (
        "add_user",
        "client.user.add(user_id='u1', first_name='Jane', email='j@x.io', metadata={'a': 1})",
        lambda c: c.v3.add_user("u1", first_name="Jane", email="j@x.io", metadata={"a": 1}),
    ),
    ("get_user", "client.user.get('u1')", lambda c: c.v3.get_user("u1")),
    (
        "update_user",
        "client.user.update('u1', last_name='Doe', time_zone='UTC')",
        lambda c: c.v3.update_user("u1", last_name="Doe", time_zone="UTC"),
    ),
    ("delete_user", "client.user.delete('u1')", lambda c: c.v3.delete_user("u1")),
    (
        "list_users",
        "client.user.list_ordered(page_number=2, page_size=5, search='ja', asc=True)",
        lambda c: c.v3.list_users(page_number=2, page_size=5, search="ja", asc=True),
    ),
    ("get_user_node", "client.user.get_node('u1')", lambda c: c.v3.get_user_node("u1")),
    ("get_user_threads", "client.user.get_threads('u1')", lambda c: c.v3.get_user_threads("u1")),
    (
        "create_thread",
        "client.thread.create(thread_id='t1', user_id='u1')",
        lambda c: c.v3.create_thread("t1", "u1"),
    ),
    ("delete_thread", "client.thread.delete('t1')", lambda c: c.v3.delete_thread("t1")),
    (
        "list_threads",
        "client.thread.list_all(page_number=1, page_size=3, order_by='created_at', asc=False)",
        lambda c: c.v3.list_threads(page_number=1, page_size=3, order_by="created_at", asc=False),
    ),
    (
        "get_messages",
        "client.thread.get('t1', lastn=6)",
        lambda c: c.v3.get_messages("t1", lastn=6),
    ),
    (
        "get_messages_paged",
        "client.thread.get('t1', limit=10, cursor=2)",
        lambda c: c.v3.get_messages("t1", limit=10, cursor=2),
    ),
    (
        "add_messages",
        f"client.thread.add_messages('t1', messages=[Message(**m) for m in {MSGS_V3!r}], "
        "return_context=True, ignore_roles=['assistant'])",
        lambda c: c.v3.add_messages("t1", MSGS_V3, return_context=True, ignore_roles=["assistant"]),
    ),
    (
        "update_message_metadata",
        "client.thread.message.update('m1', metadata={'deleted': True})",
        lambda c: c.v3.update_message_metadata("m1", {"deleted": True}),
    ),
    (
        "get_thread_context",
        "client.thread.get_user_context('t1', template_id='tpl')",
        lambda c: c.v3.get_thread_context("t1", template_id="tpl"),
    ),
    (
        "get_thread_summary",
        "client.thread.get_summary('t1')",
        lambda c: c.v3.get_thread_summary("t1"),
    ),
    (
        "get_thread_episodes",
        "client.thread.get_episodes('t1')",
        lambda c: c.v3.get_thread_episodes("t1"),
    ),
    (
        "search_graph_edges",
        "client.graph.search(query='hiking', user_id='u1', scope='edges', limit=5)",
        lambda c: c.v3.search_graph("hiking", user_id="u1", scope="edges", limit=5),
    ),
    (
        "search_graph_episodes_mmr",
        "client.graph.search(query='q', graph_id='g1', scope='episodes', reranker='mmr', "
        "mmr_lambda=0.5)",
        lambda c: c.v3.search_graph(
            "q", graph_id="g1", scope="episodes", reranker="mmr", mmr_lambda=0.5
        ),
    ),
    (
        "add_data",
        "client.graph.add(data='{\"a\": 1}', type='json', user_id='u1', source_description='crm')",
        lambda c: c.v3.add_data('{"a": 1}', "json", user_id="u1", source_description="crm"),
    ),
    (
        "get_user_edges",
        "client.graph.edge.get_by_user_id('u1', limit=7)",
        lambda c: c.v3.get_user_edges("u1", limit=7),
    ),
    (
        "get_graph_edges",
        "client.graph.edge.get_by_graph_id('g1')",
        lambda c: c.v3.get_graph_edges("g1"),
    ),
    (
        "get_user_nodes",
        "client.graph.node.get_by_user_id('u1')",
        lambda c: c.v3.get_user_nodes("u1"),
    ),
    (
        "get_graph_nodes",
        "client.graph.node.get_by_graph_id('g1', limit=2)",
        lambda c: c.v3.get_graph_nodes("g1", limit=2),
    ),
    ("get_edge", "client.graph.edge.get('e1')", lambda c: c.v3.get_edge("e1")),
    ("delete_edge", "client.graph.edge.delete('e1')", lambda c: c.v3.delete_edge("e1")),
    ("get_node", "client.graph.node.get('n1')", lambda c: c.v3.get_node("n1")),
    ("get_episode", "client.graph.episode.get('ep1')", lambda c: c.v3.get_episode("ep1")),
    ("delete_episode", "client.graph.episode.delete('ep1')", lambda c: c.v3.delete_episode("ep1")),
    (
        "get_user_episodes",
        "client.graph.episode.get_by_user_id('u1', lastn=4)",
        lambda c: c.v3.get_user_episodes("u1", lastn=4),
    ),
    (
        "create_graph",
        "client.graph.create(graph_id='g1', name='Docs')",
        lambda c: c.v3.create_graph("g1", name="Docs"),
    ),
    ("get_graph", "client.graph.get('g1')", lambda c: c.v3.get_graph("g1")),
    ("delete_graph", "client.graph.delete('g1')", lambda c: c.v3.delete_graph("g1")),
    (
        "list_graphs",
        "client.graph.list_all(page_number=1, page_size=2)",
        lambda c: c.v3.list_graphs(page_number=1, page_size=2),
    ),
    ("get_task", "client.task.get('task1')", lambda c: c.v3.get_task("task1")),
]
"""Every v3 operation we implement, by the SDK method that is its contract."""


def _first(iterator: Any) -> Any:
    return next(iter(iterator), None)


U = "6f1b7c1e-0000-4000-8000-000000000001"
T = "6f1b7c1e-0000-4000-8000-000000000002"
G = "6f1b7c1e-0000-4000-8000-000000000003"
X = "6f1b7c1e-0000-4000-8000-000000000004"

V4_OPS: list[Op] = [
    (
        "create_user",
        "client.user.create(first_name='Jane', user_id='idp-1', metadata={'a': 1})",
        lambda c: c.v4.create_user(first_name="Jane", user_id="idp-1", metadata={"a": 1}),
    ),
    ("get_user", f"client.user.get('{U}')", lambda c: c.v4.get_user(U)),
    (
        "update_user",
        f"client.user.update('{U}', email='j@x.io')",
        lambda c: c.v4.update_user(U, email="j@x.io"),
    ),
    ("delete_user", f"client.user.delete('{U}')", lambda c: c.v4.delete_user(U)),
    (
        "list_users",
        "list(client.user.list(page_size=5, search='ja', order='asc'))",
        lambda c: _first(c.v4.list_users(page_size=5, search="ja", order="asc")),
    ),
    ("get_user_node", f"client.user.get_node('{U}')", lambda c: c.v4.get_user_node(U)),
    ("lookup_user", "client.user.lookup(user_id='u1')", lambda c: c.v4.lookup_user(user_id="u1")),
    (
        "lookup_thread",
        "client.thread.lookup(thread_id='t1')",
        lambda c: c.v4.lookup_thread(thread_id="t1"),
    ),
    (
        "lookup_graph",
        "client.graph.lookup(graph_id='g1')",
        lambda c: c.v4.lookup_graph(graph_id="g1"),
    ),
    (
        "lookup",
        "client.lookup.batch(users=['u1'], threads=['t1', 't2'])",
        lambda c: c.v4.lookup(users=["u1"], threads=["t1", "t2"]),
    ),
    ("create_thread", f"client.thread.create(user_uuid='{U}')", lambda c: c.v4.create_thread(U)),
    ("get_thread", f"client.thread.get('{T}')", lambda c: c.v4.get_thread(T)),
    ("delete_thread", f"client.thread.delete('{T}')", lambda c: c.v4.delete_thread(T)),
    (
        "list_threads",
        f"list(client.thread.list(page_size=2, user_uuid='{U}', order_by='created_at'))",
        lambda c: _first(c.v4.list_threads(page_size=2, user_uuid=U, order_by="created_at")),
    ),
    (
        "list_messages",
        f"list(client.thread.list_messages('{T}', page_size=6, order='desc'))",
        lambda c: _first(c.v4.list_messages(T, page_size=6, order="desc")),
    ),
    (
        "add_messages",
        f"client.thread.add_messages('{T}', messages=[AddMessage(**m) for m in {MSGS_V4!r}], "
        "return_context=True)",
        lambda c: c.v4.add_messages(T, MSGS_V4, return_context=True),
    ),
    (
        "get_message",
        f"client.thread.message.get('{T}', '{X}')",
        lambda c: c.v4.get_message(T, X),
    ),
    (
        "update_message_metadata",
        f"client.thread.message.update('{T}', '{X}', metadata={{'deleted': True}})",
        lambda c: c.v4.update_message_metadata(T, X, {"deleted": True}),
    ),
    (
        "get_thread_context",
        f"client.thread.get_context('{T}', template_uuid='{X}')",
        lambda c: c.v4.get_thread_context(T, template_uuid=X),
    ),
    (
        "get_thread_summary",
        f"client.thread.get_summary('{T}')",
        lambda c: c.v4.get_thread_summary(T),
    ),
    (
        "list_thread_episodes",
        f"list(client.thread.list_episodes('{T}', page_size=3))",
        lambda c: _first(c.v4.list_thread_episodes(T, page_size=3)),
    ),
    (
        "search_edges",
        f"client.graph.search_edges('{G}', query='hiking', page_size=5)",
        lambda c: c.v4.search(G, "hiking", scope="edges", page_size=5),
    ),
    (
        "search_nodes",
        f"client.graph.search_nodes('{G}', query='q', reranker='mmr', mmr_lambda=0.5)",
        lambda c: c.v4.search(G, "q", scope="nodes", reranker="mmr", mmr_lambda=0.5),
    ),
    (
        "search_episodes",
        f"client.graph.search_episodes('{G}', query='q')",
        lambda c: c.v4.search(G, "q", scope="episodes"),
    ),
    (
        "search_thread_summaries",
        f"client.graph.search_thread_summaries('{G}', query='q', page_size=2)",
        lambda c: c.v4.search(G, "q", scope="thread_summaries", page_size=2),
    ),
    (
        "search_observations",
        f"client.graph.search_observations('{G}', query='q')",
        lambda c: c.v4.search(G, "q", scope="observations"),
    ),
    (
        "get_graph_context",
        f"client.graph.get_context('{G}', query='q', max_characters=900)",
        lambda c: c.v4.get_graph_context(G, "q", max_characters=900),
    ),
    (
        "add_episode",
        f"client.graph.episode.add('{G}', data='hello', type='text', source_description='crm')",
        lambda c: c.v4.add_episode(G, "hello", type="text", source_description="crm"),
    ),
    (
        "list_edges",
        f"list(client.graph.edge.list('{G}', page_size=4))",
        lambda c: _first(c.v4.list_edges(G, page_size=4)),
    ),
    (
        "list_nodes",
        f"list(client.graph.node.list('{G}'))",
        lambda c: _first(c.v4.list_nodes(G)),
    ),
    (
        "list_episodes",
        f"list(client.graph.episode.list('{G}', order='desc'))",
        lambda c: _first(c.v4.list_episodes(G, order="desc")),
    ),
    ("get_edge", f"client.graph.edge.get('{G}', '{X}')", lambda c: c.v4.get_edge(G, X)),
    ("delete_edge", f"client.graph.edge.delete('{G}', '{X}')", lambda c: c.v4.delete_edge(G, X)),
    ("get_node", f"client.graph.node.get('{G}', '{X}')", lambda c: c.v4.get_node(G, X)),
    ("delete_node", f"client.graph.node.delete('{G}', '{X}')", lambda c: c.v4.delete_node(G, X)),
    ("get_episode", f"client.graph.episode.get('{G}', '{X}')", lambda c: c.v4.get_episode(G, X)),
    (
        "delete_episode",
        f"client.graph.episode.delete('{G}', '{X}')",
        lambda c: c.v4.delete_episode(G, X),
    ),
    (
        "create_graph",
        "client.graph.create(name='Docs', description='d')",
        lambda c: c.v4.create_graph(name="Docs", description="d"),
    ),
    ("get_graph", f"client.graph.get('{G}')", lambda c: c.v4.get_graph(G)),
    ("delete_graph", f"client.graph.delete('{G}')", lambda c: c.v4.delete_graph(G)),
    (
        "list_graphs",
        "list(client.graph.list(page_size=2, search='d'))",
        lambda c: _first(c.v4.list_graphs(page_size=2, search="d")),
    ),
    ("get_task", f"client.task.get('{X}')", lambda c: c.v4.get_task(X)),
    (
        "list_tasks",
        "list(client.task.list(status='pending'))",
        lambda c: _first(c.v4.list_tasks(status="pending")),
    ),
]
"""Every v4 operation we implement, by the SDK method that is its contract."""
