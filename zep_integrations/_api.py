"""Sans-IO description of every Zep v2 endpoint: one function per endpoint, returning a Call.

Nothing here does I/O. A :class:`Call` says what to send (method, escaped path, query, JSON body),
how to parse the answer, and how safe it is to resend. ``ZepClient.send`` and
``AsyncZepClient.send`` execute it; that is the only place the two clients differ. Section
numbers refer to ``zep-api-v2.md``.
"""

from __future__ import annotations

import enum
import json
import math
from collections.abc import Callable, Generator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from urllib.parse import quote

from zep_integrations import _writes
from zep_integrations import models as m
from zep_integrations._limits import check_id, check_json_value
from zep_integrations._writes import send_writes as send_writes  # flows and clients use it

T = TypeVar("T")

MAX_MESSAGES_PER_WRITE = _writes.MAX_MESSAGES_PER_WRITE
"""Zep accepts at most 30 messages per ``POST sessions/{id}/memory`` (section 5)."""

ORDER_BY_VALUES = ("created_at", "updated_at", "user_id", "session_id")


class Retry(enum.Enum):
    """How safe a request is to send again after a failure.

    ``IDEMPOTENT`` requests (reads, deletes, metadata merges, searches) can be resent after any
    transient failure. ``UNAPPLIED`` requests (writes such as ``POST .../memory``) are resent only
    when the server cannot have applied them: the connection was never made, or the server said
    429 / 503-with-``Retry-After`` before doing anything. Resending a write after a timeout or a
    500 could store the messages twice, which is exactly what zep-cloud 2.x does (section 1.1).
    """

    IDEMPOTENT = "idempotent"
    UNAPPLIED = "unapplied"


@dataclass(frozen=True)
class Call(Generic[T]):
    """One HTTP request to the Zep API, described without doing it.

    Attributes:
        method: HTTP method.
        path: Path relative to ``/api/v2/``, with every ID already percent-encoded.
        parse: Turns the decoded JSON body (``None`` for an empty body) into the result.
        params: Query parameters; ``None`` values are never sent.
        body: JSON body, or ``None`` for no body.
        retry: Whether the request may be resent after a failure.
        api: The API version the request belongs to (``"v2"``, ``"v3"`` or ``"v4"``); a client
            configured for another version refuses it before sending anything.
        op: The operation's name (the client method), for error messages.
        idempotency_key: The v4 ``Idempotency-Key`` header: one per logical request, created with
            the call and so reused by every resend of it.
    """

    method: str
    path: str
    parse: Callable[[Any], T]
    params: dict[str, str] = field(default_factory=dict)
    body: Any = None
    retry: Retry = Retry.IDEMPOTENT
    api: str = "v2"
    op: str = ""
    idempotency_key: str | None = None


@dataclass
class ClientInfo:
    """What a flow may ask of the client running it, answered without I/O.

    Attributes:
        api_version: The client's API version.
        ids: The client's cache of resolved identifiers (v4: app id -> UUID), shared with the
            clients derived from it, so a lookup happens once per client.
        contexts: The latest context block per session (v3/v4), bounded.
    """

    api_version: str
    ids: dict[tuple[str, str], str] = field(default_factory=dict)
    contexts: dict[str, str | None] = field(default_factory=dict)
    """v3/v4: sessions whose context is read, with the block the last write returned (``None``
    until one did), so the next memory read needs one request, not two."""


class _InfoRequest:
    """Type of :data:`CLIENT_INFO`."""

    def __repr__(self) -> str:
        return "CLIENT_INFO"


CLIENT_INFO = _InfoRequest()
"""Yield this from a flow to receive the running client's :class:`ClientInfo` (no request)."""


@dataclass(frozen=True)
class Sleep:
    """Yield this from a flow to wait ``seconds`` (``time.sleep`` or ``asyncio.sleep``)."""

    seconds: float


@dataclass(frozen=True)
class Limits:
    """What the client running a flow refuses to send (see :func:`client_limits`).

    Attributes:
        max_message_chars: Longest message ``content``, or ``None`` when unchecked.
        max_body_bytes: Largest request body, or ``None`` when unchecked.
    """

    max_message_chars: int | None = None
    max_body_bytes: int | None = None


