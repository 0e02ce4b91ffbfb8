"""Graph search and the context block, version-neutral (over ``server/graph.py``).

Stable names for the v3 and v4 routes:

* :class:`GraphQuery` (query, limit, reranker, filters), then :func:`search_edges`,
  :func:`search_nodes`, :func:`search_episodes`, :func:`search_thread_summaries`: each returns
  wire dicts (v3 shapes, see ``graph.py``) best first, each with ``score`` and ``relevance``
  in ``[0, 1]``.
* :func:`graph_context`: the context block of a user's graph for a query;
  :func:`thread_context`: the same with the thread's latest messages as the query.

Ranking: FTS5 ``bm25`` normalised to the best hit (``search.normalise``), so the best hit scores
1.0; ``rrf`` (the Zep default) is that single lexical ranking, there being one retriever here;
``mmr`` re-ranks with :func:`~zep_integrations.server.search.mmr` and ``mmr_lambda``. The routes
refuse rerankers and filters that cannot be honoured; nothing here is silently approximate.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from zep_integrations.server import search
from zep_integrations.server.graph import (
    Owner,
    current_facts,
    data_episode_json,
    edge_entities,
    edge_json,
    entity_node_json,
    message_episode_json,
    user_node_json,
    user_summary,
)
from zep_integrations.server.knowledge import ContextEntity, ContextFact, GraphIntelligence

__all__ = [
    "DATE_OPERATORS",
    "GraphQuery",
    "graph_context",
    "search_edges",
    "search_episodes",
    "search_nodes",
    "search_thread_summaries",
    "thread_context",
]

CONTEXT_FACTS = 10
CONTEXT_ENTITIES = 5
QUERY_TERMS = 8
"""Terms of a context query (newest words first), as for the v2 memory context."""
DATE_OPERATORS = frozenset({"=", "<>", ">", "<", ">=", "<=", "IS NULL", "IS NOT NULL"})


@dataclass(frozen=True)
class GraphQuery:
    """One search, already validated by a route.

    Attributes:
        text: The query text.
        limit: Most results.
        reranker: ``rrf`` or ``mmr``.
        mmr_lambda: MMR's relevance weight in ``[0, 1]``.
        edge_types: Keep edges with these names (``None``: all).
        exclude_edge_types: Drop edges with these names.
        edge_uuids: Keep these edges only.
        node_labels: Keep nodes (and edges touching a node) with one of these labels.
        exclude_node_labels: Drop nodes with these labels.
        dates: Edge date filters: ``{field: [[(operator, RFC 3339 date or None), ...], ...]}``,
            outer list OR, inner AND (zep-cloud 3.30.0 ``SearchFilters``).

    Example:
        >>> GraphQuery("where does Jane live", limit=5, reranker="mmr").candidates
        50
    """

    text: str
    limit: int = 10
    reranker: str = "rrf"
    mmr_lambda: float = 0.5
    edge_types: Sequence[str] | None = None
    exclude_edge_types: Sequence[str] = ()
    edge_uuids: Sequence[str] | None = None
    node_labels: Sequence[str] | None = None
    exclude_node_labels: Sequence[str] = ()
    dates: dict[str, list[list[tuple[str, str | None]]]] = field(default_factory=dict)

    @property
    def candidates(self) -> int:
        """How many lexical hits to fetch before filtering and re-ranking."""
        return max(50, self.limit * 5)


def _parse(moment: str) -> datetime:
    return datetime.fromisoformat(moment.replace("Z", "+00:00"))


def _date_ok(value: str | None, op: str, date: str | None) -> bool:
    if op == "IS NULL":
        return value is None
    if op == "IS NOT NULL":
        return value is not None
    if value is None or date is None:
        return False
    left, right = _parse(value), _parse(date)
    return {
        "=": left == right,
        "<>": left != right,
        ">": left > right,
        "<": left < right,
        ">=": left >= right,
        "<=": left <= right,
    }[op]


def _edge_kept(edge: dict[str, Any], q: GraphQuery) -> bool:
    if q.edge_types is not None and edge["name"] not in q.edge_types:
        return False
    if edge["name"] in q.exclude_edge_types:
        return False
    if q.edge_uuids is not None and edge["uuid"] not in q.edge_uuids:
        return False
    labels = set(edge["source_node_labels"]) | set(edge["target_node_labels"])
    if q.node_labels is not None and not labels & set(q.node_labels):
        return False
    for name, groups in q.dates.items():
        if not any(all(_date_ok(edge.get(name), op, d) for op, d in group) for group in groups):
            return False
    return True


def _select(items: list[tuple[dict[str, Any], float]], q: GraphQuery, text_key: str) -> list[Any]:
    if q.reranker == "mmr":
        chosen = search.mmr(
            [item for item, _ in items],
            [score for _, score in items],
            lambda item: str(item[text_key]),
            q.limit,
            q.mmr_lambda,
        )
    else:
        chosen = items[: q.limit]
    return [item for item, _ in chosen]


def _fact_hits(
    conn: sqlite3.Connection, owner: Owner, text: str, limit: int, *, newest: bool = False
) -> list[tuple[sqlite3.Row, float]]:
    terms = QUERY_TERMS if newest else search.MAX_QUERY_TERMS
    ranked = search.search_fts(
        conn, "facts_fts", text, [owner.scope], limit, max_terms=terms, newest=newest
    )
    return search.ranked_rows(conn, "facts", search.normalise(ranked))


def search_edges(
    conn: sqlite3.Connection, owner: Owner, q: GraphQuery, hooks: GraphIntelligence
) -> list[dict[str, Any]]:
    """Edges (facts) of ``owner``'s graph matching ``q``, best first."""
    hits = _fact_hits(conn, owner, q.text, q.candidates)
    edges = [(edge_json(row, owner, hooks, score), score) for row, score in hits]
    return _select([(e, s) for e, s in edges if _edge_kept(e, q)], q, "fact")


