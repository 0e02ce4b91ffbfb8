"""What one agent turn sends to Zep, as pure selection functions and sans-IO flows.

:class:`~zep_integrations.langchain.ZepMemoryMiddleware` decides *which* messages are new here
(by message id, never by position, so a history rewritten by ``SummarizationMiddleware`` or a run
resumed after an interrupt cannot lose or repeat one) and runs the flows below with the sync or
the async client. All I/O goes through :mod:`zep_integrations._sessions`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from zep_integrations import _sessions
from zep_integrations import models as m
from zep_integrations._api import Flow
from zep_integrations.errors import NotFoundError
from zep_integrations.langchain._convert import (
    content_text,
    drop_orphan_tool_messages,
    messages_from_zep,
    messages_to_zep,
)

__all__ = ["TurnStart", "finish_turn", "is_summary", "start_turn", "unsaved"]

SUMMARY_SOURCE = "summarization"
"""``additional_kwargs["lc_source"]`` of the summary message ``SummarizationMiddleware`` writes."""


def is_summary(message: BaseMessage) -> bool:
    """Whether ``message`` is a summary ``SummarizationMiddleware`` put in place of history.

    Its content restates messages Zep already has, so it is never saved.
    """
    return message.additional_kwargs.get("lc_source") == SUMMARY_SOURCE


def _eligible(message: BaseMessage, save_tool_messages: bool) -> bool:
    if is_summary(message):
        return False
    if isinstance(message, HumanMessage):
        return True
    if isinstance(message, AIMessage):
        # An AI message that only calls tools means nothing without the tool results.
        return save_tool_messages or bool(content_text(message.content).strip())
    if isinstance(message, ToolMessage):
        return save_tool_messages
    return False


def unsaved(
    messages: Iterable[BaseMessage], saved: Iterable[str], *, save_tool_messages: bool
) -> list[BaseMessage]:
    """The messages to save: eligible ones whose id is not among ``saved``, in order."""
    done = set(saved)
    return [
        msg
        for msg in messages
        if (msg.id is None or msg.id not in done) and _eligible(msg, save_tool_messages)
    ]


def still_saved(
    messages: Iterable[BaseMessage], saved: Iterable[str], sent: Iterable[str]
) -> list[str]:
    """The saved ids still present in ``messages``, in message order.

    Ids of messages that left the state (summarized away) can never come back, so dropping them
    keeps the private bookkeeping as small as the thread.
    """
    done = set(saved) | set(sent)
    return [msg.id for msg in messages if msg.id is not None and msg.id in done]


@dataclass
class TurnStart:
    """What :func:`start_turn` learned: Zep's context, loaded history, the ids it saved."""

    context: str | None = None
    history: list[BaseMessage] = field(default_factory=list)
    sent: list[str] = field(default_factory=list)
    thread: str | None = None
    """v4: the thread UUID of the session (to keep with the thread's state); else ``None``."""


def _save(
    session_id: str,
    messages: Sequence[BaseMessage],
    *,
    user_id: str | None,
    session_known: bool,
    return_context: bool,
    max_content_chars: int | None,
) -> Flow[str | None]:
    payload = messages_to_zep(messages, max_content_chars=max_content_chars)
    try:
        response = yield from _sessions.write_messages(
            session_id,
            payload,
            user_id=user_id,
            session_known=session_known,
            return_context=return_context or None,
        )
    except NotFoundError:
        if not session_known:
            raise
        # The session was deleted since this thread last wrote to it: create it again, once.
        response = yield from _sessions.write_messages(
            session_id, payload, user_id=user_id, return_context=return_context or None
        )
    return response.context


def start_turn(
    session_id: str,
    pending: Sequence[BaseMessage],
    *,
    user_id: str | None,
    session_known: bool,
    load_history: int | None,
    fetch_context: bool,
    max_content_chars: int | None,
    thread: str | None = None,
) -> Flow[TurnStart]:
    """Save ``pending`` and fetch the context in one request; load history first if asked.

    Requests: one write with ``return_context`` when there is something to save (v2
    ``POST sessions/{id}/memory``, v3/v4 ``POST threads/{id}/messages``; plus the session's
    creation when it is not known to exist), else one memory read when the context is wanted
    (v2 one ``GET .../memory``; v3/v4 the window and ``GET threads/{id}/context``, unless this
    client's last write returned it). ``load_history`` adds one window read (v2
    ``GET .../memory?lastn=N``, v3/v4 ``GET threads/{id}/messages``), which also proves the
    session exists.
    """
    start = TurnStart()
    # v4: the thread UUID an earlier turn of this LangGraph thread resolved (checkpointed), so
    # another process reaches the same Zep thread for a session id that is not a UUID.
    yield from _sessions.thread_address(session_id, thread)
    if load_history:
        window: list[m.Message] | None
        if pending or not fetch_context:
            # The save below returns the context: read only the window (on v3/v4 the memory
            # read would cost a second request for a context the save brings anyway).
            window = yield from _sessions.read_messages(session_id, lastn=load_history)
        else:
            memory = yield from _sessions.read_memory(session_id, lastn=load_history)
            window = None if memory is None else (memory.messages or [])
            start.context = None if memory is None else memory.context
        if window is not None:
            start.history = drop_orphan_tool_messages(messages_from_zep(window))
            # Zep CE answers an unknown session with an empty window, so only messages prove it.
            session_known = session_known or bool(window)
    if pending:
        context = yield from _save(
            session_id,
            pending,
            user_id=user_id,
            session_known=session_known,
            return_context=fetch_context,
            max_content_chars=max_content_chars,
        )
        if fetch_context:
            start.context = context
        start.sent = [msg.id for msg in pending if msg.id is not None]
    elif fetch_context and not load_history:
        memory = yield from _sessions.read_memory(session_id, lastn=1)
        start.context = memory.context if memory is not None else None
    start.thread = yield from _sessions.thread_address(session_id)
    return start


def finish_turn(
    session_id: str,
    pending: Sequence[BaseMessage],
    *,
    user_id: str | None,
    session_known: bool,
    max_content_chars: int | None,
    thread: str | None = None,
) -> Flow[list[str]]:
    """Save the turn's remaining messages (one request per 30); return the ids saved."""
    yield from _sessions.thread_address(session_id, thread)
    if pending:
        yield from _save(
            session_id,
            pending,
            user_id=user_id,
            session_known=session_known,
            return_context=False,
            max_content_chars=max_content_chars,
        )
    return [msg.id for msg in pending if msg.id is not None]
