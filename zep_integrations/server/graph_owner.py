"""Whose graph: the :class:`Owner` of a user's graph or a standalone graph, and stable UUIDs.

Re-exported by ``graph.py``, which the routes use; kept apart so ``graph.py`` stays one concern
(the graph's records and writes).
"""

from __future__ import annotations

import sqlite3
import uuid as uuid_module
from dataclasses import dataclass

from zep_integrations.server.handler import HTTPError

__all__ = ["Owner", "graph_owner", "node_uuid", "owner_of_user", "user_graph_uuid", "user_owner"]

_NAMESPACE = uuid_module.UUID("6f1d3c52-8a4e-4c1b-9a0e-2f5b7d9c4e31")


def user_graph_uuid(user_uuid: str) -> str:
    """The UUID of a user's graph: derived from the user's UUID, so it needs no column."""
    return str(uuid_module.uuid5(_NAMESPACE, f"graph:{user_uuid}"))


def node_uuid(graph_uuid: str, name: str) -> str:
    """The UUID of the entity node ``name`` in a graph (case-insensitive, stable)."""
    return str(uuid_module.uuid5(_NAMESPACE, f"node:{graph_uuid}:{name.casefold()}"))


@dataclass(frozen=True)
class Owner:
    """Whose graph: a user's (``kind="user"``) or a standalone graph (``kind="graph"``).

    Attributes:
        kind: ``"user"`` or ``"graph"``.
        rowid: The ``users.id`` or ``graphs.id``.
        key: The client-chosen ``user_id`` or ``graph_id``.
        uuid: The user's or graph's UUID.
        graph_uuid: The graph's UUID (for a user, :func:`user_graph_uuid`).
        name: The display name: the user's full name (else ``user_id``), or the graph's name.
        created_at: When the user or graph was created.

    Example:
        >>> owner = Owner("user", 7, "jane", "u-1", user_graph_uuid("u-1"), "Jane", "2024-01-01")
        >>> owner.scope, owner.column, owner.root_uuid
        ('u7', 'user_rowid', 'u-1')
    """

    kind: str
    rowid: int
    key: str
    uuid: str
    graph_uuid: str
    name: str
    created_at: str

    @property
    def scope(self) -> str:
        """The FTS scope token of this owner's facts and data episodes (``u7``, ``g3``)."""
        return ("u" if self.kind == "user" else "g") + str(self.rowid)

    @property
    def column(self) -> str:
        """The owner column of ``facts`` and ``episodes``."""
        return "user_rowid" if self.kind == "user" else "graph_rowid"

    @property
    def root_uuid(self) -> str:
        """The node facts hang from: the user's node (the user's UUID) or the graph's root."""
        return self.uuid if self.kind == "user" else node_uuid(self.graph_uuid, "")


def owner_of_user(row: sqlite3.Row) -> Owner:
    """The :class:`Owner` of a ``users`` row."""
    name = " ".join(p for p in (row["first_name"], row["last_name"]) if p) or row["user_id"]
    return Owner(
        "user",
        int(row["id"]),
        row["user_id"],
        row["uuid"],
        user_graph_uuid(row["uuid"]),
        name,
        row["created_at"],
    )


def user_owner(conn: sqlite3.Connection, user_id: str) -> Owner:
    """The owner of a user's graph; 404 ``user not found``."""
    row = conn.execute("SELECT * FROM users WHERE user_id = ?", (user_id,)).fetchone()
    if row is None:
        raise HTTPError(404, f"user not found: {user_id}")
    return owner_of_user(row)


def graph_owner(conn: sqlite3.Connection, graph_id: str) -> Owner:
    """The owner of a standalone graph; 404 ``graph not found``."""
    row = conn.execute("SELECT * FROM graphs WHERE graph_id = ?", (graph_id,)).fetchone()
    if row is None:
        raise HTTPError(404, f"graph not found: {graph_id}")
    return Owner(
        "graph",
        int(row["id"]),
        row["graph_id"],
        row["uuid"],
        row["uuid"],
        row["name"] or row["graph_id"],
        row["created_at"],
    )
