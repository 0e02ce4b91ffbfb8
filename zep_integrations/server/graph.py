"""The graph view of the store, version-neutral: owners, edges, nodes and episodes.

One store, three views: a v2 session is a v3 thread; a v2 fact is a graph **edge**; messages
and data added with ``POST graph`` are **episodes**; the user is a **node** and so is every
entity the extraction names. Route modules of any API version translate shapes around these
functions; they never query the graph tables themselves. Stable names (for the v3 and v4 routes):

* Owners (defined in ``graph_owner.py``, re-exported here): :class:`Owner`, :func:`user_owner`,
  :func:`graph_owner`, :func:`owner_of_user`, :func:`user_graph_uuid` (a user's graph UUID,
  derived from the user's UUID), :func:`node_uuid`.
* Writes: :func:`record_facts` (facts from messages or data, with entities, relation name,
  source episodes and validity; a newer fact about the same relation invalidates the older one),
  :func:`add_data_episode` (``POST graph``).
* Records: :func:`edge_json`, :func:`message_episode_json`, :func:`data_episode_json`,
  :func:`entity_node_json`, :func:`user_node_json`, :func:`user_summary`.
* Search and context: ``server/graph_search.py``.

Wire fields follow zep-cloud 3.30.0 ``types/entity_edge.py``, ``entity_node.py``, ``episode.py``;
the v4 routes rename ``episodes`` to ``episode_uuids`` and add ``graph_uuid``/``user_uuid``.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from zep_integrations.server.graph_owner import (
    Owner,
    graph_owner,
    node_uuid,
    owner_of_user,
    user_graph_uuid,
    user_owner,
)
from zep_integrations.server.knowledge import GraphIntelligence
from zep_integrations.server.storage import dumps, loads

__all__ = [
    "Owner",
    "add_data_episode",
    "data_episode_json",
    "edge_entities",
    "edge_json",
    "entity_node_json",
    "graph_owner",
    "message_episode_json",
    "node_uuid",
    "not_the_user",
    "owner_of_user",
    "record_facts",
    "user_graph_uuid",
    "user_node_json",
    "user_owner",
    "user_summary",
]

SUMMARY_FACTS = 5
"""Current facts the user summary is written from."""


def not_the_user(owner: Owner, names: Sequence[str]) -> list[str]:
    """``names`` without the user's own name: in a user's graph the user is the user's node."""
    if owner.kind != "user":
        return list(names)
    own = {owner.name.casefold(), owner.name.split()[0].casefold(), owner.key.casefold()}
    return [name for name in names if name.casefold() not in own]


def edge_entities(row: sqlite3.Row, hooks: GraphIntelligence, owner: Owner) -> list[str]:
    """The entity names of a fact row (extracted on read for facts written before schema 3)."""
    stored = loads(row["entities"])
    if stored is None:
        return not_the_user(owner, hooks.extract_entities(row["content"]))
    return [str(name) for name in stored]


def _ends(owner: Owner, entities: Sequence[str]) -> tuple[tuple[str, str], tuple[str, str]]:
    """``((source uuid, name), (target uuid, name))`` of an edge."""
    root = (owner.root_uuid, owner.name)
    nodes = [(node_uuid(owner.graph_uuid, name), name) for name in entities]
    if owner.kind == "user":
        return root, nodes[0] if nodes else root
    if not nodes:
        return root, root
    return nodes[0], nodes[1] if len(nodes) > 1 else nodes[0]


def edge_json(
    row: sqlite3.Row, owner: Owner, hooks: GraphIntelligence, score: float | None = None
) -> dict[str, Any]:
    """An ``EntityEdge`` (v3 shape) for a fact row."""
    entities = edge_entities(row, hooks, owner)
    (source, source_name), (target, target_name) = _ends(owner, entities)
    root_labels = ["Entity", "User"] if owner.kind == "user" else ["Entity"]
    out: dict[str, Any] = {
        "uuid": row["uuid"],
        "name": row["name"] or hooks.relation_name(row["content"], next(iter(entities), None)),
        "fact": row["content"],
        "source_node_uuid": source,
        "target_node_uuid": target,
        "source_node_name": source_name,
        "target_node_name": target_name,
        "source_node_labels": root_labels if source == owner.root_uuid else ["Entity"],
        "target_node_labels": root_labels if target == owner.root_uuid else ["Entity"],
        "attributes": {},
        "episodes": loads(row["episodes"]) or [],
        "created_at": row["created_at"],
        "valid_at": row["valid_at"] or row["created_at"],
        "invalid_at": row["invalid_at"],
        "expired_at": row["expired_at"],
    }
    if score is not None:
        out["score"] = score
        out["relevance"] = score
    return out


