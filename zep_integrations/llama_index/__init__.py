"""LlamaIndex adapters for Zep (extra ``[llama-index]``).

* :class:`ZepChatStore` - a ``BaseChatStore`` whose keys are Zep sessions.
* :class:`ZepMemory` - a ``BaseMemory`` for chat engines and agents: recent window + Zep context.
* :class:`ZepMemoryBlock` - a block for ``llama_index.core.memory.Memory``.
* :class:`ZepRetriever` - a ``BaseRetriever`` over session or user memory search.

The pure message converters live in :mod:`zep_integrations.llama_index._convert`.
"""

from __future__ import annotations

try:
    import llama_index.core  # noqa: F401
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        "zep_integrations.llama_index needs LlamaIndex: pip install 'zep-integrations[llama-index]'"
    ) from exc

from zep_integrations.llama_index._chat_store import ZepChatStore
from zep_integrations.llama_index._convert import message_from_zep, message_to_zep
from zep_integrations.llama_index._memory import ZepMemory, ZepMemoryBlock
from zep_integrations.llama_index._retriever import ZepRetriever

__all__ = [
    "ZepChatStore",
    "ZepMemory",
    "ZepMemoryBlock",
    "ZepRetriever",
    "message_from_zep",
    "message_to_zep",
]
