"""Pydantic models of the Zep v4 API (zep-cloud 4.0.1, base ``/api/v4``).

Contract: ``zep_cloud/types/*.py`` of zep-cloud 4.0.1, summarised in ``zep-api-today.md``
section 4. Users, threads and graphs are addressed by server-generated UUIDs; lists are cursor
pages (``items``, ``next_cursor``); deletes and ingestion answer 202 with a ``task``. Every model
keeps unknown fields.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import Field

from zep_integrations.models import ZepModel

__all__ = [
    "AddEpisodeResult",
    "AddMessagesResult",
    "AsyncResult",
    "Edge",
    "Episode",
    "Graph",
    "GraphContextResponse",
    "LookupBatchResponse",
    "Message",
    "Node",
    "Page",
    "Task",
    "Thread",
    "ThreadContextResponse",
    "ThreadSummary",
    "User",
]

ROLES: tuple[str, ...] = ("system", "assistant", "user", "function", "tool")
"""v4 message roles: v3's ``norole`` is gone."""

TASK_DONE: tuple[str, ...] = ("succeeded", "partial", "failed")
"""Terminal task states; ``pending`` and ``processing`` mean "poll again"."""

ItemT = TypeVar("ItemT", bound=ZepModel)


class Page(ZepModel, Generic[ItemT]):
    """One cursor page: ``items`` and the ``next_cursor`` to pass for the next one."""

    items: list[ItemT] = Field(default_factory=list)
    next_cursor: str | None = None
    total_size: int | None = None


class Task(ZepModel):
    """An asynchronous operation; poll ``GET tasks/{uuid}`` until ``status`` is terminal."""

    uuid: str | None = None
    type: str | None = None
    status: str | None = None
    progress: dict[str, Any] | None = None
    result: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    created_at: str | None = None
    started_at: str | None = None
    completed_at: str | None = None
    updated_at: str | None = None


class AsyncResult(ZepModel):
    """The 202 answer of a delete (user, thread, graph, edge, node, episode): its ``task``."""

    task: Task | None = None


class User(ZepModel):
    """A v4 user: store ``uuid`` (and ``graph_uuid``); ``user_id`` is an optional IdP id."""

    uuid: str | None = None
    graph_uuid: str | None = None
    user_id: str | None = None
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    metadata: dict[str, Any] | None = None
    time_zone: str | None = None
    disable_default_ontology: bool | None = None
    created_at: str | None = None


class Thread(ZepModel):
    """A v4 thread: store ``uuid``; ``thread_id`` is the read-only v3 id, if it had one."""

    uuid: str | None = None
    user_uuid: str | None = None
    graph_uuid: str | None = None
    thread_id: str | None = None
    created_at: str | None = None
    updated_at: str | None = None


class Message(ZepModel):
    """A stored v4 message (``reference_time`` replaces v3 ``created_at`` on input)."""

    uuid: str | None = None
    thread_uuid: str | None = None
    role: str | None = None
    name: str | None = None
    content: str = ""
    metadata: dict[str, Any] | None = None
    reference_time: str | None = None
    created_at: str | None = None
    processed: bool | None = None


class AddMessagesResult(ZepModel):
    """``POST threads/{uuid}/messages`` (202): the stored messages, the context, the task."""

    context: str | None = None
    messages: list[Message] | None = None
    task: Task | None = None


class ThreadContextResponse(ZepModel):
    """``GET threads/{uuid}/context``: the context block string."""

    context: str | None = None


class ThreadSummary(ZepModel):
    """A thread summary (``GET threads/{uuid}/summary`` and thread-summary search)."""

    uuid: str | None = None
    thread_uuid: str | None = None
    graph_uuid: str | None = None
    summary: str | None = None
    created_at: str | None = None
    score: float | None = None
    relevance: float | None = None


class Edge(ZepModel):
    """A graph edge (a fact) with its validity window."""

    uuid: str | None = None
    name: str | None = None
    fact: str | None = None
    source_node_uuid: str | None = None
    target_node_uuid: str | None = None
    attributes: dict[str, Any] | None = None
    episode_uuids: list[str] | None = None
    graph_uuid: str | None = None
    user_uuid: str | None = None
    created_at: str | None = None
    valid_at: str | None = None
    invalid_at: str | None = None
    expired_at: str | None = None
    score: float | None = None
    relevance: float | None = None


class Node(ZepModel):
    """A graph node (an entity)."""

    uuid: str | None = None
    name: str | None = None
    labels: list[str] | None = None
    summary: str | None = None
    attributes: dict[str, Any] | None = None
    graph_uuid: str | None = None
    user_uuid: str | None = None
    created_at: str | None = None
    score: float | None = None
    relevance: float | None = None


class Episode(ZepModel):
    """Raw input to a graph: a message or business data."""

    uuid: str | None = None
    content: str | None = None
    source: str | None = None
    source_description: str | None = None
    role: str | None = None
    role_name: str | None = None
    thread_uuid: str | None = None
    graph_uuid: str | None = None
    user_uuid: str | None = None
    metadata: dict[str, Any] | None = None
    reference_time: str | None = None
    created_at: str | None = None
    processed: bool | None = None
    score: float | None = None
    relevance: float | None = None


class AddEpisodeResult(ZepModel):
    """``POST graphs/{uuid}/episodes`` (202): the episode and its ingestion task."""

    episode: Episode | None = None
    task: Task | None = None


class GraphContextResponse(ZepModel):
    """``POST graphs/{uuid}/context``: the assembled block, optionally its raw results."""

    context: str | None = None
    results: dict[str, Any] | None = None
    truncated: bool | None = None


class Graph(ZepModel):
    """A graph (standalone, or a user's); ``graph_id`` is the read-only v3 id, if any."""

    uuid: str | None = None
    graph_id: str | None = None
    user_uuid: str | None = None
    name: str | None = None
    description: str | None = None
    type: str | None = None
    time_zone: str | None = None
    created_at: str | None = None
    updated_at: str | None = None


class LookupBatchResponse(ZepModel):
    """``POST lookup``: one item per requested v3 id, with its UUID when found."""

    items: list[dict[str, Any]] = Field(default_factory=list)
