"""httpx transports that call the server's handler directly: no socket, no thread."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

import httpx

from zep_integrations.server.handler import Request

if TYPE_CHECKING:
    from zep_integrations.server.app import ZepServer

__all__ = ["AsyncServerTransport", "ServerTransport", "to_request"]


def to_request(request: httpx.Request, body: bytes) -> Request:
    """The handler's view of an httpx request (path still percent-encoded)."""
    raw = request.url.raw_path.decode("ascii")
    path = raw.split("?", 1)[0]
    query = parse_qsl(request.url.query.decode("ascii"), keep_blank_values=True)
    headers = {
        key.decode("latin-1").lower(): value.decode("latin-1") for key, value in request.headers.raw
    }
    return Request(request.method, path, tuple(query), headers, body)


def _response(server: ZepServer, request: httpx.Request, body: bytes) -> httpx.Response:
    answer = server.handle(to_request(request, body))
    return httpx.Response(answer.status, headers=answer.headers, content=answer.body)


class ServerTransport(httpx.BaseTransport):
    """Synchronous in-process transport over a :class:`ZepServer`."""

    def __init__(self, server: ZepServer) -> None:
        self._server = server

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Answer ``request`` by calling the handler."""
        return _response(self._server, request, request.read())


class AsyncServerTransport(httpx.AsyncBaseTransport):
    """Asynchronous in-process transport over a :class:`ZepServer`.

    The sync handler is called inline on the event loop: each request is a few short SQLite
    statements (well under a millisecond to a few ms), cheaper than handing off to a thread.
    """

    def __init__(self, server: ZepServer) -> None:
        self._server = server

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Answer ``request`` by calling the handler."""
        return _response(self._server, request, await request.aread())
