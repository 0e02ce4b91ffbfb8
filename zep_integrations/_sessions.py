"""Session bookkeeping shared by the LangChain and LlamaIndex adapters, as sans-IO flows.

Each function is a :data:`~zep_integrations._api.Flow`: run it with ``client.run(flow)`` on a
:class:`~zep_integrations.ZepClient` or ``await client.run(flow)`` on an
:class:`~zep_integrations.AsyncZepClient`, so the logic exists once for both.

Version-neutral: each flow first asks the running client for its API version (yielding
:data:`~zep_integrations._api.CLIENT_INFO`, answered without I/O) and then runs the v2 code below
or the v3/v4 code in :mod:`zep_integrations._sessions_threads`. Arguments and results keep the
v2 shapes on every version, so an adapter written against these functions works unchanged on
v2, v3 and v4.

Replacing a conversation (:func:`replace_messages`) never deletes: the new messages are
appended, tagged, and the old ones are retired by position, so :func:`visible` (applied by
:func:`read_messages` and :func:`read_memory`) is what every adapter reads.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from zep_integrations import _api
from zep_integrations import models as m
from zep_integrations._api import CLIENT_INFO, ClientInfo, Flow
from zep_integrations.errors import BadRequestError, ConflictError, NotFoundError, ZepAPIError

if TYPE_CHECKING:
    from zep_integrations import _sessions_threads as threads
else:

    class _LazyThreads:
        """The v3/v4 implementations, imported on the first v3/v4 flow, not with every client.

        With their models they made ``import zep_integrations`` about a third slower.
        """

        def __getattr__(self, name: str) -> Any:
            from zep_integrations import _sessions_threads

            return getattr(_sessions_threads, name)

    threads = _LazyThreads()


def _check_lengths(wire: list[dict[str, Any]], max_chars: int | None) -> None:
    """v3/v4: the client's message length limit, checked before anything is sent."""
    if max_chars is None:
        return
    for index, data in enumerate(wire):
        if len(data["content"]) > max_chars:
            raise ValueError(
                f"message {index} has {len(data['content'])} characters of content; this client "
                f"sends at most {max_chars} per message (max_message_chars). Shorten or split it "
                "(nothing was sent)."
            )


def _already_exists(exc: ZepAPIError) -> bool:
    # Zep answers a duplicate create with 400 "... already exists ..." (section 4.1); some
    # deployments use 409. Either means a concurrent writer won the race: that is success.
    return isinstance(exc, ConflictError) or (
        isinstance(exc, BadRequestError) and "already exists" in exc.message.lower()
    )


def _user_missing(exc: ZepAPIError) -> bool:
    return isinstance(exc, NotFoundError) or (
        isinstance(exc, BadRequestError) and "user not found" in exc.message.lower()
    )


def ensure_session(session_id: str, user_id: str | None = None) -> Flow[None]:
    """Create the session (and its user, when given and missing); "already exists" is success.

    One request when the user exists; three when the user must be created first. On v4 the
    session is resolved to (or created as) a thread UUID instead.
    """
    info: ClientInfo = yield CLIENT_INFO
    if info.api_version != "v2":
        yield from threads.ensure_session(info, session_id, user_id)
        return
    try:
        yield _api.add_session(session_id, user_id)
        return
    except (BadRequestError, ConflictError, NotFoundError) as exc:
        if _already_exists(exc):
            return
        if user_id is None or not _user_missing(exc):
            raise
    try:
        yield _api.add_user(user_id)
    except (BadRequestError, ConflictError) as exc:
        if not _already_exists(exc):
            raise
    try:
        yield _api.add_session(session_id, user_id)
    except (BadRequestError, ConflictError) as exc:
        if not _already_exists(exc):
            raise


