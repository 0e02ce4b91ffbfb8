"""LangChain adapters: Zep-backed chat message history and retriever (extra ``[langchain]``).

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

from zep_integrations.langchain._convert import (
    content_text,
    message_from_zep,
    message_to_zep,
    messages_from_zep,
    messages_to_zep,
)
from zep_integrations.langchain._history import ZepChatMessageHistory
from zep_integrations.langchain._retriever import ZepRetriever

__all__ = [
    "ZepChatMessageHistory",
    "ZepRetriever",
    "content_text",
    "message_from_zep",
    "message_to_zep",
    "messages_from_zep",
    "messages_to_zep",
]
