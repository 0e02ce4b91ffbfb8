"""``ZepServer``: the embedded Zep-compatible server, independent of any transport."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zep_integrations.server import (
    routes_documents,
    routes_facts,
    routes_memory,
    routes_search,
    routes_sessions,
    routes_users,
    routes_v3_graph,
    routes_v3_graph_items,
    routes_v3_threads,
    routes_v3_users,
    v4,
)
from zep_integrations.server.handler import Api, Env, Request, Response, Route, handle
from zep_integrations.server.memory import LocalIntelligence, MemoryIntelligence
from zep_integrations.server.storage import Storage

if TYPE_CHECKING:
    import httpx

    from zep_integrations.server.guard import Guard

__all__ = ["DEFAULT_MAX_BODY_BYTES", "ROUTES", "ZepServer"]

DEFAULT_MAX_BODY_BYTES = 5 * 1024 * 1024
"""Zep CE's ``max_request_size`` (section 1, "Size limits")."""

ROUTES: tuple[Route, ...] = (
    # v3 first: where a v3 path is also a v2 path (users), the v3 route serves both.
    *routes_v3_users.ROUTES,
    *routes_v3_threads.ROUTES,
    *routes_v3_graph.ROUTES,
    *routes_v3_graph_items.ROUTES,
    *routes_search.ROUTES,  # holds the literal "sessions/search"
    *routes_memory.ROUTES,
    *routes_facts.ROUTES,
    *routes_sessions.ROUTES,
    *routes_users.ROUTES,
    *routes_documents.ROUTES,
)
"""The v2 API (and, beside it under the same prefix, the v3 thread API)."""

APIS: tuple[Api, ...] = (v4.API,)
"""Other prefixes: the v4 API under ``/api/v4``."""


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def new_uuid7() -> str:
    """A time-ordered UUID (version 7, RFC 9562): 48 bits of Unix milliseconds, 74 random bits.

    Not ``uuid4``: every table has a ``UNIQUE`` index on ``uuid``, and random keys dirty a
    random index page per row, so a 30-message write at 1M messages touched ~30 pages of that
    index and wrote them all to the WAL. Time-ordered keys append to the same page: writes got
    ~2x cheaper there. Built from bytes, without a ``UUID`` object.
    """
    raw = bytearray((time.time_ns() // 1_000_000).to_bytes(6, "big") + os.urandom(10))
    raw[6] = (raw[6] & 0x0F) | 0x70  # version 7
    raw[8] = (raw[8] & 0x3F) | 0x80  # RFC 9562 variant
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


class ZepServer:
    """A Zep memory API v2 server on one SQLite file, answered in-process or over HTTP.

    Args:
        db_path: The SQLite file; created with its schema when missing.
        api_key: When set, every ``/api/v2`` request needs ``Authorization: Api-Key <key>``.
        max_body_bytes: Larger request bodies get 413 ``request body too large``.
        max_message_chars: Longer message contents get 400.
        intelligence: Summaries, facts, classification, questions and extraction; defaults to
            the deterministic :class:`~zep_integrations.server.memory.LocalIntelligence`.
        clock: Returns the current time (for recorded tests); defaults to UTC now.
        uuid_factory: Returns new UUID strings (for recorded tests); defaults to
            :func:`new_uuid7` (time-ordered, so the ``uuid`` indexes grow at one end).

    Example:
        >>> import httpx, tempfile, os
        >>> server = ZepServer(os.path.join(tempfile.mkdtemp(), "zep.db"))
        >>> http = httpx.Client(transport=server.transport(), base_url="http://zep/api/v2/")
        >>> http.post("sessions", json={"session_id": "s1"}).status_code
        201
        >>> body = {"messages": [{"role_type": "user", "content": "Hi"}]}
        >>> http.post("sessions/s1/memory", json=body).json()
        {'message': 'OK'}
        >>> [m["content"] for m in http.get("sessions/s1/memory").json()["messages"]]
        ['Hi']
        >>> server.close()
    """

    def __init__(
        self,
        db_path: str | Path,
        *,
        api_key: str | None = None,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        max_message_chars: int = 2500,
        intelligence: MemoryIntelligence | None = None,
        clock: Callable[[], datetime] | None = None,
        uuid_factory: Callable[[], str] | None = None,
    ) -> None:
        if api_key is not None and not api_key:
            raise ValueError("api_key must not be empty; pass None to require no key")
        self.db_path = Path(db_path)
        self._api_key = api_key
        self.max_body_bytes = max_body_bytes
        self.storage = Storage(self.db_path)
        new_uuid = uuid_factory or new_uuid7
        self._env = Env(
            store=self.storage,
            intelligence=intelligence or LocalIntelligence(),
            clock=clock or _utcnow,
            new_uuid=new_uuid,
            project_uuid=self.storage.meta("project_uuid", new_uuid()),
            max_message_chars=max_message_chars,
        )

    def __repr__(self) -> str:
        # Never the key: only whether one is required.
        return f"ZepServer(db_path={str(self.db_path)!r}, auth={self._api_key is not None})"

    def handle(self, request: Request) -> Response:
        """Answer one request; never raises."""
        return handle(
            self._env,
            ROUTES,
            request,
            api_key=self._api_key,
            max_body_bytes=self.max_body_bytes,
            apis=APIS,
        )

    def handle_raw(
        self,
        method: str,
        raw_path: str,
        query: Sequence[tuple[str, str]] = (),
        headers: Mapping[str, str] | None = None,
        body: bytes = b"",
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        """:meth:`handle` with plain values: ``(status, headers, body)``."""
        lowered = {key.lower(): value for key, value in (headers or {}).items()}
        response = self.handle(Request(method.upper(), raw_path, tuple(query), lowered, body))
        return response.status, response.headers, response.body

    def transport(self) -> httpx.BaseTransport:
        """An httpx transport answering in-process (no socket, no thread)."""
        from zep_integrations.server.transport import ServerTransport

        return ServerTransport(self)

    def async_transport(self) -> httpx.AsyncBaseTransport:
        """An async httpx transport answering in-process (no socket, no thread)."""
        from zep_integrations.server.transport import AsyncServerTransport

        return AsyncServerTransport(self)

    def asgi(self, guard: Guard | None = None) -> Any:
        """An ASGI application serving this server.

        Pass a :class:`~zep_integrations.server.guard.Guard` for the address it is served on:
        without one, Host, Origin and content type are not checked (:func:`serve` builds one).
        """
        from zep_integrations.server.asgi import ASGIApp

        return ASGIApp(self, guard)

    def close(self) -> None:
        """Close the database connection."""
        self.storage.close()
