"""Pydantic v2 models of the Zep memory API v2 wire format (``zep-api-v2.md`` section 3).

Every model allows unknown fields (``extra="allow"``): Zep adds fields over time and a new field
must never break an old client. Every response field is optional because the real servers omit
empty ones (Go ``omitempty``). Request models (``Message``) serialize with unset and ``None``
fields omitted, as the contract requires (section 1, "Request body").
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "AddMemoryResponse",
    "ClassifySessionRequest",
    "Document",
    "DocumentCollection",
    "DocumentSearchResponse",
    "EndSessionResponse",
    "EndSessionsResponse",
    "Fact",
    "FactRatingExamples",
    "FactRatingInstruction",
    "Memory",
    "MemorySearchResult",
    "Message",
    "MessageListResponse",
    "Question",
    "RoleType",
    "SearchScope",
    "SearchType",
    "Session",
    "SessionClassification",
    "SessionListResponse",
    "SessionSearchResponse",
    "SessionSearchResult",
    "SuccessResponse",
    "Summary",
    "SummaryListResponse",
    "User",
    "UserListResponse",
    "UserNode",
    "UserNodeResponse",
    "ZepModel",
]

RoleType = Literal["norole", "system", "assistant", "user", "function", "tool"]
"""Zep's role types (section 2). Responses keep unknown role strings as they are."""
SearchScope = Literal["messages", "summary", "facts"]
SearchType = Literal["similarity", "mmr"]

ROLE_TYPES: tuple[str, ...] = ("norole", "system", "assistant", "user", "function", "tool")


class ZepModel(BaseModel):
    """Base of every wire model: unknown fields are kept, ``None`` fields are not sent."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, defer_build=True)

    def to_wire(self) -> dict[str, Any]:
        """Return the JSON body for this model: unset and ``None`` fields omitted."""
        return self.model_dump(mode="json", exclude_none=True, by_alias=True)


class FactRatingExamples(ZepModel):
    """Examples of high, medium and low rated facts."""

    high: str | None = None
    medium: str | None = None
    low: str | None = None


class FactRatingInstruction(ZepModel):
    """How Zep should rate the relevance of facts (deprecated in Zep Cloud, still accepted)."""

    instruction: str | None = None
    examples: FactRatingExamples | None = None


class Session(ZepModel):
    """A Zep session: one conversation, optionally belonging to a user."""

    uuid: str | None = None
    id: int | None = None
    session_id: str | None = None
    user_id: str | None = None
    metadata: dict[str, Any] | None = None
    created_at: str | None = None
    updated_at: str | None = None
    deleted_at: str | None = None
    ended_at: str | None = None
    project_uuid: str | None = None
    classifications: dict[str, str] | None = None
    facts: list[str] | None = None
    fact_rating_instruction: FactRatingInstruction | None = None


class User(ZepModel):
    """A Zep user, who owns sessions."""

    uuid: str | None = None
    id: int | None = None
    user_id: str | None = None
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    metadata: dict[str, Any] | None = None
    created_at: str | None = None
    updated_at: str | None = None
    deleted_at: str | None = None
    project_uuid: str | None = None
    session_count: int | None = None
    fact_rating_instruction: FactRatingInstruction | None = None


class Message(ZepModel):
    """A chat message as Zep stores it.

    ``content`` and ``role_type`` are required when writing; ``role`` is a free-text speaker name.
    The server adds ``uuid``, timestamps and ``token_count``.

    Example:
        >>> Message(role_type="user", role="Jane", content="Hi").to_wire()
        {'content': 'Hi', 'role_type': 'user', 'role': 'Jane'}
    """

    content: str = ""
    role_type: str | None = None
    role: str | None = None
    metadata: dict[str, Any] | None = None
    uuid: str | None = None
    created_at: str | None = None
    updated_at: str | None = None
    token_count: int | None = None
    processed: bool | None = None


class Fact(ZepModel):
    """A fact about a session or user; servers send ``fact`` and its newer alias ``content``."""

    uuid: str | None = None
    fact: str | None = None
    content: str | None = None
    created_at: str | None = None
    rating: float | None = None
    name: str | None = None
    source_node_name: str | None = None
    target_node_name: str | None = None
    valid_at: str | None = None
    invalid_at: str | None = None
    expired_at: str | None = None

    @property
    def text(self) -> str:
        """The fact's text, whichever of ``content`` or ``fact`` the server filled in."""
        return self.content or self.fact or ""


class Summary(ZepModel):
    """A summary of older messages in a session."""

    uuid: str | None = None
    content: str | None = None
    created_at: str | None = None
    metadata: dict[str, Any] | None = None
    related_message_uuids: list[str] | None = None
    token_count: int | None = None