def thread_address(session_id: str, known: str | None = None) -> Flow[str | None]:
    """v4: the thread UUID ``session_id`` names for this client; ``None`` on v2/v3 (no request).

    With ``known`` (a UUID an earlier call returned, kept by the caller, for example in a
    checkpoint), the client first learns that ``session_id`` names that thread, so a process
    that never saw the non-UUID ``session_id`` reaches the same thread instead of creating one.
    Returns ``None`` too when the session is not resolved yet.
    """
    info: ClientInfo = yield CLIENT_INFO
    if info.api_version != "v4":
        return None
    if threads.is_uuid(session_id):
        return session_id
    key = ("thread", session_id)
    if known is not None and key not in info.ids and threads.is_uuid(known):
        info.ids[key] = known
    return info.ids.get(key)


def write_messages(
    session_id: str,
    messages: Sequence[m.Message | Mapping[str, Any]],
    *,
    user_id: str | None = None,
    session_known: bool = False,
    return_context: bool | None = None,
) -> Flow[m.AddMemoryResponse]:
    """Store ``messages`` (one request per 30), creating the session first unless it is known.

    ``session_known`` should be true once a read of this session succeeded, which keeps a chat
    turn to one read and one write. Messages are validated against the running client's limits
    (message length, request body size) before anything is sent.

    Raises:
        ConflictError: the session has ended; start a new session to keep writing.
        PartialWriteError: a request after the first failed (``.stored_count`` were stored).
    """
    info: ClientInfo = yield CLIENT_INFO
    limits: _api.Limits = yield _api.client_limits()
    if info.api_version != "v2":
        if isinstance(messages, (str, bytes, Mapping)) or not isinstance(messages, Sequence):
            raise TypeError("messages must be a list of Message objects or dicts")
        if not messages:
            raise ValueError("write_messages needs at least one message")
        wire = _api.messages_to_wire(messages)
        _check_lengths(wire, limits.max_message_chars)
        return (
            yield from threads.write_messages(
                info,
                session_id,
                wire,
                user_id=user_id,
                session_known=session_known,
                return_context=return_context,
            )
        )
    calls = _api.add_memory(
        session_id,
        messages,
        return_context=return_context,
        max_content_chars=limits.max_message_chars,
        max_body_bytes=limits.max_body_bytes,
    )
    if not session_known:
        yield from ensure_session(session_id, user_id)
    try:
        return (yield from _api.send_writes(calls))
    except ConflictError as exc:
        raise ConflictError(
            f"session {session_id!r} has ended and accepts no more messages; "
            f"use a new session_id ({exc.message})",
            response=exc.response,
            body=exc.body,
        ) from exc


def read_messages(session_id: str, *, lastn: int | None = None) -> Flow[list[m.Message] | None]:
    """Read the session's messages oldest first: all of them, or the last ``lastn``.

    Returns ``None`` when the session does not exist (callers treat that as empty), so a 404 never
    reaches framework code.
    """
    info: ClientInfo = yield CLIENT_INFO
    if info.api_version != "v2":
        found = yield from threads.read_messages(info, session_id, lastn)
        return None if found is None else visible(found)
    try:
        if lastn is None:
            page: m.MessageListResponse = yield _api.get_messages(session_id)
            return visible(page.messages)
        memory: m.Memory = yield _api.get_memory(session_id, lastn=lastn)
        return visible(memory.messages or [])
    except NotFoundError:
        return None


def read_memory(session_id: str, *, lastn: int | None = None) -> Flow[m.Memory | None]:
    """Read Zep's memory (window, context, facts, summary); ``None`` when the session is missing.

    v2 answers with one request; v3/v4 need two (the messages, then the context block) unless
    this client's last write of the session returned the context, and fill only ``messages``
    and ``context``. ``messages`` holds only the :func:`visible` ones of the window.
    """
    info: ClientInfo = yield CLIENT_INFO
    if info.api_version != "v2":
        found = yield from threads.read_memory(info, session_id, lastn)
        if found is not None and found.messages:
            found = found.model_copy(update={"messages": visible(found.messages)})
        return found
    try:
        memory: m.Memory = yield _api.get_memory(session_id, lastn=lastn)
        if memory.messages:
            memory = memory.model_copy(update={"messages": visible(memory.messages)})
        return memory
    except NotFoundError:
        return None


