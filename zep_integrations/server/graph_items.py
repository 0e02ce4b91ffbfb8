"""Single graph items by UUID and per-graph listings, version-neutral (over ``graph.py``).

Stable names for the v3 and v4 routes: :func:`owner_of_fact`, :func:`find_edge`,
:func:`update_edge`, :func:`delete_edge`, :func:`list_edges`, :func:`find_episode`,
:func:`update_episode_metadata`, :func:`delete_episode`, :func:`list_episodes`,
:func:`list_nodes`, :func:`list_thread_summaries`, :func:`summary_json`. Episodes are messages
(``source="message"``) or data added with ``POST graph``; edges are facts; nodes are derived
(``graph.py``).
"""

from __future__ import annotations

import sqlite3
from typing import Any

from zep_integrations.server import graph
from zep_integrations.server.handler import HTTPError
from zep_integrations.server.knowledge import GraphIntelligence
from zep_integrations.server.storage import loads
from zep_integrations.server.threads import sql_int

__all__ = [
    "delete_edge",
    "delete_episode",
    "find_edge",
    "find_episode",
    "list_edges",
    "list_episodes",
    "list_nodes",
    "list_thread_summaries",
    "owner_of_fact",
    "summary_json",
    "update_edge",
    "update_episode_metadata",
]

NODE_FACTS = 1000
"""Newest facts whose entities :func:`list_nodes` lists."""


def owner_of_fact(conn: sqlite3.Connection, row: sqlite3.Row) -> graph.Owner | None:
    """Whose graph a fact belongs to (``None`` for a fact of a v2 session without a user)."""
    if row["user_rowid"] is not None:
        user = conn.execute("SELECT * FROM users WHERE id = ?", (row["user_rowid"],)).fetchone()
        return graph.owner_of_user(user) if user is not None else None
    if row["graph_rowid"] is not None:
        found = conn.execute(
            "SELECT graph_id FROM graphs WHERE id = ?", (row["graph_rowid"],)
        ).fetchone()
        return graph.graph_owner(conn, found[0]) if found is not None else None
    return None


def find_edge(conn: sqlite3.Connection, edge_uuid: str, hooks: GraphIntelligence) -> dict[str, Any]:
    """The ``EntityEdge`` with this UUID; 404 ``edge not found``."""
    row = conn.execute("SELECT * FROM facts WHERE uuid = ?", (edge_uuid,)).fetchone()
    owner = owner_of_fact(conn, row) if row is not None else None
    if row is None or owner is None:
        raise HTTPError(404, f"edge not found: {edge_uuid}")
    return graph.edge_json(row, owner, hooks)


def delete_edge(conn: sqlite3.Connection, edge_uuid: str) -> None:
    """Delete a fact of a user's or standalone graph; 404 when there is none."""
    deleted = conn.execute(
        "DELETE FROM facts WHERE uuid = ? AND (user_rowid IS NOT NULL OR graph_rowid IS NOT NULL)",
        (edge_uuid,),
    )
    if deleted.rowcount == 0:
        raise HTTPError(404, f"edge not found: {edge_uuid}")


def list_edges(
    conn: sqlite3.Connection,
    owner: graph.Owner,
    hooks: GraphIntelligence,
    *,
    limit: int | None = None,
    after_uuid: str | None = None,
) -> list[dict[str, Any]]:
    """The owner's edges oldest first; ``after_uuid`` continues after that edge."""
    sql = f"SELECT * FROM facts WHERE {owner.column} = ?"
    args: list[Any] = [owner.rowid]
    if after_uuid is not None:
        sql += " AND id > coalesce((SELECT id FROM facts WHERE uuid = ?), 0)"
        args.append(after_uuid)
    sql += " ORDER BY id"
    if limit is not None:
        sql += " LIMIT ?"
        args.append(sql_int(limit))
    return [graph.edge_json(row, owner, hooks) for row in conn.execute(sql, args)]


