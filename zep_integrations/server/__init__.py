"""The embedded Zep-compatible server: SQLite storage, FTS5 search, one request handler.

``embedded_server(path)`` is what :class:`~zep_integrations.ZepClient` uses when no Zep URL or key
is configured; ``zep-integrations serve`` exposes the same server over HTTP for the official SDKs.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from zep_integrations.server.app import ZepServer
from zep_integrations.server.knowledge import GraphIntelligence, LocalGraphIntelligence
from zep_integrations.server.memory import LocalIntelligence, MemoryIntelligence

__all__ = [
    "GraphIntelligence",
    "LocalGraphIntelligence",
    "LocalIntelligence",
    "MemoryIntelligence",
    "ZepServer",
    "embedded_server",
]

logger = logging.getLogger("zep_integrations")

_servers: dict[Path, ZepServer] = {}
_servers_lock = threading.Lock()


def embedded_server(db_path: Path) -> ZepServer:
    """The process-wide server for ``db_path`` (one per resolved path), created on first use."""
    path = Path(db_path).expanduser().resolve()
    with _servers_lock:
        server = _servers.get(path)
        if server is None:
            path.parent.mkdir(parents=True, exist_ok=True)
            server = ZepServer(path)
            _servers[path] = server
            logger.info("Zep memory is stored locally in %s", path)
        return server