def read_context(session_id: str) -> Flow[m.Memory | None]:
    """Read only what Zep's context needs; ``None`` when the session is missing.

    One request on every version: v2 ``GET .../memory?lastn=1`` (context, facts and summary,
    the window ignored); v3/v4 ``GET threads/{id}/context`` alone (no window read), and none
    when this client's last write of the session returned the context.
    """
    info: ClientInfo = yield CLIENT_INFO
    if info.api_version != "v2":
        return (yield from threads.read_context(info, session_id))
    try:
        memory: m.Memory = yield _api.get_memory(session_id, lastn=1)
    except NotFoundError:
        return None
    return memory


REPLACEMENT_KEY = "zep_integrations_replacement"
"""Message metadata: the ID of the :func:`replace_messages` call that wrote the message."""
REPLACEMENT_END_KEY = "zep_integrations_replacement_end"
"""Message metadata, ``true`` on the last message of a replacement: it completed."""


def replace_messages(
    session_id: str,
    messages: Sequence[m.Message | Mapping[str, Any]],
    *,
    user_id: str | None = None,
    session_known: bool = False,
) -> Flow[None]:
    """Replace the session's conversation with ``messages``; nothing is lost when a step fails.

    The sequence (no request deletes anything):

    1. validate every message against the client's limits (no request yet);
    2. create the session unless known (as :func:`write_messages`);
    3. append ``messages`` (one request per 30), each tagged with :data:`REPLACEMENT_KEY` = a
       fresh ID, the last one also with :data:`REPLACEMENT_END_KEY` = ``true``.

    The request that stores the last message is the commit: until it succeeds, :func:`visible`
    hides every tagged message of this replacement (no end marker), so readers keep seeing the
    old history whole, whichever step failed. Once it succeeded, :func:`visible` hides
    everything before the replacement's first message, so the new history appears exactly once
    (messages other writers append meanwhile or later stay visible). When the last request
    fails after the server applied it (a timeout), the replacement did complete: the caller
    gets the error, readers see the new history, and repeating the call is harmless.

    ``messages`` empty: the session is deleted (one request, atomic), which is what replacing
    with nothing means.

    What Zep itself sees: the retired messages and those of failed attempts stay stored, so
    Zep's own search, facts, summaries and context still draw on them, and the session grows by
    ``len(messages)`` per call. Adapters read through :func:`read_messages` /
    :func:`read_memory` and see only the visible conversation; the raw client sees everything.

    Per API version: this needs only an ordered append whose messages carry flat scalar
    metadata (one request stores its messages all or none) and an ordered read that returns
    that metadata: ``POST sessions/{id}/memory`` and ``GET .../messages`` / ``GET .../memory``
    on v2; the thread message add and list on v3 and v4 (v3 allows at most 10 metadata keys
    of scalars per message: this uses two). It needs neither message-metadata ``PATCH``
    (v2, v3, v4) nor session metadata (v2 only).

    Raises:
        ConflictError: the session has ended (nothing changed).
        PartialWriteError: a request after the first failed; the replacement did not complete
            and the old history is still what readers see.
    """
    if not messages:
        yield from delete_session(session_id)
        return
    replacement = new_replacement_id()
    last = len(messages) - 1
    tagged: list[dict[str, Any]] = []
    for index, message in enumerate(messages):
        data = message.to_wire() if isinstance(message, m.Message) else dict(message)
        metadata = data.get("metadata")
        if metadata is not None and not isinstance(metadata, Mapping):
            raise TypeError(
                f"message {index} metadata must be a dict, got {type(metadata).__name__}"
            )
        marks: dict[str, Any] = {REPLACEMENT_KEY: replacement}
        if index == last:
            marks[REPLACEMENT_END_KEY] = True
        data["metadata"] = {**(metadata or {}), **marks}
        tagged.append(data)
    yield from write_messages(session_id, tagged, user_id=user_id, session_known=session_known)