LIMITS = "LIMITS"
"""The method of a :class:`LimitsQuery`: never sent over HTTP."""


class LimitsQuery(Call[Limits]):
    """A pseudo-call that the client running a flow answers with its :class:`Limits`, no I/O."""


def _limits(data: Any) -> Limits:
    return data if isinstance(data, Limits) else Limits()


def client_limits() -> LimitsQuery:
    """Ask the client running the flow for its :class:`Limits`, without any request.

    A flow is built before it knows which client runs it; this lets a multi-request write check
    everything against that client's limits before its first request.
    """
    return LimitsQuery(LIMITS, "", _limits)


# ----------------------------------------------------------------------------------------------
# Helpers


def segment(value: str, what: str = "id") -> str:
    """Percent-encode one path segment, ``/``, ``?``, ``#`` included (section 8.10).

    The official SDKs interpolate IDs unescaped, so ``"a/b"`` reaches the wrong endpoint; we escape
    every reserved character so any caller-chosen ID round-trips. The ID is checked first
    (:func:`~zep_integrations._limits.check_id`): longer than ``MAX_ID_CHARS`` or holding a lone
    surrogate is a ``ValueError`` before any request.
    """
    check_id(value, what)
    if value.strip(".") == "":
        # "." and ".." would be removed by URL normalisation (RFC 3986 dot segments).
        return "%2E" * len(value)
    return quote(value, safe="")


