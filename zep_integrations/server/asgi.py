"""ASGI app over the handler, and ``serve()`` running it with uvicorn."""

from __future__ import annotations

import logging
import signal
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from zep_integrations.server.handler import Request

if TYPE_CHECKING:
    from zep_integrations.server.app import ZepServer

__all__ = ["ASGIApp", "serve"]

logger = logging.getLogger("zep_integrations")

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class ASGIApp:
    """An ASGI 3 application answering with :meth:`ZepServer.handle`.

    The handler runs inline on the event loop, as in the async transport: SQLite calls are short.
    """

    def __init__(self, server: ZepServer) -> None:
        self.server = server

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one HTTP request (lifespan events are acknowledged)."""
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        limit = self.server.max_body_bytes
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            chunk = message.get("body", b"")
            if size <= limit:
                # Stop buffering once past the limit (the chunk that crosses it is kept, so the
                # handler still sees more than ``limit`` bytes and answers 413).
                chunks.append(chunk)
                size += len(chunk)
            more = message.get("more_body", False)
        raw_path = scope.get("raw_path")
        path = raw_path.decode("ascii") if raw_path else scope["path"]
        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        answer = self.server.handle(
            Request(scope["method"], path.split("?", 1)[0], tuple(query), headers, b"".join(chunks))
        )
        await send(
            {
                "type": "http.response.start",
                "status": answer.status,
                "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in answer.headers],
            }
        )
        await send({"type": "http.response.body", "body": answer.body})


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    db_path: str | Path | None = None,
    api_key: str | None = None,
    log_level: str = "info",
    *,
    deterministic: bool = False,
) -> None:
    """Serve the Zep API on ``http://host:port/api/v2`` until SIGINT/SIGTERM.

    ``deterministic=True`` uses a fixed clock and sequential UUIDs (for recording cassettes).

    Raises:
        RuntimeError: uvicorn is not installed.
    """
    try:
        import uvicorn
    except ImportError as exc:
        raise RuntimeError(
            "serving over HTTP needs uvicorn: pip install 'zep-integrations[server]'"
        ) from exc
    from zep_integrations import _config
    from zep_integrations.server.app import ZepServer

    path = Path(db_path) if db_path is not None else _config.default_db_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    if deterministic:
        from zep_integrations.server.deterministic import fixed_clock, sequential_uuids

        server = ZepServer(
            path, api_key=api_key, clock=fixed_clock(), uuid_factory=sequential_uuids()
        )
    else:
        server = ZepServer(path, api_key=api_key)
    logging.basicConfig(level=log_level.upper(), format="%(levelname)s: %(message)s")
    # Never log the key itself.
    logger.info(
        "Zep-compatible server on http://%s:%d/api/v2, data in %s%s",
        host,
        port,
        path,
        " (API key required)" if api_key else "",
    )
    # uvicorn shuts down gracefully on SIGTERM, then re-raises the signal; with the default
    # handler that kills the process before the database is closed (exit status -15). Ending
    # with SystemExit(0) instead lets `finally` close the database: a clean exit.
    previous = signal.signal(signal.SIGTERM, _exit_cleanly)
    try:
        uvicorn.run(server.asgi(), host=host, port=port, log_level=log_level)
    except KeyboardInterrupt:
        pass  # Ctrl-C, re-raised by uvicorn after its graceful shutdown
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.close()


def _exit_cleanly(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)