def new_replacement_id() -> str:
    """A fresh replacement ID: random, so no two replacements share one.

    Looked up at each call, so wire recordings (the cassette tests) can make it sequential.
    """
    return uuid.uuid4().hex


def _replacement(message: m.Message) -> str | None:
    tag = (message.metadata or {}).get(REPLACEMENT_KEY)
    return tag if isinstance(tag, str) else None


def visible(messages: Sequence[m.Message]) -> list[m.Message]:
    """The conversation as :func:`replace_messages` defines it, oldest first.

    The last replacement to complete (the newest message carrying :data:`REPLACEMENT_END_KEY`)
    wins: its messages and every untagged message after its first one are visible; everything
    before it, and the messages of any other replacement (unfinished or superseded), are not.
    With no completed replacement, only tagged messages are hidden. Works on any suffix of the
    session too (a ``lastn`` window): a window that holds a replacement's message also holds its
    end marker, if there is one.
    """
    if not any(_replacement(message) is not None for message in messages):
        return list(messages)
    winner: str | None = None
    for message in reversed(messages):
        tag = _replacement(message)
        if tag is not None and (message.metadata or {}).get(REPLACEMENT_END_KEY) is True:
            winner = tag
            break
    if winner is None:
        return [message for message in messages if _replacement(message) is None]
    start = next(i for i, message in enumerate(messages) if _replacement(message) == winner)
    return [message for message in messages[start:] if _replacement(message) in (None, winner)]


def delete_session(session_id: str) -> Flow[None]:
    """Delete the session and its messages; a missing session is not an error (idempotent)."""
    info: ClientInfo = yield CLIENT_INFO
    if info.api_version != "v2":
        yield from threads.delete_session(info, session_id)
        return
    try:
        yield _api.delete_session(session_id)
    except NotFoundError:
        return


def search_memory(
    text: str,
    *,
    session_id: str | None = None,
    user_id: str | None = None,
    search_scope: str | None = None,
    search_type: str | None = None,
    mmr_lambda: float | None = None,
    min_score: float | None = None,
    metadata: Mapping[str, Any] | None = None,
    limit: int | None = None,
) -> Flow[list[m.SessionSearchResult]]:
    """Search one session (``session_id``) or all of a user's sessions (``user_id``).

    Both shapes come back as :class:`~zep_integrations.models.SessionSearchResult` with
    ``session_id`` filled in, best first. A missing session or user searches as no results, so a
    404 never reaches framework code. ``metadata`` is the filter (``record_filter`` across
    sessions).
    """
    if (session_id is None) == (user_id is None):
        raise ValueError("search_memory needs exactly one of session_id or user_id")
    info: ClientInfo = yield CLIENT_INFO
    if info.api_version != "v2":
        if metadata is not None:
            raise ValueError(
                "metadata filters exist only in the Zep v2 API; this client speaks "
                f"{info.api_version}. Remove the filter or use api_version='v2'."
            )
        if search_scope not in threads.SCOPES:
            _api._search_options(search_scope, search_type, mmr_lambda, None, None)
        return (
            yield from threads.search(
                info,
                text,
                session_id=session_id,
                user_id=user_id,
                search_scope=search_scope,
                search_type=search_type,
                mmr_lambda=mmr_lambda,
                min_score=min_score,
                limit=limit,
            )
        )
    options: dict[str, Any] = {
        "search_scope": search_scope,
        "search_type": search_type,
        "mmr_lambda": mmr_lambda,
        "min_score": min_score,
        "limit": limit,
    }
    try:
        if session_id is not None:
            hits: list[m.MemorySearchResult] = yield _api.search_memory(
                session_id, text, metadata=metadata, **options
            )
            return [
                m.SessionSearchResult(
                    session_id=session_id,
                    message=hit.message,
                    summary=hit.summary,
                    fact=hit.fact,
                    score=hit.score,
                )
                for hit in hits
            ]
        found: m.SessionSearchResponse = yield _api.search_sessions(
            text, user_id=user_id, record_filter=metadata, **options
        )
        return found.results
    except NotFoundError:
        return []