def _params(**values: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in values.items():
        if value is None:
            continue
        if isinstance(value, bool):
            out[key] = "true" if value else "false"
        else:
            out[key] = str(value)
    return out


def _body(**values: Any) -> dict[str, Any]:
    """A JSON object with the unset (``None``) fields omitted, as the contract requires."""
    return {key: value for key, value in values.items() if value is not None}


def _check_limit(limit: int | None) -> None:
    if limit is not None and (not isinstance(limit, int) or limit < 0):
        raise ValueError(f"limit must be a non-negative int or None, got {limit!r}")


def _check_lambda(mmr_lambda: float | None) -> None:
    if mmr_lambda is not None and not 0.0 <= mmr_lambda <= 1.0:
        raise ValueError(f"mmr_lambda must be between 0 and 1, got {mmr_lambda!r}")


def _check_json(value: Any, what: str) -> Any:
    """Refuse what the server would, before sending.

    Non-JSON types are a ``TypeError``; NaN, infinities, integers past 64 bits, nesting past
    ``MAX_JSON_DEPTH`` and lone surrogates a ``ValueError`` (see
    :func:`~zep_integrations._limits.check_json_value`).
    """
    try:
        check_json_value(value, what)
    except TypeError as exc:
        raise TypeError(
            f"{what} must be JSON-serializable (str, int, float, bool, None, list, dict): {exc}"
        ) from exc
    return value


def _meta(metadata: Mapping[str, Any] | None, what: str = "metadata") -> dict[str, Any] | None:
    """Optional metadata, checked to be JSON Zep can store; ``None`` stays unset."""
    return None if metadata is None else _check_json(dict(metadata), what)


def _ids(values: Sequence[str] | None, what: str) -> list[str] | None:
    """Check IDs that travel in a body, as :func:`segment` checks those in a path."""
    if values is None:
        return None
    if isinstance(values, str):
        raise TypeError(f"{what} must be a list of IDs, not a single string")
    return [check_id(value, what) for value in values]


def _model(cls: type[m.ZepModel]) -> Callable[[Any], Any]:
    def parse(data: Any) -> Any:
        return cls.model_validate(data if data is not None else {})

    return parse


def _model_list(cls: type[m.ZepModel]) -> Callable[[Any], Any]:
    def parse(data: Any) -> Any:
        return [cls.model_validate(item) for item in _flatten(data)]

    return parse


def _flatten(data: Any) -> list[Any]:
    """Unwrap the list-of-lists bodies of section 8.6; a flat list passes through."""
    if data is None:
        return []
    if not isinstance(data, list):
        raise ValueError(f"expected a JSON array, got {type(data).__name__}")
    out: list[Any] = []
    for item in data:
        if isinstance(item, list):
            out.extend(item)
        else:
            out.append(item)
    return out


def _strings(data: Any) -> list[str]:
    return [str(item) for item in _flatten(data)]


def _success(data: Any) -> m.SuccessResponse:
    # DELETE facts/{uuid} answers a bare JSON string or an empty body on some servers (section 4.3).
    if data is None or isinstance(data, str):
        return m.SuccessResponse(message=data or "OK")
    return m.SuccessResponse.model_validate(data)


def _search_options(
    search_scope: str | None,
    search_type: str | None,
    mmr_lambda: float | None,
    min_score: float | None,
    min_fact_rating: float | None,
) -> dict[str, Any]:
    if search_scope is not None and search_scope not in ("messages", "summary", "facts"):
        raise ValueError(
            f"search_scope must be 'messages', 'summary' or 'facts', got {search_scope!r}"
        )
    if search_type is not None and search_type not in ("similarity", "mmr"):
        raise ValueError(f"search_type must be 'similarity' or 'mmr', got {search_type!r}")
    _check_lambda(mmr_lambda)
    return _body(
        search_scope=search_scope,
        search_type=search_type,
        mmr_lambda=mmr_lambda,
        min_score=min_score,
        min_fact_rating=min_fact_rating,
    )


def message_to_wire(message: m.Message | Mapping[str, Any]) -> dict[str, Any]:
    """Validate one message for writing and return its JSON form.

    Raises:
        TypeError: the message or its metadata is not of a type Zep can store.
        ValueError: ``content`` or ``role_type`` is missing or ``role_type`` is unknown, or a
            value the server refuses (NaN, infinities, integers past 64 bits, nesting past
            ``MAX_JSON_DEPTH``, lone surrogates).
    """
    data = _message_fields(message)
    _check_json(data, "message")
    return data


def messages_to_wire(messages: Sequence[m.Message | Mapping[str, Any]]) -> list[dict[str, Any]]:
    """:func:`message_to_wire` for many messages, raising the error of the first bad one."""
    wire: list[dict[str, Any]] = []
    for index, message in enumerate(messages):
        data = _message_fields(message)
        _check_json(data, f"message {index}")
        wire.append(data)
    return wire


def _message_fields(message: m.Message | Mapping[str, Any]) -> dict[str, Any]:
    """The JSON form of one message, its types checked but not yet its JSON-serializability."""
    # dict first: the common case, and a much cheaper check than the Mapping ABC.
    if isinstance(message, dict) or (
        not isinstance(message, m.Message) and isinstance(message, Mapping)
    ):
        data = {key: value for key, value in message.items() if value is not None}
    elif isinstance(message, m.Message):
        data = message.to_wire()
    else:
        raise TypeError(
            "messages must be zep_integrations.models.Message objects or dicts, "
            f"got {type(message).__name__}"
        )
    content = data.get("content")
    if not isinstance(content, str):
        raise TypeError(f"message content must be a str, got {type(content).__name__}")
    role_type = data.get("role_type")
    if role_type not in m.ROLE_TYPES:
        raise ValueError(
            f"message role_type must be one of {', '.join(m.ROLE_TYPES)}; got {role_type!r}"
        )
    return data


def chunks(items: Sequence[T], size: int = MAX_MESSAGES_PER_WRITE) -> list[Sequence[T]]:
    """Split ``items`` into ordered chunks of at most ``size``."""
    return [items[start : start + size] for start in range(0, len(items), size)]


# ----------------------------------------------------------------------------------------------
# 4.1 Sessions


def add_session(
    session_id: str,
    user_id: str | None = None,
    *,
    metadata: Mapping[str, Any] | None = None,
    fact_rating_instruction: m.FactRatingInstruction | None = None,
) -> Call[m.Session]:
    segment(session_id, "session_id")
    body = _body(
        session_id=session_id,
        user_id=check_id(user_id, "user_id") if user_id is not None else None,
        metadata=_meta(metadata),
        fact_rating_instruction=fact_rating_instruction.to_wire()
        if fact_rating_instruction
        else None,
    )
    return Call("POST", "sessions", _model(m.Session), body=body, retry=Retry.UNAPPLIED)


def get_session(session_id: str) -> Call[m.Session]:
    return Call("GET", f"sessions/{segment(session_id, 'session_id')}", _model(m.Session))


def update_session(
    session_id: str,
    metadata: Mapping[str, Any],
    *,
    fact_rating_instruction: m.FactRatingInstruction | None = None,
) -> Call[m.Session]:
    body = _body(
        metadata=_check_json(dict(metadata), "metadata"),
        fact_rating_instruction=fact_rating_instruction.to_wire()
        if fact_rating_instruction
        else None,
    )
    return Call(
        "PATCH", f"sessions/{segment(session_id, 'session_id')}", _model(m.Session), body=body
    )


def list_sessions(
    *,
    page_number: int | None = None,
    page_size: int | None = None,
    order_by: str | None = None,
    asc: bool | None = None,
) -> Call[m.SessionListResponse]:
    if order_by is not None and order_by not in ORDER_BY_VALUES:
        raise ValueError(f"order_by must be one of {', '.join(ORDER_BY_VALUES)}; got {order_by!r}")
    # Both spellings (section 8.4): the SDKs send page_number/page_size, Zep CE reads
    # pageNumber/pageSize. Sending both pages correctly on either server.
    params = _params(
        page_number=page_number,
        page_size=page_size,
        pageNumber=page_number,
        pageSize=page_size,
        order_by=order_by,
        asc=asc,
    )
    return Call("GET", "sessions-ordered", _model(m.SessionListResponse), params=params)


def search_sessions(
    text: str,
    *,
    user_id: str | None = None,
    session_ids: Sequence[str] | None = None,
    search_scope: str | None = None,
    search_type: str | None = None,
    mmr_lambda: float | None = None,
    min_score: float | None = None,
    min_fact_rating: float | None = None,
    record_filter: Mapping[str, Any] | None = None,
    limit: int | None = None,
) -> Call[m.SessionSearchResponse]:
    _check_limit(limit)
    if user_id is None and not session_ids:
        raise ValueError("search_sessions needs user_id or session_ids to say where to search")
    body = _body(
        text=text,
        user_id=check_id(user_id, "user_id") if user_id is not None else None,
        session_ids=_ids(session_ids, "session_ids") if session_ids else None,
        record_filter=_check_json(dict(record_filter), "record_filter")
        if record_filter is not None
        else None,
        **_search_options(search_scope, search_type, mmr_lambda, min_score, min_fact_rating),
    )
    return Call(
        "POST",
        "sessions/search",
        _model(m.SessionSearchResponse),
        params=_params(limit=limit),
        body=body,
    )


def end_session(
    session_id: str,
    *,
    classify: m.ClassifySessionRequest | None = None,
    instruction: str | None = None,
) -> Call[m.EndSessionResponse]:
    body = _body(classify=classify.to_wire() if classify else None, instruction=instruction)
    return Call(
        "POST",
        f"sessions/{segment(session_id, 'session_id')}/end",
        _model(m.EndSessionResponse),
        body=body,
        retry=Retry.UNAPPLIED,
    )


def end_sessions(
    session_ids: Sequence[str], *, instruction: str | None = None
) -> Call[m.EndSessionsResponse]:
    body = _body(session_ids=_ids(session_ids, "session_ids"), instruction=instruction)
    return Call(
        "POST", "sessions/end", _model(m.EndSessionsResponse), body=body, retry=Retry.UNAPPLIED
    )


def classify_session(
    session_id: str,
    classes: Sequence[str],
    name: str,
    *,
    instruction: str | None = None,
    last_n: int | None = None,
) -> Call[m.SessionClassification]:
    if not classes:
        raise ValueError("classify_session needs at least one class")
    body = _body(classes=list(classes), name=name, instruction=instruction, last_n=last_n)
    return Call(
        "POST",
        f"sessions/{segment(session_id, 'session_id')}/classify",
        _model(m.SessionClassification),
        body=body,
        retry=Retry.UNAPPLIED,
    )


def delete_session(session_id: str) -> Call[m.SuccessResponse]:
    # "Delete Session" is DELETE .../memory; there is no DELETE sessions/{id} (section 8.7).
    return Call("DELETE", f"sessions/{segment(session_id, 'session_id')}/memory", _success)


# ----------------------------------------------------------------------------------------------
# 4.2 Memory and messages


def get_memory(
    session_id: str, *, lastn: int | None = None, min_rating: float | None = None
) -> Call[m.Memory]:
    if lastn is not None and lastn < 0:
        raise ValueError(f"lastn must be >= 0, got {lastn}")
    return Call(
        "GET",
        f"sessions/{segment(session_id, 'session_id')}/memory",
        _model(m.Memory),
        params=_params(lastn=lastn, minRating=min_rating),
    )


def add_memory(
    session_id: str,
    messages: Sequence[m.Message | Mapping[str, Any]],
    *,
    return_context: bool | None = None,
    ignore_roles: Sequence[str] | None = None,
    max_content_chars: int | None = None,
    max_body_bytes: int | None = None,
) -> list[Call[m.AddMemoryResponse]]:
    """Build the write of ``messages``: one call per 30 messages, in order.

    Every message is validated before any call is built (types, role, JSON the server accepts,
    length when ``max_content_chars`` is known), and when ``max_body_bytes`` is known the
    messages are split so that every request body fits it. A bad message at position 45
    therefore fails the whole write before the first 30 are sent.
    """
    path = f"sessions/{segment(session_id, 'session_id')}/memory"
    if isinstance(messages, (str, bytes, Mapping)) or not isinstance(messages, Sequence):
        raise TypeError("messages must be a list of Message objects or dicts")
    if not messages:
        raise ValueError("add_memory needs at least one message")
    wire = messages_to_wire(messages)
    if max_content_chars is not None:
        for index, data in enumerate(wire):
            if len(data["content"]) > max_content_chars:
                raise ValueError(
                    f"message {index} has {len(data['content'])} characters of content; this "
                    f"Zep server accepts at most {max_content_chars} per message. Shorten or "
                    "split it (nothing was sent)."
                )
    if ignore_roles is not None:
        bad = [role for role in ignore_roles if role not in m.ROLE_TYPES]
        if bad:
            raise ValueError(f"ignore_roles must be role types ({', '.join(m.ROLE_TYPES)}): {bad}")
    calls = []
    parts: Sequence[Sequence[dict[str, Any]]]
    if max_body_bytes is None:
        parts = chunks(wire)
    else:
        envelope = _body(
            messages=[],
            return_context=return_context,
            ignore_roles=list(ignore_roles) if ignore_roles is not None else None,
        )
        parts = _writes.chunks_within(wire, len(json.dumps(envelope)), max_body_bytes)
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        body = _body(
            messages=list(part),
            # Only the last chunk's context is about the newest messages.
            return_context=return_context if last else None,
            ignore_roles=list(ignore_roles) if ignore_roles is not None else None,
        )
        calls.append(
            Call("POST", path, _model(m.AddMemoryResponse), body=body, retry=Retry.UNAPPLIED)
        )
    return calls


def get_messages(
    session_id: str, *, limit: int | None = None, cursor: int | None = None
) -> Call[m.MessageListResponse]:
    _check_limit(limit)
    if cursor is not None and cursor < 1:
        raise ValueError(f"cursor is a 1-based page number, got {cursor}")
    return Call(
        "GET",
        f"sessions/{segment(session_id, 'session_id')}/messages",
        _model(m.MessageListResponse),
        params=_params(limit=limit, cursor=cursor),
    )


def _message_path(session_id: str, message_uuid: str) -> str:
    return (
        f"sessions/{segment(session_id, 'session_id')}"
        f"/messages/{segment(message_uuid, 'message_uuid')}"
    )


def get_message(session_id: str, message_uuid: str) -> Call[m.Message]:
    return Call(
        "GET",
        _message_path(session_id, message_uuid),
        _model(m.Message),
    )


def update_message_metadata(
    session_id: str, message_uuid: str, metadata: Mapping[str, Any]
) -> Call[m.Message]:
    return Call(
        "PATCH",
        _message_path(session_id, message_uuid),
        _model(m.Message),
        body={"metadata": _check_json(dict(metadata), "metadata")},
    )


def search_memory(
    session_id: str,
    text: str | None = None,
    *,
    search_scope: str | None = None,
    search_type: str | None = None,
    mmr_lambda: float | None = None,
    min_score: float | None = None,
    min_fact_rating: float | None = None,
    metadata: Mapping[str, Any] | None = None,
    limit: int | None = None,
) -> Call[list[m.MemorySearchResult]]:
    _check_limit(limit)
    body = _body(
        text=text,
        metadata=_meta(metadata),
        **_search_options(search_scope, search_type, mmr_lambda, min_score, min_fact_rating),
    )
    return Call(
        "POST",
        f"sessions/{segment(session_id, 'session_id')}/search",
        _model_list(m.MemorySearchResult),
        params=_params(limit=limit),
        body=body,
    )


def get_summaries(session_id: str) -> Call[m.SummaryListResponse]:
    return Call(
        "GET",
        f"sessions/{segment(session_id, 'session_id')}/summary",
        _model(m.SummaryListResponse),
    )


def synthesize_question(session_id: str, *, last_n_messages: int | None = None) -> Call[m.Question]:
    return Call(
        "GET",
        f"sessions/{segment(session_id, 'session_id')}/synthesize_question",
        _model(m.Question),
        params=_params(lastNMessages=last_n_messages),
    )


def extract(
    session_id: str,
    model_schema: str,
    last_n: int,
    *,
    current_date_time: str | None = None,
    validate: bool | None = None,
) -> Call[dict[str, Any]]:
    body = _body(
        model_schema=model_schema,
        last_n=last_n,
        current_date_time=current_date_time,
        validate=validate,
    )

    def parse(data: Any) -> dict[str, Any]:
        return dict(data or {})

    return Call("POST", f"sessions/{segment(session_id, 'session_id')}/extract", parse, body=body)


# ----------------------------------------------------------------------------------------------
# 4.3 Facts


def get_session_facts(session_id: str, *, min_rating: float | None = None) -> Call[list[m.Fact]]:
    return Call(
        "GET",
        f"sessions/{segment(session_id, 'session_id')}/facts",
        _facts,
        params=_params(minRating=min_rating),
    )


def _facts(data: Any) -> list[m.Fact]:
    return [m.Fact.model_validate(item) for item in (data or {}).get("facts") or []]


def add_session_facts(session_id: str, facts: Sequence[str]) -> Call[m.SuccessResponse]:
    if isinstance(facts, str) or not facts or not all(isinstance(f, str) and f for f in facts):
        raise ValueError("facts must be a non-empty list of non-empty strings")
    return Call(
        "POST",
        f"sessions/{segment(session_id, 'session_id')}/facts",
        _success,
        body={"facts": [{"fact": fact} for fact in facts]},
        retry=Retry.UNAPPLIED,
    )


def get_fact(fact_uuid: str) -> Call[m.Fact]:
    def parse(data: Any) -> m.Fact:
        return m.Fact.model_validate((data or {}).get("fact") or {})

    return Call("GET", f"facts/{segment(fact_uuid, 'fact_uuid')}", parse)


def delete_fact(fact_uuid: str) -> Call[m.SuccessResponse]:
    return Call("DELETE", f"facts/{segment(fact_uuid, 'fact_uuid')}", _success)


# ----------------------------------------------------------------------------------------------
# 4.4 Users


def add_user(
    user_id: str,
    *,
    email: str | None = None,
    first_name: str | None = None,
    last_name: str | None = None,
    metadata: Mapping[str, Any] | None = None,
    fact_rating_instruction: m.FactRatingInstruction | None = None,
) -> Call[m.User]:
    segment(user_id, "user_id")
    body = _body(
        user_id=user_id,
        email=email,
        first_name=first_name,
        last_name=last_name,
        metadata=_meta(metadata),
        fact_rating_instruction=fact_rating_instruction.to_wire()
        if fact_rating_instruction
        else None,
    )
    return Call("POST", "users", _model(m.User), body=body, retry=Retry.UNAPPLIED)


def list_users(
    *, page_number: int | None = None, page_size: int | None = None
) -> Call[m.UserListResponse]:
    # users-ordered spells its paging camelCase, unlike sessions-ordered (section 8.4).
    return Call(
        "GET",
        "users-ordered",
        _model(m.UserListResponse),
        params=_params(pageNumber=page_number, pageSize=page_size),
    )


def get_user(user_id: str) -> Call[m.User]:
    return Call("GET", f"users/{segment(user_id, 'user_id')}", _model(m.User))


def update_user(
    user_id: str,
    *,
    email: str | None = None,
    first_name: str | None = None,
    last_name: str | None = None,
    metadata: Mapping[str, Any] | None = None,
    fact_rating_instruction: m.FactRatingInstruction | None = None,
) -> Call[m.User]:
    body = _body(
        email=email,
        first_name=first_name,
        last_name=last_name,
        metadata=_meta(metadata),
        fact_rating_instruction=fact_rating_instruction.to_wire()
        if fact_rating_instruction
        else None,
    )
    return Call("PATCH", f"users/{segment(user_id, 'user_id')}", _model(m.User), body=body)


def delete_user(user_id: str) -> Call[m.SuccessResponse]:
    return Call("DELETE", f"users/{segment(user_id, 'user_id')}", _success)


def get_user_sessions(user_id: str) -> Call[list[m.Session]]:
    return Call("GET", f"users/{segment(user_id, 'user_id')}/sessions", _model_list(m.Session))


def get_user_facts(user_id: str) -> Call[list[m.Fact]]:
    return Call("GET", f"users/{segment(user_id, 'user_id')}/facts", _facts)


def get_user_node(user_id: str) -> Call[m.UserNodeResponse]:
    return Call("GET", f"users/{segment(user_id, 'user_id')}/node", _model(m.UserNodeResponse))


# ----------------------------------------------------------------------------------------------
# 4.5 Document collections and documents


def _collection(name: str) -> str:
    # Zep CE accepts only ^[a-zA-Z0-9_]+$ collection names (section 4.5); fail early and clearly.
    if (
        not isinstance(name, str)
        or not name
        or not all(c.isascii() and (c.isalnum() or c == "_") for c in name)
    ):
        raise ValueError(
            f"collection names may contain only ASCII letters, digits and underscores; got {name!r}"
        )
    return f"collections/{name}"


def list_collections() -> Call[list[m.DocumentCollection]]:
    return Call("GET", "collections", _model_list(m.DocumentCollection))


def get_collection(name: str) -> Call[m.DocumentCollection]:
    return Call("GET", _collection(name), _model(m.DocumentCollection))


def add_collection(
    name: str, *, description: str | None = None, metadata: Mapping[str, Any] | None = None
) -> Call[m.SuccessResponse]:
    body = _body(
        description=description,
        metadata=_meta(metadata),
    )
    return Call("POST", _collection(name), _success, body=body, retry=Retry.UNAPPLIED)


def update_collection(
    name: str, *, description: str | None = None, metadata: Mapping[str, Any] | None = None
) -> Call[m.SuccessResponse]:
    body = _body(
        description=description,
        metadata=_meta(metadata),
    )
    return Call("PATCH", _collection(name), _success, body=body)


def delete_collection(name: str) -> Call[m.SuccessResponse]:
    return Call("DELETE", _collection(name), _success)


def add_documents(
    name: str, documents: Sequence[m.Document | Mapping[str, Any]]
) -> Call[list[str]]:
    wire: list[dict[str, Any]] = []
    for doc in documents:
        data = doc.to_wire() if isinstance(doc, m.Document) else _body(**dict(doc))
        if not isinstance(data.get("content"), str):
            raise ValueError("every document needs a str 'content'")
        if data.get("document_id") is not None:
            check_id(data["document_id"], "document_id")
        embedding = data.get("embedding")
        if embedding is not None and not all(
            isinstance(x, (int, float)) and math.isfinite(x) for x in embedding
        ):
            raise ValueError("document embeddings must be lists of finite numbers")
        wire.append(_check_json(data, "document"))
    if not wire:
        raise ValueError("add_documents needs at least one document")
    return Call(
        "POST", f"{_collection(name)}/documents", _strings, body=wire, retry=Retry.UNAPPLIED
    )


def batch_get_documents(
    name: str,
    *,
    uuids: Sequence[str] | None = None,
    document_ids: Sequence[str] | None = None,
) -> Call[list[m.Document]]:
    body = _body(
        uuids=_ids(uuids, "uuids"),
        document_ids=_ids(document_ids, "document_ids"),
    )
    return Call(
        "POST", f"{_collection(name)}/documents/batchGet", _model_list(m.Document), body=body
    )


def batch_update_documents(
    name: str, updates: Sequence[Mapping[str, Any]]
) -> Call[m.SuccessResponse]:
    wire = []
    for update in updates:
        if not isinstance(update.get("uuid"), str):
            raise ValueError("every document update needs its 'uuid'")
        check_id(update["uuid"], "uuid")
        if update.get("document_id") is not None:
            check_id(update["document_id"], "document_id")
        wire.append(_check_json(_body(**dict(update)), "document update"))
    return Call("PATCH", f"{_collection(name)}/documents/batchUpdate", _success, body=wire)


def batch_delete_documents(name: str, uuids: Sequence[str]) -> Call[m.SuccessResponse]:
    return Call(
        "POST", f"{_collection(name)}/documents/batchDelete", _success, body=_ids(uuids, "uuids")
    )


def get_document(name: str, document_uuid: str) -> Call[m.Document]:
    return Call(
        "GET",
        f"{_collection(name)}/documents/uuid/{segment(document_uuid, 'document_uuid')}",
        _model(m.Document),
    )


def update_document(
    name: str,
    document_uuid: str,
    *,
    document_id: str | None = None,
    metadata: Mapping[str, Any] | None = None,
) -> Call[m.SuccessResponse]:
    body = _body(
        document_id=check_id(document_id, "document_id") if document_id is not None else None,
        metadata=_meta(metadata),
    )
    return Call(
        "PATCH",
        f"{_collection(name)}/documents/uuid/{segment(document_uuid, 'document_uuid')}",
        _success,
        body=body,
    )


def delete_document(name: str, document_uuid: str) -> Call[m.SuccessResponse]:
    return Call(
        "DELETE",
        f"{_collection(name)}/documents/uuid/{segment(document_uuid, 'document_uuid')}",
        _success,
    )


def search_documents(
    name: str,
    text: str | None = None,
    *,
    metadata: Mapping[str, Any] | None = None,
    embedding: Sequence[float] | None = None,
    search_type: str | None = None,
    mmr_lambda: float | None = None,
    min_score: float | None = None,
    limit: int | None = None,
) -> Call[m.DocumentSearchResponse]:
    _check_limit(limit)
    if text is None and metadata is None and embedding is None:
        raise ValueError("search_documents needs text, metadata or embedding")
    body = _body(
        text=text,
        metadata=_meta(metadata),
        embedding=list(embedding) if embedding is not None else None,
        **_search_options(None, search_type, mmr_lambda, min_score, None),
    )
    return Call(
        "POST",
        f"{_collection(name)}/search",
        _model(m.DocumentSearchResponse),
        params=_params(limit=limit),
        body=body,
    )


# ----------------------------------------------------------------------------------------------
# Flows: several calls with logic between them, shared by the sync and async clients.

Step = Call[Any] | _InfoRequest | Sleep
"""What a flow may yield: a request, :data:`CLIENT_INFO`, or a :class:`Sleep`."""

Flow = Generator[Step, Any, T]
"""A generator that yields calls and receives their results (or has their errors thrown in).

``ZepClient.run`` and ``AsyncZepClient.run`` drive it, so multi-request logic (chunked writes,
create-if-missing) is written once for both.
"""


def send_all(calls: Sequence[Call[T]]) -> Flow[T]:
    """Send ``calls`` in order, stopping at the first error; return the last result."""
    if not calls:
        raise ValueError("send_all needs at least one call")
    result: T = yield calls[0]
    for call in calls[1:]:
        result = yield call
    return result
