"""Sans-IO flows behind the LlamaIndex adapters, run by ``client.run`` or ``await aclient.run``.

Each flow is written once and driven by either client, so the sync and async methods of the
adapters share one implementation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from zep_integrations import _sessions
from zep_integrations import models as m
from zep_integrations._api import CLIENT_INFO, ClientInfo, Flow
from zep_integrations.errors import NotFoundError
from zep_integrations.llama_index._convert import DELETED_KEY, is_deleted


def write(
    session_id: str,
    messages: Sequence[Mapping[str, Any]],
    *,
    user_id: str | None,
    session_known: bool,
    return_context: bool | None = None,
) -> Flow[m.AddMemoryResponse]:
    """Write messages, creating the session only when it is needed.

    v2, without a ``user_id``: the write goes out directly: ``POST .../memory`` creates a
    missing session (section 5), and a server that answers 404 instead gets the session created
    and the write repeated (a 404 means nothing was stored). With a ``user_id`` an unknown
    session is created first so that it belongs to the user. v3/v4 never create a thread on
    write (and every thread has a user), so an unknown session is always created first.
    """
    info: ClientInfo = yield CLIENT_INFO
    if session_known or (user_id is None and info.api_version == "v2"):
        try:
            return (
                yield from _sessions.write_messages(
                    session_id, messages, session_known=True, return_context=return_context
                )
            )
        except NotFoundError:
            pass
    return (
        yield from _sessions.write_messages(
            session_id, messages, user_id=user_id, return_context=return_context
        )
    )


def live_messages(session_id: str) -> Flow[list[m.Message] | None]:
    """All messages of the session not deleted by the chat store; ``None`` if it is missing."""
    messages = yield from _sessions.read_messages(session_id)
    if messages is None:
        return None
    return [message for message in messages if not is_deleted(message)]


def delete_at(session_id: str, index: int) -> Flow[m.Message | None]:
    """Tombstone the ``index``-th live message (Python indexing); ``None`` if there is none.

    Costs two requests: a read of the whole session and one metadata ``PATCH``.
    """
    messages = yield from live_messages(session_id)
    if not messages or not -len(messages) <= index < len(messages):
        return None
    target = messages[index]
    if target.uuid is None:
        raise ValueError(f"Zep returned a message without a uuid in session {session_id!r}")
    yield from _sessions.update_message_metadata(session_id, target.uuid, {DELETED_KEY: True})
    return target


def delete_all(session_id: str) -> Flow[list[m.Message] | None]:
    """Delete the session, returning its live messages (``None`` when it did not exist)."""
    messages = yield from live_messages(session_id)
    if messages is None:
        return None
    yield from _sessions.delete_session(session_id)
    return messages


def replace(
    session_id: str,
    messages: Sequence[Mapping[str, Any]],
    *,
    user_id: str | None,
    session_known: bool = False,
) -> Flow[None]:
    """Replace the session's messages without ever losing the old ones on failure.

    See :func:`zep_integrations._sessions.replace_messages`: the new messages are appended and
    the old ones retired, at 0..3 + ceil(n/30) calls; an empty list deletes the session.
    """
    yield from _sessions.replace_messages(
        session_id, messages, user_id=user_id, session_known=session_known
    )


def session_ids(user_id: str | None) -> Flow[list[str]]:
    """IDs of the user's sessions, or of every session when ``user_id`` is ``None``.

    Oldest first (insertion order), as LlamaIndex's own chat stores list their keys.
    """
    return (yield from _sessions.list_session_ids(user_id))
