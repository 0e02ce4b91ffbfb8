"""LangChain adapters backed by Zep (extra ``[langchain]``).

* :class:`ZepMemoryMiddleware`: Zep memory for any ``langchain.agents.create_agent`` agent.
* :func:`create_zep_search_tool`: a tool the model calls to search the user's memory.
* :class:`ZepStore`: a LangGraph ``BaseStore`` (``create_agent(store=...)``, langmem).
* :class:`ZepChatMessageHistory`: a ``BaseChatMessageHistory`` for ``RunnableWithMessageHistory``.
* :class:`ZepRetriever`: a ``BaseRetriever`` over one session's or one user's memory.
* :func:`message_to_zep` / :func:`message_from_zep`: the pure, lossless message converters.

Without a client argument they talk to ``ZepClient()`` / ``AsyncZepClient()``: Zep Cloud when
``ZEP_API_KEY`` is set, a server at ``ZEP_API_URL``, else the embedded offline server.
"""

from __future__ import annotations

try:
    import langchain_core  # noqa: F401
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        "zep_integrations.langchain needs langchain-core: pip install 'zep-integrations[langchain]'"
    ) from exc

from typing import TYPE_CHECKING, Any

from zep_integrations.langchain._convert import (
    content_text,
    message_from_zep,
    message_to_zep,
    messages_from_zep,
    messages_to_zep,
)
from zep_integrations.langchain._history import ZepChatMessageHistory
from zep_integrations.langchain._retriever import ZepRetriever

if TYPE_CHECKING:
    from zep_integrations.langchain._middleware import (
        DEFAULT_CONTEXT_TEMPLATE,
        ZepMemoryMiddleware,
        ZepMemoryState,
    )
    from zep_integrations.langchain._search_tool import create_zep_search_tool
    from zep_integrations.langchain._store import ZepStore

# The agent adapters need langchain>=1.5 (Python 3.11+); import them on first use so the chat
# history and the retriever keep working with langchain-core alone.
_LAZY = {
    "DEFAULT_CONTEXT_TEMPLATE": "_middleware",
    "ZepMemoryMiddleware": "_middleware",
    "ZepMemoryState": "_middleware",
    "create_zep_search_tool": "_search_tool",
    "ZepStore": "_store",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


__all__ = [
    "DEFAULT_CONTEXT_TEMPLATE",
    "ZepChatMessageHistory",
    "ZepMemoryMiddleware",
    "ZepMemoryState",
    "ZepRetriever",
    "ZepStore",
    "content_text",
    "create_zep_search_tool",
    "message_from_zep",
    "message_to_zep",
    "messages_from_zep",
    "messages_to_zep",
]
