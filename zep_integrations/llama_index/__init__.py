"""LlamaIndex adapters for Zep (extra ``[llama-index]``).

* :class:`ZepChatStore` - a ``BaseChatStore`` whose keys are Zep sessions.
* :class:`ZepMemory` - a ``BaseMemory`` for chat engines and agents: recent window + Zep context.
* :func:`zep_memory` - a ``llama_index.core.memory.Memory`` wired to Zep (returns
  :class:`ZepAgentMemory`): every message reaches Zep, Zep's context reaches the prompt.
* :class:`ZepMirrorChatStore` - an ``AsyncDBChatStore`` for ``Memory`` that mirrors to Zep.
* :class:`ZepMemoryBlock` - a block for ``llama_index.core.memory.Memory``.
* :class:`ZepToolSpec` - memory search tools for agents.
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

from zep_integrations.llama_index._block import ZepMemoryBlock
from zep_integrations.llama_index._chat_store import ZepChatStore
from zep_integrations.llama_index._convert import message_from_zep, message_to_zep
from zep_integrations.llama_index._db_chat_store import ZepMirrorChatStore
from zep_integrations.llama_index._factory import ZepAgentMemory, zep_memory
from zep_integrations.llama_index._memory import ZepMemory
from zep_integrations.llama_index._retriever import ZepRetriever
from zep_integrations.llama_index._tools import ZepToolSpec

__all__ = [
    "ZepAgentMemory",
    "ZepChatStore",
    "ZepMemory",
    "ZepMemoryBlock",
    "ZepMirrorChatStore",
    "ZepRetriever",
    "ZepToolSpec",
    "message_from_zep",
    "message_to_zep",
    "zep_memory",
]