def message_episode_json(
    row: sqlite3.Row, thread_id: str, score: float | None = None
) -> dict[str, Any]:
    """An ``Episode`` for a stored message (``source="message"``)."""
    out: dict[str, Any] = {
        "uuid": row["uuid"],
        "content": row["content"],
        "created_at": row["created_at"],
        "source": "message",
        "source_description": None,
        "role": row["role"],
        "role_type": row["role_type"],
        "thread_id": thread_id,
        "metadata": loads(row["metadata"]),
        "processed": True,
        "task_id": row["uuid"],
    }
    if score is not None:
        out["score"] = score
        out["relevance"] = score
    return out


def data_episode_json(row: sqlite3.Row, score: float | None = None) -> dict[str, Any]:
    """An ``Episode`` for data added with ``POST graph``."""
    out: dict[str, Any] = {
        "uuid": row["uuid"],
        "content": row["content"],
        "created_at": row["created_at"],
        "source": row["source"],
        "source_description": row["source_description"],
        "document_id": row["document_id"],
        "metadata": loads(row["metadata"]),
        "processed": True,
        "task_id": row["uuid"],
    }
    if score is not None:
        out["score"] = score
        out["relevance"] = score
    return out


def _speaker(fact: str) -> str:
    head, sep, _ = fact.partition(": ")
    return head if sep and len(head) <= 80 else ""


def record_facts(
    conn: sqlite3.Connection,
    hooks: GraphIntelligence,
    new_uuid: Callable[[], str],
    owner: Owner,
    session_rowid: int | None,
    facts: Sequence[tuple[str, Sequence[str]]],
    valid_at: str,
    now: str,
    *,
    strict_ontology: bool = False,
) -> list[str]:
    """Store ``(fact, source episode uuids)`` pairs as edges of ``owner``'s graph.

    With ``strict_ontology`` no generic entity is made (no ontology is configured here, so
    every entity would be one): the facts hang from the user's or graph's own node.

    A fact the owner already holds (same text, still valid) is skipped. A speaker's new fact with
    the same relation name as one of their current ones but another entity ("Jane: I live in
    Paris" after "Jane: I live in Rome") ends the old one: its ``invalid_at`` becomes the new
    fact's ``valid_at`` and its ``expired_at`` now. When the new fact is the older one (history
    added late, with an earlier ``created_at``), it is the one stored as ended, at the other's
    ``valid_at``. Returns the UUIDs of the stored facts.
    """
    stored: list[str] = []
    column = owner.column
    for fact, episodes in _unique(facts):
        if conn.execute(
            f"SELECT 1 FROM facts WHERE {column} = ? AND content = ? AND invalid_at IS NULL",
            (owner.rowid, fact),
        ).fetchone():
            continue
        entities = [] if strict_ontology else not_the_user(owner, hooks.extract_entities(fact))
        name = hooks.relation_name(fact, entities[0] if entities else None)
        speaker = _speaker(fact)
        invalid_at: str | None = None
        # Only a speaker's own statements supersede each other ("Jane: I live in ..."); two
        # third-person facts with one relation name may both hold (two capitals).
        if speaker and entities and name not in ("STATES", "RELATES_TO"):
            for old in conn.execute(
                f"SELECT id, content, entities, valid_at, created_at FROM facts"
                f" WHERE {column} = ? AND name = ? AND invalid_at IS NULL",
                (owner.rowid, name),
            ).fetchall():
                old_entities = loads(old["entities"]) or []
                if _speaker(old["content"]) != speaker or old_entities[:1] == entities[:1]:
                    continue
                old_valid = old["valid_at"] or old["created_at"]
                if _instant(old_valid) <= _instant(valid_at):
                    conn.execute(
                        "UPDATE facts SET invalid_at = ?, expired_at = ? WHERE id = ?",
                        (valid_at, now, old["id"]),
                    )
                else:
                    # Back-filled history: the older statement ended when the newer one began.
                    if invalid_at is None or _instant(old_valid) < _instant(invalid_at):
                        invalid_at = old_valid
        fact_uuid = new_uuid()
        conn.execute(
            f"INSERT INTO facts(uuid, session_id, {column}, content, rating, created_at, name,"
            " entities, episodes, valid_at, invalid_at)"
            " VALUES (?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?)",
            (
                fact_uuid,
                session_rowid,
                owner.rowid,
                fact,
                now,
                name,
                dumps(entities),
                dumps(list(episodes)),
                valid_at,
                invalid_at,
            ),
        )
        stored.append(fact_uuid)
    return stored