class Memory(ZepModel):
    """What ``GET sessions/{id}/memory`` returns (section 5)."""

    messages: list[Message] | None = None
    relevant_facts: list[Fact] | None = None
    context: str | None = None
    summary: Summary | None = None
    facts: list[str] | None = None
    metadata: dict[str, Any] | None = None


class SuccessResponse(ZepModel):
    """``{"message": "OK"}``."""

    message: str | None = None


class AddMemoryResponse(ZepModel):
    """What ``POST sessions/{id}/memory`` returns: ``context`` when ``return_context=True``."""

    context: str | None = None
    message: str | None = None


class SessionListResponse(ZepModel):
    """A page of sessions. Note the counter is ``response_count`` here (section 8.5)."""

    sessions: list[Session] = Field(default_factory=list)
    total_count: int | None = None
    response_count: int | None = None


class UserListResponse(ZepModel):
    """A page of users."""

    users: list[User] = Field(default_factory=list)
    total_count: int | None = None
    row_count: int | None = None


class MessageListResponse(ZepModel):
    """A page of messages, oldest first."""

    messages: list[Message] = Field(default_factory=list)
    total_count: int | None = None
    row_count: int | None = None


class SummaryListResponse(ZepModel):
    """A session's summaries."""

    summaries: list[Summary] = Field(default_factory=list)
    total_count: int | None = None
    row_count: int | None = None


class MemorySearchResult(ZepModel):
    """One hit of a session memory search: a message or a summary (or a fact), with a score."""

    message: Message | None = None
    summary: Summary | None = None
    fact: Fact | None = None
    metadata: dict[str, Any] | None = None
    score: float | None = None


class SessionSearchResult(ZepModel):
    """One hit of a cross-session search."""

    session_id: str | None = None
    message: Message | None = None
    fact: Fact | None = None
    summary: Summary | None = None
    score: float | None = None


class SessionSearchResponse(ZepModel):
    """Results of ``POST sessions/search``."""

    results: list[SessionSearchResult] = Field(default_factory=list)


class SessionClassification(ZepModel):
    """The class a session was put in, under the classifier's name (``label``)."""

    class_: str | None = Field(default=None, alias="class")
    label: str | None = None


class ClassifySessionRequest(ZepModel):
    """How to classify a session: one of ``classes``, stored under ``name``."""

    classes: list[str]
    name: str
    instruction: str | None = None
    last_n: int | None = None
    persist: bool | None = None


class EndSessionResponse(ZepModel):
    """The ended session and, when requested, its classification."""

    session: Session | None = None
    classification: SessionClassification | None = None


class EndSessionsResponse(ZepModel):
    """The ended sessions."""

    sessions: list[Session] = Field(default_factory=list)


class Question(ZepModel):
    """A question synthesized from the latest messages."""

    question: str | None = None


class UserNode(ZepModel):
    """The graph node that represents a user."""

    uuid: str | None = None
    name: str | None = None
    summary: str | None = None
    created_at: str | None = None
    labels: list[str] | None = None
    attributes: dict[str, Any] | None = None
    score: float | None = None


class UserNodeResponse(ZepModel):
    """``{"node": UserNode}``."""

    node: UserNode | None = None


class DocumentCollection(ZepModel):
    """A document collection."""

    uuid: str | None = None
    name: str | None = None
    description: str | None = None
    metadata: dict[str, Any] | None = None
    created_at: str | None = None
    updated_at: str | None = None
    document_count: int | None = None
    document_embedded_count: int | None = None
    embedding_dimensions: int | None = None
    embedding_model_name: str | None = None
    is_auto_embedded: bool | None = None
    is_indexed: bool | None = None
    is_normalized: bool | None = None


class Document(ZepModel):
    """A document in a collection; search hits add ``score``.

    Example:
        >>> Document(content="Paris is in France", document_id="d1").to_wire()
        {'content': 'Paris is in France', 'document_id': 'd1'}
    """

    content: str | None = None
    uuid: str | None = None
    document_id: str | None = None
    metadata: dict[str, Any] | None = None
    embedding: list[float] | None = None
    is_embedded: bool | None = None
    created_at: str | None = None
    updated_at: str | None = None
    score: float | None = None


class DocumentSearchResponse(ZepModel):
    """Results of a document collection search."""

    results: list[Document] = Field(default_factory=list)
    result_count: int | None = None
    current_page: int | None = None
    total_pages: int | None = None
    query_vector: list[float] | None = None


class UserThread(ZepModel):
    """A user and a conversation, as returned by ``client.create_user_and_thread``.

    On v4 both are server UUIDs the app must store (``user_id`` = the user's UUID,
    ``session_id`` = the thread's UUID); on v2/v3 they are the client-chosen ids.
    """

    user_id: str
    session_id: str
