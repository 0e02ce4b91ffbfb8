"""``create_zep_search_tool``: a LangChain tool the model calls to search the user's Zep memory."""

from __future__ import annotations

from typing import Any, Literal

from langchain_core.documents import Document
from langchain_core.tools import StructuredTool
from pydantic import BaseModel, Field, create_model

from zep_integrations import _sessions
from zep_integrations._api import Flow
from zep_integrations._clients import ClientPair
from zep_integrations.client import AsyncZepClient, ZepClient
from zep_integrations.errors import ZepError
from zep_integrations.langchain._agents import ToolRuntime
from zep_integrations.langchain._identity import (
    IdentitySource,
    check_identity,
    resolve_session,
    resolve_user,
)
from zep_integrations.langchain._retriever import _document

__all__ = ["DEFAULT_SEARCH_DESCRIPTION", "create_zep_search_tool"]

Scope = Literal["facts", "messages", "summary"]

DEFAULT_SEARCH_DESCRIPTION = (
    "Search what you remember about the user from earlier conversations. Use it when the user "
    "refers to something said before or asks what you know about them. scope: 'facts' "
    "(default, things learned about the user), 'messages' (what was said) or 'summary'."
)


def _schema(default_scope: Scope, default_limit: int, max_limit: int) -> type[BaseModel]:
    # Built per tool so the defaults the model sees are this tool's.
    return create_model(
        "SearchMemoryInput",
        __doc__="Arguments of the memory search tool.",
        query=(str, Field(description="What to look for, in a few words.")),
        scope=(Scope, Field(default=default_scope, description="facts, messages or summary.")),
        limit=(int, Field(default=default_limit, ge=1, le=max_limit, description="Most results.")),
    )


def _format(docs: list[Document]) -> str:
    if not docs:
        return "No memories found."
    lines = []
    for number, doc in enumerate(docs, 1):
        when = doc.metadata.get("created_at")
        who = doc.metadata.get("role_type")
        prefix = f"[{who}] " if who else ""
        suffix = f" ({when})" if when else ""
        lines.append(f"{number}. {prefix}{doc.page_content}{suffix}")
    return "\n".join(lines)


def create_zep_search_tool(
    client: ZepClient | None = None,
    *,
    async_client: AsyncZepClient | None = None,
    name: str = "search_memory",
    description: str = DEFAULT_SEARCH_DESCRIPTION,
    scope: Scope = "facts",
    limit: int = 5,
    max_limit: int = 20,
    session_id: IdentitySource = None,
    user_id: IdentitySource = None,
) -> StructuredTool:
    """A tool that searches the current user's Zep memory (facts, messages or summaries).

    Identity comes from the tool runtime on every call, so one tool serves every user: with a
    user (``context.user_id``, the LangGraph Server user, ``configurable.user_id``, or
    ``user_id=``) it searches all of that user's sessions, otherwise the current session (the
    thread id, or ``session_id=``). Both can be fixed strings or functions of the
    ``ToolRuntime``. One call is one Zep search request on every API version (v2
    ``POST sessions/search`` or ``sessions/{id}/search``; v3 ``POST graph/search``; v4
    ``POST graphs/{uuid}/search/{scope}``), plus, once per client, the v4 lookup of a user id
    and the v3/v4 read of a session's owner. On v3/v4 the scopes map to the graph's edges
    (facts), episodes (messages) and thread summaries, over the user's whole graph; a session
    search keeps only that thread's messages.

    The model gets numbered text; the caller gets the results as an artifact (a list of
    :class:`~langchain_core.documents.Document`, like :class:`ZepRetriever` returns) on the
    ``ToolMessage``. A Zep failure or a missing identity comes back as text the model can read,
    never as an exception. ``invoke`` and ``ainvoke`` both work (the async one is really async).

    Args:
        client: Sync client; also the source of the async client.
        async_client: Async client; with neither, both come from the environment.
        name: Tool name the model sees.
        description: Tool description the model sees.
        scope: Default scope: ``"facts"``, ``"messages"`` or ``"summary"``.
        limit: Default number of results.
        max_limit: Largest ``limit`` the model may ask for.
        session_id: Fixed session id, or a function of the ``ToolRuntime``.
        user_id: Fixed user id, or a function of the ``ToolRuntime``.

    Returns:
        A ``StructuredTool`` with ``response_format="content_and_artifact"``.

    Example:
        >>> import os, tempfile
        >>> from langchain_core.messages import HumanMessage
        >>> from zep_integrations import ZepClient
        >>> from zep_integrations.langchain import ZepChatMessageHistory
        >>> client = ZepClient(db_path=os.path.join(tempfile.mkdtemp(), "zep.db"))
        >>> ZepChatMessageHistory("s1", user_id="jane", client=client).add_messages(
        ...     [HumanMessage("I love hiking in the Alps")]
        ... )
        >>> tool = create_zep_search_tool(client, scope="messages")
        >>> print(tool.invoke({"query": "hiking"}, {"configurable": {"user_id": "jane"}}))
        1. [user] I love hiking in the Alps ...
    """
    check_identity(session_id, "session_id")
    check_identity(user_id, "user_id")
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= max_limit:
        raise ValueError(f"limit must be an int from 1 to max_limit ({max_limit}), got {limit!r}")
    clients = ClientPair(client, async_client)

    def plan(runtime: Any) -> tuple[str | None, str | None]:
        user = resolve_user(user_id, runtime)
        session = None if user is not None else resolve_session(session_id, runtime)
        return user, session

    def search(
        query: str, scope: Scope, limit: int, user: str | None, session: str | None
    ) -> Flow[list[Document]]:
        hits = yield from _sessions.search_memory(
            query, user_id=user, session_id=session, search_scope=scope, limit=limit
        )
        docs = [doc for doc in map(_document, hits) if doc is not None]
        return docs[:limit]

    def failed(exc: ZepError) -> tuple[str, list[Document]]:
        return f"Memory search failed ({type(exc).__name__}: {exc}); answer without it.", []

    missing = "Memory search is unavailable: no user or session is known for this conversation."

    # ``runtime`` is annotated exactly ``ToolRuntime`` (not Optional): LangGraph injects it by
    # that annotation, and langchain-core drops an injected argument it does not recognise. It
    # is None when the tool is invoked outside an agent; identity then comes from the config.
    def run(
        query: str,
        scope: Scope = scope,
        limit: int = limit,
        runtime: ToolRuntime = None,  # type: ignore[assignment]
    ) -> tuple[str, list[Document]]:
        user, session = plan(runtime)
        if user is None and session is None:
            return missing, []
        try:
            docs = clients.sync.run(search(query, scope, limit, user, session))
        except ZepError as exc:
            return failed(exc)
        return _format(docs), docs

    async def arun(
        query: str,
        scope: Scope = scope,
        limit: int = limit,
        runtime: ToolRuntime = None,  # type: ignore[assignment]
    ) -> tuple[str, list[Document]]:
        user, session = plan(runtime)
        if user is None and session is None:
            return missing, []
        try:
            docs = await clients.asynchronous.run(search(query, scope, limit, user, session))
        except ZepError as exc:
            return failed(exc)
        return _format(docs), docs

    return StructuredTool.from_function(
        func=run,
        coroutine=arun,
        name=name,
        description=description,
        args_schema=_schema(scope, limit, max_limit),
        response_format="content_and_artifact",
    )