def _instant(moment: str) -> datetime:
    return datetime.fromisoformat(moment.replace("Z", "+00:00"))


def _unique(facts: Sequence[tuple[str, Sequence[str]]]) -> list[tuple[str, list[str]]]:
    merged: dict[str, list[str]] = {}
    for fact, episodes in facts:
        merged.setdefault(fact, [])
        merged[fact] += [e for e in episodes if e not in merged[fact]]
    return list(merged.items())


def current_facts(conn: sqlite3.Connection, owner: Owner, n: int) -> list[sqlite3.Row]:
    """The owner's ``n`` newest still-valid facts, newest first."""
    return conn.execute(
        f"SELECT * FROM facts WHERE {owner.column} = ? AND invalid_at IS NULL"
        " ORDER BY id DESC LIMIT ?",
        (owner.rowid, n),
    ).fetchall()


def user_summary(conn: sqlite3.Connection, owner: Owner, hooks: GraphIntelligence) -> str:
    """The user summary (the user node's ``summary``), written from the current facts."""
    rows = current_facts(conn, owner, SUMMARY_FACTS)
    return hooks.summarize_user(owner.name, [row["content"] for row in rows])


def user_node_json(
    conn: sqlite3.Connection,
    owner: Owner,
    hooks: GraphIntelligence,
    score: float | None = None,
) -> dict[str, Any]:
    """The user's own ``EntityNode``: the user's UUID, name and summary."""
    out: dict[str, Any] = {
        "uuid": owner.root_uuid,
        "name": owner.name,
        "labels": ["Entity", "User"] if owner.kind == "user" else ["Entity"],
        "summary": user_summary(conn, owner, hooks) if owner.kind == "user" else "",
        "attributes": {"user_id": owner.key} if owner.kind == "user" else {},
        "created_at": owner.created_at,
    }
    if score is not None:
        out["score"] = score
        out["relevance"] = score
    return out


def entity_node_json(
    owner: Owner, name: str, facts: Sequence[sqlite3.Row], score: float | None = None
) -> dict[str, Any]:
    """An entity ``EntityNode``; its summary is the facts about it (newest three)."""
    newest = sorted(facts, key=lambda row: -int(row["id"]))[:3]
    episodes: list[str] = []
    for row in facts:
        episodes += [e for e in loads(row["episodes"]) or [] if e not in episodes]
    out: dict[str, Any] = {
        "uuid": node_uuid(owner.graph_uuid, name),
        "name": name,
        "labels": ["Entity"],
        "summary": " ".join(row["content"].rstrip(".") + "." for row in newest),
        "attributes": {},
        "created_at": min((row["created_at"] for row in facts), default=owner.created_at),
        "episodes": episodes[:20],
        "episodes_truncated": len(episodes) > 20,
    }
    if score is not None:
        out["score"] = score
        out["relevance"] = score
    return out


def add_data_episode(
    conn: sqlite3.Connection,
    hooks: GraphIntelligence,
    new_uuid: Callable[[], str],
    owner: Owner,
    *,
    source: str,
    data: str,
    created_at: str,
    now: str,
    source_description: str | None = None,
    metadata: dict[str, Any] | None = None,
    document_id: str | None = None,
    strict_ontology: bool = False,
) -> dict[str, Any]:
    """Store data added to a graph as an episode and its facts as edges; the ``Episode``.

    ``source`` is ``text``, ``json`` (``data`` must be valid JSON) or ``message``
    (``"speaker: content"``). Raises ``ValueError`` for JSON data that does not parse.
    """
    if source == "json":
        json.loads(data)
    episode_uuid = new_uuid()
    conn.execute(
        f"INSERT INTO episodes(uuid, {owner.column}, source, content, source_description,"
        " metadata, document_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            episode_uuid,
            owner.rowid,
            source,
            data,
            source_description,
            dumps(metadata),
            document_id,
            created_at,
        ),
    )
    facts = hooks.extract_data_facts(source, data)
    record_facts(
        conn,
        hooks,
        new_uuid,
        owner,
        None,
        [(fact, [episode_uuid]) for fact in facts],
        created_at,
        now,
        strict_ontology=strict_ontology,
    )
    row = conn.execute("SELECT * FROM episodes WHERE uuid = ?", (episode_uuid,)).fetchone()
    return data_episode_json(row)
