"""ASGI app over the handler, and ``serve()`` running it with uvicorn."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from zep_integrations.server.guard import Guard, is_loopback
from zep_integrations.server.handler import Request

if TYPE_CHECKING:
    from zep_integrations.server.app import ZepServer

__all__ = ["ASGIApp", "check_auth_choice", "serve"]

logger = logging.getLogger("zep_integrations")

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


DEFAULT_WORKERS = 8
"""Requests answered at once; more wait their turn (the write lock serialises writes anyway)."""


class ASGIApp:
    """An ASGI 3 application answering with :meth:`ZepServer.handle` on a pool of worker threads.

    Threads, not the event loop: the handler is blocking code, and most of its time is spent in
    SQLite's C code, which releases the GIL. Run inline, one heavy request (a big batch write, a
    search over a large collection) held up every other client, ``/healthz`` included. On a
    bounded pool the loop stays free to accept and answer, reads run beside writes (each thread
    reads on its own pooled connection; WAL allows concurrent readers) and ``/healthz`` is
    answered on the loop itself. Not ``asyncio.to_thread``: its default executor is shared and
    sized by CPU count, where this pool's size is the server's own bound on concurrent work.

    Args:
        server: The server to answer with.
        guard: The Host, Origin and content-type checks (see :mod:`.guard`); ``None`` skips them.
        workers: Size of the worker-thread pool.
    """

    def __init__(
        self, server: ZepServer, guard: Guard | None = None, workers: int = DEFAULT_WORKERS
    ) -> None:
        self.server = server
        self.guard = guard
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="zep-handler")

    def close(self) -> None:
        """Wait for requests in flight and stop the worker threads."""
        self._pool.shutdown(wait=True)

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
        request = Request(
            scope["method"], path.split("?", 1)[0], tuple(query), headers, b"".join(chunks)
        )
        answer = self.guard.check(request) if self.guard is not None else None
        if answer is None:
            if request.raw_path.rstrip("/") == "/healthz":
                answer = self.server.handle(request)  # touches no storage: answer on the loop
            else:
                loop = asyncio.get_running_loop()
                answer = await loop.run_in_executor(self._pool, self.server.handle, request)
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
    no_auth: bool = False,
    allowed_hosts: Sequence[str] = (),
    allowed_origins: Sequence[str] = (),
) -> None:
    """Serve the Zep API on ``http://host:port/api/v2`` until SIGINT/SIGTERM.

    Args:
        host: The interface to bind.
        port: The port.
        db_path: The SQLite file (default: the data directory's).
        api_key: Require ``Authorization: Api-Key <api_key>``; see :func:`check_auth_choice`.
        log_level: uvicorn's log level.
        deterministic: A fixed clock and sequential UUIDs (for recording cassettes).
        no_auth: Serve without a key on a non-loopback address (an explicit choice).
        allowed_hosts: More ``Host`` names to answer to (see :mod:`.guard`).
        allowed_origins: Browser origins allowed to call (see :mod:`.guard`).

    Raises:
        ValueError: the key/``no_auth`` combination is refused (see :func:`check_auth_choice`).
        RuntimeError: uvicorn is not installed, or the database is of a newer schema.
    """
    check_auth_choice(host, api_key, no_auth)
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
    if api_key is None:
        # Loud on purpose, whatever the log level: running without a key must be visible.
        logger.warning(
            "NO AUTHENTICATION: any program that can reach %s:%d can read and change all memory "
            "in %s. Pass --api-key KEY (or set ZEP_SERVER_API_KEY) to require a key.%s",
            host,
            port,
            path,
            "" if no_auth else " Only loopback is bound, so only this machine can connect.",
        )
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
    app = ASGIApp(server, Guard.for_bind(host, port, allowed_hosts, allowed_origins))
    # A Python-heavy request (MMR, cosine over many documents) holds the GIL between SQLite
    # calls; the default 5 ms switch interval lets it keep the event loop and short requests
    # waiting several slices each. 1 ms hands the GIL over sooner: short requests stay short.
    sys.setswitchinterval(0.001)
    previous = signal.signal(signal.SIGTERM, _exit_cleanly)
    try:
        uvicorn.run(app, host=host, port=port, log_level=log_level)
    except KeyboardInterrupt:
        pass  # Ctrl-C, re-raised by uvicorn after its graceful shutdown
    finally:
        signal.signal(signal.SIGTERM, previous)
        app.close()
        server.close()


def check_auth_choice(host: str, api_key: str | None, no_auth: bool) -> None:
    """Refuse a configuration where running without a key would not be an explicit choice.

    * An empty key is refused: ``--api-key "$ZEP_SERVER_API_KEY"`` with the variable unset
      used to start a server with no authentication, silently.
    * Without a key, a loopback address is served (the default, so ``zep-integrations serve``
      just works for local development) with a loud warning in the log; any other address
      needs ``no_auth=True`` (``--no-auth``), because there the whole network can connect.
    * A key together with ``no_auth`` is a contradiction and is refused.

    Raises:
        ValueError: the combination is refused; the message says what to pass instead.
    """
    if api_key is not None and not api_key.strip():
        raise ValueError(
            "the API key is empty; pass a non-empty --api-key (or ZEP_SERVER_API_KEY), "
            "or omit it to serve without authentication"
        )
    if api_key is not None and no_auth:
        raise ValueError("--no-auth and an API key contradict each other; pass only one")
    if api_key is None and not no_auth and not is_loopback(host):
        raise ValueError(
            f"refusing to serve {host} without an API key: anyone on the network could read "
            "and change all memory. Pass --api-key KEY (or set ZEP_SERVER_API_KEY), or --no-auth "
            "to serve without authentication deliberately"
        )


def _exit_cleanly(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)
