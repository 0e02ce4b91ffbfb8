"""The ``langchain.agents`` names the agent adapters use, with a clear error when it is missing.

``langchain`` 1.5 (and the LangGraph it brings) needs Python 3.11; the chat history and the
retriever need only ``langchain-core``, so only the agent adapters import this module.
"""

from __future__ import annotations

import sys

try:
    from langchain.agents.middleware import (
        AgentMiddleware,
        AgentState,
        ModelCallResult,
        ModelRequest,
        ModelResponse,
    )
    from langchain.agents.middleware.types import PrivateStateAttr
    from langgraph.config import get_config
    from langgraph.graph.message import REMOVE_ALL_MESSAGES
    from langgraph.prebuilt import ToolRuntime
    from langgraph.runtime import Runtime
    from langgraph.store.base import (
        BaseStore,
        GetOp,
        Item,
        ListNamespacesOp,
        Op,
        PutOp,
        Result,
        SearchItem,
        SearchOp,
        validate_op_namespace,
    )
    from langgraph.store.memory import _compare_values as compare_values
except ImportError as exc:
    raise ImportError(
        "ZepMemoryMiddleware, create_zep_search_tool and ZepStore need langchain>=1.5 and "
        "langgraph (Python 3.11+): pip install 'zep-integrations[langchain]'"
        f" (running Python {sys.version_info.major}.{sys.version_info.minor}; {exc})"
    ) from exc

__all__ = [
    "REMOVE_ALL_MESSAGES",
    "AgentMiddleware",
    "AgentState",
    "BaseStore",
    "GetOp",
    "Item",
    "ListNamespacesOp",
    "ModelCallResult",
    "ModelRequest",
    "ModelResponse",
    "Op",
    "PrivateStateAttr",
    "PutOp",
    "Result",
    "Runtime",
    "SearchItem",
    "SearchOp",
    "ToolRuntime",
    "compare_values",
    "get_config",
    "validate_op_namespace",
]