def update_message_metadata(
    session_id: str, message_uuid: str, metadata: Mapping[str, Any]
) -> Flow[None]:
    """Merge ``metadata`` into one stored message of the session (every version)."""
    info: ClientInfo = yield CLIENT_INFO
    if info.api_version != "v2":
        yield from threads.update_message_metadata(info, session_id, message_uuid, metadata)
        return
    yield _api.update_message_metadata(session_id, message_uuid, metadata)


def list_session_ids(user_id: str | None = None) -> Flow[list[str]]:
    """IDs of the user's sessions, or of every session without ``user_id``; ``[]`` if unknown.

    Oldest first. On v4 these are thread UUIDs (the only address a v4 thread has).
    """
    info: ClientInfo = yield CLIENT_INFO
    if info.api_version != "v2":
        return (yield from threads.session_ids(info, user_id))
    sessions: list[m.Session]
    if user_id is not None:
        try:
            sessions = yield _api.get_user_sessions(user_id)
        except NotFoundError:
            return []
    else:
        page: m.SessionListResponse = yield _api.list_sessions(order_by="created_at", asc=True)
        sessions = page.sessions
    # Sorted here too: Zep does not promise an order for a user's sessions. Stable, so sessions
    # created in the same instant keep the server's order.
    ordered = sorted(sessions, key=lambda session: session.created_at or "\uffff")
    return [session.session_id for session in ordered if session.session_id]


def create_user_and_thread(
    user_id: str | None = None,
    *,
    first_name: str | None = None,
    last_name: str | None = None,
    email: str | None = None,
) -> Flow[m.UserThread]:
    """Create (or find) a user and create a new thread for it; return their addresses.

    v4: the user is found by ``user_id`` (lookup) or created with it, and the returned
    ``user_id``/``session_id`` are the user and thread UUIDs: store both, they are the only way
    to address them. v2/v3: the user is created unless it exists (``user_id`` required) and the
    session/thread gets a new random id.
    """
    info: ClientInfo = yield CLIENT_INFO
    if info.api_version == "v4":
        from zep_integrations import _api_v4 as v4

        if user_id is not None:
            found = yield from threads.user_uuid(info, user_id, create=False)
            if found is None:
                created = yield v4.create_user(
                    user_id=user_id, first_name=first_name, last_name=last_name, email=email
                )
                found = created.uuid
                info.ids[("user", user_id)] = created.uuid
        else:
            created = yield v4.create_user(first_name=first_name, last_name=last_name, email=email)
            found = created.uuid
        assert found is not None
        thread = yield v4.create_thread(found)
        return m.UserThread(user_id=found, session_id=thread.uuid)
    if user_id is None:
        raise ValueError(f"create_user_and_thread needs a user_id on {info.api_version}")
    import uuid as _uuid

    session_id = _uuid.uuid4().hex
    if info.api_version == "v3":
        from zep_integrations import _api_v3 as v3

        try:
            yield v3.add_user(user_id, first_name=first_name, last_name=last_name, email=email)
        except (BadRequestError, ConflictError) as exc:
            if not _already_exists(exc):
                raise
    else:
        try:
            yield _api.add_user(user_id, first_name=first_name, last_name=last_name, email=email)
        except (BadRequestError, ConflictError) as exc:
            if not _already_exists(exc):
                raise
    yield from ensure_session(session_id, user_id)
    return m.UserThread(user_id=user_id, session_id=session_id)
