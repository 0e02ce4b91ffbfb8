"""Pydantic models of the Zep v3 "threads" API (zep-cloud 3.30.0, base ``/api/v2``).

Contract: ``zep_cloud/types/*.py`` of zep-cloud 3.30.0, summarised in ``zep-api-today.md``
section 3. Every model keeps unknown fields (``extra="allow"``, inherited from
:class:`~zep_integrations.models.ZepModel`) because Zep adds fields without a new API version.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from zep_integrations.models import SuccessResponse, ZepModel

__all__ = [
    "AddThreadMessagesResponse",
    "EntityEdge",
    "EntityNode",
    "Episode",
    "EpisodeResponse",
    "Graph",
    "GraphListResponse",
    "GraphSearchResults",
    "Message",
    "MessageListResponse",
    "SuccessResponse",
    "Task",
    "Thread",
    "ThreadContextResponse",
    "ThreadListResponse",
    "ThreadSummary",
    "User",
    "UserListResponse",
    "UserNodeResponse",
]

ROLES: tuple[str, ...] = ("norole", "system", "assistant", "user", "function", "tool")
"""v3 message roles (v2's ``role_type``); v3 ``name`` is v2's free-text ``role``."""


class User(ZepModel):
    """A v3 user, addressed by its client-chosen ``user_id``."""

    uuid: str | None = None
    user_id: str | None = None
    graph_uuid: str | None = None
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    metadata: dict[str, Any] | None = None
    time_zone: str | None = None
    disable_default_ontology: bool | None = None
    project_uuid: str | None = None
    created_at: str | None = None
    updated_at: str | None = None


class UserListResponse(ZepModel):
    """``GET users-ordered``."""

    users: list[User] = Field(default_factory=list)
    total_count: int | None = None
    row_count: int | None = None


class Thread(ZepModel):
    """A v3 thread, addressed by its client-chosen ``thread_id``; it belongs to one user."""

    uuid: str | None = None
    thread_id: str | None = None
    user_id: str | None = None
    user_uuid: str | None = None
    graph_uuid: str | None = None
    project_uuid: str | None = None
    created_at: str | None = None


class ThreadListResponse(ZepModel):
    """``GET threads``."""

    threads: list[Thread] = Field(default_factory=list)
    response_count: int | None = None
    total_count: int | None = None


class Message(ZepModel):
    """A v3 message: ``role`` is the enum (v2 ``role_type``), ``name`` the sender (v2 ``role``)."""

    content: str = ""
    role: str | None = None
    name: str | None = None
    created_at: str | None = None
    metadata: dict[str, Any] | None = None
    uuid: str | None = None
    processed: bool | None = None


class MessageListResponse(ZepModel):
    """``GET threads/{thread_id}/messages``."""

    messages: list[Message] = Field(default_factory=list)
    row_count: int | None = None
    total_count: int | None = None
    thread_created_at: str | None = None
    user_id: str | None = None
    user_uuid: str | None = None


class AddThreadMessagesResponse(ZepModel):
    """``POST threads/{thread_id}/messages``: the context block (if asked) and the new UUIDs."""

    context: str | None = None
    message_uuids: list[str] | None = None
    task_id: str | None = None


class ThreadContextResponse(ZepModel):
    """``GET threads/{thread_id}/context``: the context block string."""

    context: str | None = None


class ThreadSummary(ZepModel):
    """``GET threads/{thread_id}/summary``."""

    uuid: str | None = None
    summary: str | None = None
    created_at: str | None = None


class EntityEdge(ZepModel):
    """A graph edge (a fact) with its validity window."""

    uuid: str | None = None
    name: str | None = None
    fact: str | None = None
    source_node_uuid: str | None = None
    target_node_uuid: str | None = None
    attributes: dict[str, Any] | None = None
    episodes: list[str] | None = None
    created_at: str | None = None
    valid_at: str | None = None
    invalid_at: str | None = None
    expired_at: str | None = None
    score: float | None = None
    relevance: float | None = None


class EntityNode(ZepModel):
    """A graph node (an entity) with its evolving summary."""

    uuid: str | None = None
    name: str | None = None
    labels: list[str] | None = None
    summary: str | None = None
    attributes: dict[str, Any] | None = None
    created_at: str | None = None
    score: float | None = None
    relevance: float | None = None


class UserNodeResponse(ZepModel):
    """``GET users/{user_id}/node``."""

    node: EntityNode | None = None


class Episode(ZepModel):
    """Raw input to the graph: a message or business data (``source``: text, json, message)."""

    uuid: str | None = None
    content: str | None = None
    source: str | None = None
    source_description: str | None = None
    role: str | None = None
    role_type: str | None = None
    thread_id: str | None = None
    metadata: dict[str, Any] | None = None
    created_at: str | None = None
    processed: bool | None = None
    task_id: str | None = None
    score: float | None = None
    relevance: float | None = None


class EpisodeResponse(ZepModel):
    """A list of episodes (``GET threads/{id}/episodes``, ``graph/episodes/...``)."""

    episodes: list[Episode] = Field(default_factory=list)


class GraphSearchResults(ZepModel):
    """``POST graph/search``: the list matching ``scope`` is filled, or ``context`` for auto."""

    edges: list[EntityEdge] | None = None
    nodes: list[EntityNode] | None = None
    episodes: list[Episode] | None = None
    observations: list[dict[str, Any]] | None = None
    thread_summaries: list[ThreadSummary] | None = None
    context: str | None = None


class Graph(ZepModel):
    """A standalone graph, addressed by its client-chosen ``graph_id``."""

    uuid: str | None = None
    graph_id: str | None = None
    name: str | None = None
    description: str | None = None
    created_at: str | None = None


class GraphListResponse(ZepModel):
    """``GET graph/list-all``."""

    graphs: list[Graph] = Field(default_factory=list)
    total_count: int | None = None
    row_count: int | None = None


class Task(ZepModel):
    """``GET tasks/{task_id}``: an asynchronous operation's status."""

    task_id: str | None = None
    status: str | None = None
    type: str | None = None
    error: dict[str, Any] | None = None
    created_at: str | None = None
    updated_at: str | None = None
