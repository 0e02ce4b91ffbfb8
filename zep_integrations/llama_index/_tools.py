"""``ZepToolSpec``: Zep memory search as LlamaIndex agent tools, sync and async."""

# No ``from __future__ import annotations``: FunctionTool finds the ``ctx: Context`` parameter
# by comparing the real annotation object, and a string annotation would hide it.
from typing import Any

from llama_index.core.async_utils import asyncio_run
from llama_index.core.tools import FunctionTool
from llama_index.core.tools.tool_spec.base import SPEC_FUNCTION_TYPE, BaseToolSpec
from llama_index.core.workflow import Context

from zep_integrations import _sessions
from zep_integrations import models as m
from zep_integrations._api import Flow
from zep_integrations._clients import ClientPair
from zep_integrations.client import AsyncZepClient, ZepClient
from zep_integrations.llama_index._convert import is_deleted, message_from_zep

__all__ = ["ZepToolSpec"]

NO_SESSION = (
    "Memory search is unavailable: no Zep session is known for this conversation "
    "(give ZepToolSpec a session_id or user_id, or run the agent with a memory)."
)
NOTHING = "No matching memories."

SEARCH_DOC = (
    "Search the long-term memory of this conversation (earlier messages, also from past "
    "sessions) for `query`; returns the best matching messages, most relevant first."
)
FACTS_DOC = (
    "Recall facts learned about the user in this conversation that match `query` "
    "(preferences, names, plans); returns one fact per line."
)