def update_edge(
    conn: sqlite3.Connection,
    edge_uuid: str,
    hooks: GraphIntelligence,
    changes: dict[str, str | None],
) -> dict[str, Any]:
    """Apply validated ``changes`` to an edge and return it; 404 when there is none.

    Keys: ``fact``, ``name``, ``valid_at``, ``invalid_at``, ``expired_at``. A new ``fact`` is
    re-indexed (the FTS trigger on ``content``).
    """
    find_edge(conn, edge_uuid, hooks)
    columns = {"fact": "content", "name": "name", "valid_at": "valid_at"}
    columns |= {"invalid_at": "invalid_at", "expired_at": "expired_at"}
    for key, value in changes.items():
        conn.execute(f"UPDATE facts SET {columns[key]} = ? WHERE uuid = ?", (value, edge_uuid))
    return find_edge(conn, edge_uuid, hooks)


def update_episode_metadata(
    conn: sqlite3.Connection, episode_uuid: str, metadata: dict[str, Any], now: str
) -> dict[str, Any]:
    """Deep-merge ``metadata`` into an episode's (a message's or added data's).

    The merged value keeps the v3 limits (``ValueError`` otherwise, nothing changed); 404 when
    there is none.
    """
    from zep_integrations.server import threads
    from zep_integrations.server.records import deep_merge
    from zep_integrations.server.storage import dumps

    if conn.execute("SELECT 1 FROM messages WHERE uuid = ?", (episode_uuid,)).fetchone():
        threads.update_message_metadata(conn, episode_uuid, metadata, now)
        return find_episode(conn, episode_uuid)
    row = conn.execute("SELECT * FROM episodes WHERE uuid = ?", (episode_uuid,)).fetchone()
    if row is None:
        raise HTTPError(404, f"episode not found: {episode_uuid}")
    merged = deep_merge(loads(row["metadata"]), metadata)
    threads.check_metadata(merged, "the episode's merged metadata")
    conn.execute("UPDATE episodes SET metadata = ? WHERE id = ?", (dumps(merged), row["id"]))
    return find_episode(conn, episode_uuid)


def summary_json(row: sqlite3.Row, thread_id: str) -> dict[str, Any]:
    """A ``ThreadSummary`` (zep-cloud 3.30.0 ``types/thread_summary.py``) for a summary row."""
    return {
        "uuid": row["uuid"],
        "thread_id": thread_id,
        "summary": row["content"],
        "created_at": row["created_at"],
        "last_summarized_at": row["created_at"],
    }


def list_thread_summaries(
    conn: sqlite3.Connection,
    owner: graph.Owner,
    *,
    limit: int | None = None,
    after_uuid: str | None = None,
) -> list[dict[str, Any]]:
    """Every summary of a user's threads, oldest first; ``after_uuid`` continues after one."""
    if owner.kind != "user":
        return []
    sql = (
        "SELECT summaries.*, sessions.session_id AS thread_id FROM summaries"
        " JOIN sessions ON sessions.id = summaries.session_id WHERE sessions.user_id = ?"
    )
    args: list[Any] = [owner.key]
    if after_uuid is not None:
        sql += " AND summaries.id > coalesce((SELECT id FROM summaries WHERE uuid = ?), 0)"
        args.append(after_uuid)
    sql += " ORDER BY summaries.id LIMIT ?"
    args.append(-1 if limit is None else sql_int(limit))
    return [summary_json(row, row["thread_id"]) for row in conn.execute(sql, args)]


def find_episode(conn: sqlite3.Connection, episode_uuid: str) -> dict[str, Any]:
    """The ``Episode`` with this UUID, a message or added data; 404 ``episode not found``."""
    row = conn.execute(
        "SELECT messages.*, sessions.session_id AS thread_id FROM messages"
        " JOIN sessions ON sessions.id = messages.session_id WHERE messages.uuid = ?",
        (episode_uuid,),
    ).fetchone()
    if row is not None:
        return graph.message_episode_json(row, row["thread_id"])
    row = conn.execute("SELECT * FROM episodes WHERE uuid = ?", (episode_uuid,)).fetchone()
    if row is None:
        raise HTTPError(404, f"episode not found: {episode_uuid}")
    return graph.data_episode_json(row)


