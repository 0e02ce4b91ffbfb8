"""Which zep-cloud 4.0.1 operations the v4 routes serve, read from the SDK's own source.

Every served route must be an operation of the SDK (no invented paths), and the gap is listed
here by name, so a route that disappears, or one that is added, shows in this file's diff.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from tests.sdk_envs import sdk_python
from zep_integrations.server.v4 import ROUTES


def sdk_operations() -> set[tuple[str, str]]:
    """``(METHOD, path)`` of every call in zep-cloud 4.0.1's ``raw_client.py`` files."""
    home = sdk_python("4.0.1").parent.parent
    (package,) = home.glob("lib/python*/site-packages/zep_cloud")
    found: set[tuple[str, str]] = set()
    for source in Path(package).rglob("raw_client.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "request"):
                continue
            method = next((k.value for k in node.keywords if k.arg == "method"), None)
            if not node.args or not isinstance(method, ast.Constant):
                continue
            path = ast.unparse(node.args[0]).strip("f'\"")
            path = re.sub(r"\{encode_path_param\((\w+)\)\}", "{}", path)
            found.add((str(method.value), path))
    return found


def served() -> set[tuple[str, str]]:
    return {(r.method, re.sub(r"\{\w+\}", "{}", r.pattern)) for r in ROUTES}


def test_every_v4_route_is_an_sdk_operation() -> None:
    """No v4 route exists that zep-cloud 4.0.1 does not call (the typed search is one route)."""
    operations = sdk_operations()
    search = {op for op in operations if op[1].startswith("graphs/{}/search/")}
    assert len(search) == 5
    invented = served() - operations - {("POST", "graphs/{}/search/{}")}
    assert invented == set()


MEMORY_WORKFLOW = {
    ("POST", "users"),
    ("POST", "users/list"),
    ("POST", "users/lookup"),
    ("GET", "users/{}"),
    ("PATCH", "users/{}"),
    ("DELETE", "users/{}"),
    ("GET", "users/{}/node"),
    ("POST", "threads"),
    ("GET", "threads"),
    ("POST", "threads/lookup"),
    ("GET", "threads/{}"),
    ("DELETE", "threads/{}"),
    ("GET", "threads/{}/messages"),
    ("POST", "threads/{}/messages"),
    ("GET", "threads/{}/messages/{}"),
    ("PATCH", "threads/{}/messages/{}"),
    ("GET", "threads/{}/context"),
    ("GET", "threads/{}/summary"),
    ("GET", "threads/{}/episodes"),
    ("POST", "lookup"),
    ("POST", "graphs"),
    ("POST", "graphs/list"),
    ("POST", "graphs/lookup"),
    ("GET", "graphs/{}"),
    ("PATCH", "graphs/{}"),
    ("DELETE", "graphs/{}"),
    ("POST", "graphs/{}/context"),
    ("POST", "graphs/{}/episodes"),
    ("POST", "graphs/{}/episodes/list"),
    ("GET", "graphs/{}/episodes/{}"),
    ("DELETE", "graphs/{}/episodes/{}"),
    ("POST", "graphs/{}/edges/list"),
    ("GET", "graphs/{}/edges/{}"),
    ("DELETE", "graphs/{}/edges/{}"),
    ("POST", "graphs/{}/nodes/list"),
    ("GET", "graphs/{}/nodes/{}"),
    ("GET", "tasks/{}"),
}
"""The operations the memory workflow touches: all served."""


def test_memory_workflow_operations_are_served() -> None:
    """Users, threads, messages, lookups, graphs, search, context, episodes, edges, nodes, tasks.

    Served is exactly this list plus the typed search route (all five scopes). Not served: the
    SDK's other surfaces (agents, batches, context templates, user groups, project settings,
    ontology and instructions, hyperedges, observations and summaries listings, graph clone,
    subgraph, query, warm, edge/node add and update, episode update).
    """
    operations = sdk_operations()
    assert operations >= MEMORY_WORKFLOW
    assert served() - {("POST", "graphs/{}/search/{}")} == MEMORY_WORKFLOW