class ZepToolSpec(BaseToolSpec):
    """Tools that let an agent search its Zep memory: ``search_memory`` and ``search_facts``.

    Scope, first match wins: ``session_id`` (that session), ``user_id`` (all of the user's
    sessions), else the session of the memory the running workflow holds (``ctx.store
    ["memory"]``, as ``FunctionAgent`` and ``AgentWorkflow`` keep it), found through the
    ``Context`` LlamaIndex passes to the tool. Each tool has a sync and an async function (one
    request per call); results are plain text for the model, and a missing session reads as no
    results.

    API versions: one search request per call everywhere (v2 ``POST sessions/{id}/search`` or
    ``sessions/search``; v3 ``POST graph/search``; v4 ``POST graphs/{uuid}/search/{scope}``).
    v3/v4 search the user's graph: a session search first reads the thread's owner (once per
    client; v4 also resolves a user id once), keeps only that thread's messages, and returns
    the user's facts (edges).

    Args:
        client: Sync client (its async twin is derived); default: created on first use.
        async_client: Async client.
        session_id: Search this session.
        user_id: Search all sessions of this user (when no ``session_id``).
        limit: Results per search.

    Example:
        >>> import os, tempfile
        >>> from zep_integrations import ZepClient
        >>> client = ZepClient(db_path=os.path.join(tempfile.mkdtemp(), "z.db"))
        >>> _ = client.add_memory("s1", [{"role_type": "user", "content": "I love hiking"}])
        >>> tools = ZepToolSpec(client=client, session_id="s1").to_tool_list()
        >>> [tool.metadata.name for tool in tools]
        ['search_memory', 'search_facts']
        >>> print(tools[0].call(query="hiking").content)
        - user: I love hiking
    """

    # BaseToolSpec declares this as a plain class attribute; to_tool_list() below builds the tools.
    spec_functions: list[SPEC_FUNCTION_TYPE] = [  # noqa: RUF012
        ("search_memory", "asearch_memory"),
        ("search_facts", "asearch_facts"),
    ]

    def __init__(
        self,
        client: ZepClient | None = None,
        *,
        async_client: AsyncZepClient | None = None,
        session_id: str | None = None,
        user_id: str | None = None,
        limit: int = 5,
    ) -> None:
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
            raise ValueError(f"limit must be a positive int, got {limit!r}")
        for name, value in (("session_id", session_id), ("user_id", user_id)):
            if value is not None and (not isinstance(value, str) or not value):
                raise ValueError(f"{name} must be a non-empty string or None, got {value!r}")
        self.session_id = session_id
        self.user_id = user_id
        self.limit = limit
        self._clients = ClientPair(client, async_client)

    # -- flows --------------------------------------------------------------------------------

    def _flow(self, query: str, scope: str, session_id: str | None) -> Flow[str]:
        if not isinstance(query, str) or not query.strip():
            return "Give a non-empty query to search memory."
        user_id = None if session_id is not None else self.user_id
        if session_id is None and user_id is None:
            return NO_SESSION
        results = yield from _sessions.search_memory(
            query, session_id=session_id, user_id=user_id, search_scope=scope, limit=self.limit
        )
        lines = [line for result in results if (line := _line(result))]
        return "\n".join(lines[: self.limit]) or NOTHING

    def _fixed(self) -> bool:
        return self.session_id is not None or self.user_id is not None

    # -- with a fixed scope ---------------------------------------------------------------------

    def search_memory(self, query: str) -> str:
        """Search earlier messages."""
        return self._clients.sync.run(self._flow(query, "messages", self.session_id))

    async def asearch_memory(self, query: str) -> str:
        """Async :meth:`search_memory`."""
        return await self._clients.asynchronous.run(self._flow(query, "messages", self.session_id))

    def search_facts(self, query: str) -> str:
        """Recall facts."""
        return self._clients.sync.run(self._flow(query, "facts", self.session_id))

    async def asearch_facts(self, query: str) -> str:
        """Async :meth:`search_facts`."""
        return await self._clients.asynchronous.run(self._flow(query, "facts", self.session_id))

    # -- with the session of the running workflow ----------------------------------------------

    def search_memory_in(self, ctx: Context, query: str) -> str:
        """Search earlier messages of the workflow's session."""
        return self._clients.sync.run(self._flow(query, "messages", _sync_session(ctx)))

    async def asearch_memory_in(self, ctx: Context, query: str) -> str:
        """Async :meth:`search_memory_in`."""
        session = await _session_of(ctx)
        return await self._clients.asynchronous.run(self._flow(query, "messages", session))

    def search_facts_in(self, ctx: Context, query: str) -> str:
        """Recall facts of the workflow's session."""
        return self._clients.sync.run(self._flow(query, "facts", _sync_session(ctx)))

    async def asearch_facts_in(self, ctx: Context, query: str) -> str:
        """Async :meth:`search_facts_in`."""
        session = await _session_of(ctx)
        return await self._clients.asynchronous.run(self._flow(query, "facts", session))

    def to_tool_list(self, *args: Any, **kwargs: Any) -> list[FunctionTool]:
        """``search_memory`` and ``search_facts``, each with a sync and an async function.

        Without a fixed ``session_id``/``user_id`` the tools take the workflow ``Context``
        (LlamaIndex injects it; it is not part of the schema the model sees).
        """
        if args or kwargs:
            raise TypeError("ZepToolSpec.to_tool_list() takes no arguments")
        suffix = "" if self._fixed() else "_in"
        return [
            FunctionTool.from_defaults(
                fn=getattr(self, f"{name}{suffix}"),
                async_fn=getattr(self, f"a{name}{suffix}"),
                name=name,
                description=doc,
            )
            for name, doc in (("search_memory", SEARCH_DOC), ("search_facts", FACTS_DOC))
        ]


async def _session_of(ctx: Context) -> str | None:
    memory = await ctx.store.get("memory", default=None)
    session = getattr(memory, "session_id", None)
    return session if isinstance(session, str) and session else None


def _sync_session(ctx: Context) -> str | None:
    # The workflow state store is async-only; a sync tool call reads it on a private loop.
    session: str | None = asyncio_run(_session_of(ctx))
    return session


def _line(result: m.SessionSearchResult) -> str | None:
    if result.message is not None:
        if is_deleted(result.message):
            return None
        role = message_from_zep(result.message).role.value
        return f"- {role}: {result.message.content}"
    if result.fact is not None and result.fact.text:
        return f"- {result.fact.text}"
    if result.summary is not None and result.summary.content:
        return f"- summary: {result.summary.content}"
    return None
