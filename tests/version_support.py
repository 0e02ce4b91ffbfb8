"""Per-version expectations for adapter tests that run on Zep v2, v3 and v4.

The adapters keep v2 shapes on every version (the ``_sessions`` seam translates), so a test body
can stay the same; what differs is the wire: the request paths, and on v4 the thread UUID that
stands for a session id. These helpers name the requests of each version and read what Zep
stored through the seam, so one assertion serves all three.
"""

from __future__ import annotations

from typing import Any

from zep_integrations import ZepClient, _sessions
from zep_integrations._sessions_threads import is_uuid


def thread_of(client: ZepClient, session: str) -> str:
    """The path segment of ``session``: itself, or on v4 the thread UUID the client resolved."""
    if client.api_version != "v4" or is_uuid(session):
        return session
    return client._info.ids[("thread", session)]


def write_kind(client: ZepClient, session: str) -> str:
    """The request that stores messages of ``session``."""
    if client.api_version == "v2":
        return f"POST sessions/{session}/memory"
    return f"POST threads/{thread_of(client, session)}/messages"


def read_kind(client: ZepClient, session: str) -> str:
    """The request that reads the window of ``session``."""
    if client.api_version == "v2":
        return f"GET sessions/{session}/memory"
    return f"GET threads/{thread_of(client, session)}/messages"


def context_kind(client: ZepClient, session: str) -> str:
    """v3/v4: the request that reads the context block of ``session``."""
    return f"GET threads/{thread_of(client, session)}/context"


def creation_kinds(client: ZepClient, *, new_user: bool) -> list[str]:
    """What creating an unknown (non-UUID) session costs, for a new or an existing user."""
    if client.api_version == "v2":
        return ["POST sessions", "POST users", "POST sessions"] if new_user else ["POST sessions"]
    if client.api_version == "v3":
        return ["POST threads", "POST users", "POST threads"] if new_user else ["POST threads"]
    lookups = ["POST threads/lookup", "POST users/lookup"]
    return [*lookups, "POST users", "POST threads"] if new_user else [*lookups, "POST threads"]


def stored(client: ZepClient, session: str) -> list[str]:
    """The contents of ``session``'s messages, read through the seam (any version)."""
    return [message.content for message in client.run(_sessions.read_messages(session)) or []]


def stored_messages(client: ZepClient, session: str) -> list[Any]:
    """``session``'s messages in the v2 shape the adapters see (any version)."""
    return list(client.run(_sessions.read_messages(session)) or [])


def owner(client: ZepClient, session: str, user: str) -> bool:
    """Whether ``session`` belongs to ``user`` on the client's version."""
    return thread_of(client, session) in client.run(_sessions.list_session_ids(user))


def user_search_kind(client: ZepClient, user: str, scope: str = "messages") -> str:
    """The one request that searches all of ``user``'s memory in ``scope``."""
    if client.api_version == "v2":
        return "POST sessions/search"
    if client.api_version == "v3":
        return "POST graph/search"
    wire_scope = {"messages": "episodes", "facts": "edges"}[scope]
    return f"POST graphs/{client._info.ids[('user', user)]}/search/{wire_scope}"