def search_nodes(
    conn: sqlite3.Connection, owner: Owner, q: GraphQuery, hooks: GraphIntelligence
) -> list[dict[str, Any]]:
    """Nodes of ``owner``'s graph matching ``q``, best first.

    The entities of the matching facts, and the user's node when a matching fact is about the
    user alone or the query names the user.
    """
    hits = _fact_hits(conn, owner, q.text, q.candidates)
    by_name: dict[str, tuple[float, list[sqlite3.Row]]] = {}
    root_score = 0.0
    for row, score in hits:
        entities = edge_entities(row, hooks, owner)
        if not entities:
            root_score = max(root_score, score)
        for name in entities:
            key = name.casefold()
            best, rows = by_name.get(key, (score, []))
            by_name[key] = (max(best, score), [*rows, row])
    names = {name.casefold(): name for row, _ in hits for name in edge_entities(row, hooks, owner)}
    if set(search.tokens(owner.name)) & set(search.tokens(q.text)):
        root_score = 1.0
    nodes: list[tuple[dict[str, Any], float]] = []
    if root_score > 0 and owner.kind == "user":
        nodes.append((user_node_json(conn, owner, hooks, root_score), root_score))
    for key, (score, rows) in by_name.items():
        nodes.append((entity_node_json(owner, names[key], rows, score), score))
    nodes.sort(key=lambda pair: -pair[1])
    kept = [
        (node, score)
        for node, score in nodes
        if (q.node_labels is None or set(node["labels"]) & set(q.node_labels))
        and not set(node["labels"]) & set(q.exclude_node_labels)
    ]
    return _select(kept, q, "summary")


def _rows(conn: sqlite3.Connection, table: str, rowids: list[int]) -> dict[int, sqlite3.Row]:
    pairs = search.ranked_rows(conn, table, [(rowid, 0.0) for rowid in rowids])
    return {int(row["id"]): row for row, _ in pairs}


def search_episodes(conn: sqlite3.Connection, owner: Owner, q: GraphQuery) -> list[dict[str, Any]]:
    """Episodes of ``owner``'s graph: the user's thread messages and the data added to it."""
    sessions: dict[int, str] = {}
    if owner.kind == "user":
        sessions = {
            int(r[0]): str(r[1])
            for r in conn.execute(
                "SELECT id, session_id FROM sessions WHERE user_id = ?", (owner.key,)
            )
        }
    messages = search.search_fts(
        conn, "messages_fts", q.text, [f"s{i}" for i in sessions], q.candidates
    )
    data = search.search_fts(conn, "episodes_fts", q.text, [owner.scope], q.candidates)
    # One scale for both lists: normalise their bm25 values together.
    tagged = [("m", rowid, rank) for rowid, rank in messages]
    tagged += [("e", rowid, rank) for rowid, rank in data]
    scores = search.normalise([(i, rank) for i, (_, _, rank) in enumerate(tagged)])
    merged = sorted(
        ((tagged[i][0], tagged[i][1], score) for i, score in scores), key=lambda t: -t[2]
    )
    message_rows = _rows(conn, "messages", [r for k, r, _ in merged if k == "m"])
    data_rows = _rows(conn, "episodes", [r for k, r, _ in merged if k == "e"])
    episodes: list[tuple[dict[str, Any], float]] = []
    for kind, rowid, score in merged[: q.candidates]:
        if kind == "m" and rowid in message_rows:
            row = message_rows[rowid]
            episodes.append(
                (message_episode_json(row, sessions[int(row["session_id"])], score), score)
            )
        elif kind == "e" and rowid in data_rows:
            episodes.append((data_episode_json(data_rows[rowid], score), score))
    return _select(episodes, q, "content")