def delete_episode(conn: sqlite3.Connection, episode_uuid: str) -> None:
    """Delete added data and the edges that came only from it; 404 when there is none.

    A message is an episode too, but it belongs to its thread: deleting it here is refused
    (400) rather than leaving a thread with a hole in it.
    """
    if conn.execute("SELECT 1 FROM messages WHERE uuid = ?", (episode_uuid,)).fetchone():
        raise HTTPError(400, "this episode is a thread message; delete the thread instead")
    row = conn.execute("SELECT * FROM episodes WHERE uuid = ?", (episode_uuid,)).fetchone()
    if row is None:
        raise HTTPError(404, f"episode not found: {episode_uuid}")
    owner = "user_rowid" if row["user_rowid"] is not None else "graph_rowid"
    for fact in conn.execute(
        f"SELECT id, episodes FROM facts WHERE {owner} = ? AND episodes LIKE ?",
        (row[owner], f'%"{episode_uuid}"%'),
    ).fetchall():
        if (loads(fact["episodes"]) or []) == [episode_uuid]:
            conn.execute("DELETE FROM facts WHERE id = ?", (fact["id"],))
    conn.execute("DELETE FROM episodes WHERE id = ?", (row["id"],))


def list_episodes(
    conn: sqlite3.Connection, owner: graph.Owner, lastn: int | None = None
) -> list[dict[str, Any]]:
    """The owner's episodes, oldest first: a user's messages and added data, a graph's data.

    ``lastn`` keeps the newest ``lastn`` (by creation time); absent, all of them.
    """
    items: list[tuple[str, int, dict[str, Any]]] = []
    limit = -1 if lastn is None else sql_int(lastn)
    if owner.kind == "user":
        for row in conn.execute(
            "SELECT messages.*, sessions.session_id AS thread_id FROM messages"
            " JOIN sessions ON sessions.id = messages.session_id WHERE sessions.user_id = ?"
            " ORDER BY messages.id DESC LIMIT ?",
            (owner.key, limit),
        ):
            items.append(
                (
                    row["created_at"],
                    int(row["id"]),
                    graph.message_episode_json(row, row["thread_id"]),
                )
            )
    for row in conn.execute(
        f"SELECT * FROM episodes WHERE {owner.column} = ? ORDER BY id DESC LIMIT ?",
        (owner.rowid, limit),
    ):
        items.append((row["created_at"], int(row["id"]), graph.data_episode_json(row)))
    items.sort(key=lambda item: (item[0], item[1]))
    if lastn is not None:
        items = items[-lastn:] if lastn else []
    return [episode for _, _, episode in items]


def list_nodes(
    conn: sqlite3.Connection,
    owner: graph.Owner,
    hooks: GraphIntelligence,
    *,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """The user's node (for a user's graph) then the entities of the newest facts, by name."""
    rows = conn.execute(
        f"SELECT * FROM facts WHERE {owner.column} = ? ORDER BY id DESC LIMIT ?",
        (owner.rowid, NODE_FACTS),
    ).fetchall()
    about: dict[str, list[sqlite3.Row]] = {}
    names: dict[str, str] = {}
    for row in rows:
        for name in graph.edge_entities(row, hooks, owner):
            about.setdefault(name.casefold(), []).append(row)
            names.setdefault(name.casefold(), name)
    nodes = [graph.user_node_json(conn, owner, hooks)] if owner.kind == "user" else []
    nodes += [graph.entity_node_json(owner, names[k], about[k]) for k in sorted(about)]
    return nodes if limit is None else nodes[:limit]
