"""Drop-in long-term memory for LangChain and LlamaIndex, backed by Zep.

``ZepClient`` / ``AsyncZepClient`` speak the Zep memory API v2. With no Zep Cloud key or URL
configured they talk to an embedded Zep-compatible server on a local SQLite file, so everything
works offline. The framework adapters live in :mod:`zep_integrations.langchain` (extra
``[langchain]``) and :mod:`zep_integrations.llama_index` (extra ``[llama-index]``); this module
imports neither framework.
"""

from zep_integrations._version import __version__
from zep_integrations.client import AsyncZepClient, ZepClient
from zep_integrations.errors import (
    AuthenticationError,
    BadRequestError,
    ConflictError,
    NotFoundError,
    PartialWriteError,
    PayloadTooLargeError,
    RateLimitError,
    ServerError,
    ZepAPIError,
    ZepConnectionError,
    ZepDataWarning,
    ZepError,
    ZepTimeoutError,
)
from zep_integrations.models import Document, Fact, Memory, Message, Session, Summary, User

__all__ = [
    "AsyncZepClient",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "Document",
    "Fact",
    "Memory",
    "Message",
    "NotFoundError",
    "PartialWriteError",
    "PayloadTooLargeError",
    "RateLimitError",
    "ServerError",
    "Session",
    "Summary",
    "User",
    "ZepAPIError",
    "ZepClient",
    "ZepConnectionError",
    "ZepDataWarning",
    "ZepError",
    "ZepTimeoutError",
    "__version__",
]