def search_thread_summaries(
    conn: sqlite3.Connection, owner: Owner, q: GraphQuery
) -> list[dict[str, Any]]:
    """The current summaries of the user's threads matching ``q`` (``GraphitiSagaNode`` shape).

    A thread's summary is rewritten as it grows (``routes_memory._summarise``); only each
    thread's newest one counts. A standalone graph has no threads, so none.
    """
    if owner.kind != "user":
        return []
    sessions = {
        int(r[0]): str(r[1])
        for r in conn.execute("SELECT id, session_id FROM sessions WHERE user_id = ?", (owner.key,))
    }
    ranked = search.search_fts(
        conn, "summaries_fts", q.text, [f"s{i}" for i in sessions], q.candidates
    )
    hits = []
    for row, score in search.ranked_rows(conn, "summaries", search.normalise(ranked)):
        newest = conn.execute(
            "SELECT max(id) FROM summaries WHERE session_id = ?", (row["session_id"],)
        ).fetchone()[0]
        if newest != row["id"]:
            continue
        item = {
            "uuid": row["uuid"],
            "name": sessions[int(row["session_id"])],
            "labels": ["ThreadSummary"],
            "summary": row["content"],
            "created_at": row["created_at"],
            "last_summarized_at": row["created_at"],
            "score": score,
            "relevance": score,
        }
        hits.append((item, score))
    return _select(hits, q, "summary")


def graph_context(
    conn: sqlite3.Connection,
    owner: Owner,
    query: str,
    hooks: GraphIntelligence,
    *,
    with_user_summary: bool = True,
    max_characters: int | None = None,
) -> str:
    """The context block of ``owner``'s graph for ``query`` (section 5.1 of the contract file).

    Facts: those matching the query (newest terms first), then the newest others, at most
    ``CONTEXT_FACTS``, each with its validity range. Entities: those of the chosen facts, at most
    ``CONTEXT_ENTITIES``. The user summary comes first for a user's graph (unless
    ``with_user_summary`` is false, as for v3 ``scope="auto"`` search). With ``max_characters``,
    the least relevant entities, then facts, are left out until the block fits (the summary is
    never cut: a block that cannot fit is ``""``).
    """
    chosen = [row for row, _ in _fact_hits(conn, owner, query, CONTEXT_FACTS, newest=True)]
    seen = {int(row["id"]) for row in chosen}
    for row in current_facts(conn, owner, CONTEXT_FACTS):
        if len(chosen) >= CONTEXT_FACTS:
            break
        if int(row["id"]) not in seen:
            chosen.append(row)
    facts = [
        ContextFact(row["content"], row["valid_at"] or row["created_at"], row["invalid_at"])
        for row in chosen
    ]
    about: dict[str, list[sqlite3.Row]] = {}
    names: dict[str, str] = {}
    for row in chosen:
        for name in edge_entities(row, hooks, owner):
            about.setdefault(name.casefold(), []).append(row)
            names.setdefault(name.casefold(), name)
    entities = [
        ContextEntity(names[key], entity_node_json(owner, names[key], rows)["summary"])
        for key, rows in list(about.items())[:CONTEXT_ENTITIES]
    ]
    summary = ""
    if with_user_summary and owner.kind == "user":
        summary = user_summary(conn, owner, hooks)
    text = hooks.format_context(summary, facts, entities)
    while max_characters is not None and len(text) > max_characters:
        if entities:
            entities.pop()
        elif facts:
            facts.pop()
        else:
            return ""
        text = hooks.format_context(summary, facts, entities)
    return text


def thread_context(
    conn: sqlite3.Connection,
    owner: Owner,
    session_rowid: int,
    hooks: GraphIntelligence,
    query_messages: int = 2,
) -> str:
    """:func:`graph_context` of a thread's user, the last ``query_messages`` being the query.

    v3 uses the last two messages, v4 the last four.
    """
    rows = conn.execute(
        "SELECT content FROM messages WHERE session_id = ? ORDER BY id DESC LIMIT ?",
        (session_rowid, query_messages),
    ).fetchall()
    query = " ".join(row[0] for row in reversed(rows))
    return graph_context(conn, owner, query, hooks)
