"""Helpers for the LangChain adapter tests: a recording embedded server and a sync/async driver."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from langchain_core.documents import Document
from langchain_core.messages import BaseMessage
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import Runnable, RunnableConfig

from zep_integrations import AsyncZepClient, ZepClient
from zep_integrations import models as m
from zep_integrations.langchain import ZepChatMessageHistory
from zep_integrations.server import embedded_server


@dataclass
class Recorded:
    """One request seen on the wire: method, path under ``/api/v2/``, decoded JSON body."""

    method: str
    path: str
    query: str
    body: Any
    via: str

    @property
    def kind(self) -> str:
        """``"GET sessions/s1/memory"``-style summary of the request."""
        return f"{self.method} {self.path}"


@dataclass
class Wire:
    """A sync and an async client on one embedded server, recording every request."""

    client: ZepClient
    aclient: AsyncZepClient
    requests: list[Recorded] = field(default_factory=list)

    def clients_used(self) -> set[str]:
        """Which clients (``"sync"``, ``"async"``) sent the requests recorded so far."""
        return {request.via for request in self.requests}

    def take(self) -> list[str]:
        """The requests recorded since the last call, as ``"METHOD path"`` strings."""
        taken = [request.kind for request in self.requests]
        self.requests.clear()
        return taken


def api_path(path: str) -> str:
    """The request path under its API prefix (``/api/v2/`` serves v2 and v3, ``/api/v4/`` v4)."""
    for prefix in ("/api/v2/", "/api/v4/"):
        if path.startswith(prefix):
            return path[len(prefix) :]
    return path


def make_wire(db_path: Path, version: str = "v2") -> Wire:
    """Build a :class:`Wire` over the embedded server on ``db_path``, speaking ``version``.

    The two clients share one ID cache, as clients derived from each other do (on v4 a
    non-UUID session id names a thread only for the clients that created it).
    """
    server = embedded_server(db_path)
    wire = Wire(client=None, aclient=None)  # type: ignore[arg-type]

    def record(request: httpx.Request, via: str = "sync") -> None:
        path = api_path(request.url.path)
        body = json.loads(request.content) if request.content else None
        query = request.url.query.decode("ascii")
        wire.requests.append(Recorded(request.method, path, query, body, via))

    async def arecord(request: httpx.Request) -> None:
        record(request, "async")

    wire.client = ZepClient(
        db_path=db_path,
        http_client=httpx.Client(transport=server.transport(), event_hooks={"request": [record]}),
        api_version=version,
    )
    wire.aclient = AsyncZepClient(
        db_path=db_path,
        http_client=httpx.AsyncClient(
            transport=server.async_transport(), event_hooks={"request": [arecord]}
        ),
        api_version=version,
    )
    wire.aclient._info = wire.client._info
    return wire


class Api:
    """Runs one test body through either the sync or the async LangChain API."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.is_async = mode == "async"

    def __repr__(self) -> str:
        return f"Api({self.mode})"

    async def messages(self, history: ZepChatMessageHistory) -> list[BaseMessage]:
        """``history.messages`` or ``await history.aget_messages()``."""
        return await history.aget_messages() if self.is_async else history.messages

    async def add(self, history: ZepChatMessageHistory, messages: Sequence[BaseMessage]) -> None:
        """``add_messages`` or ``aadd_messages``."""
        if self.is_async:
            await history.aadd_messages(messages)
        else:
            history.add_messages(messages)

    async def clear(self, history: ZepChatMessageHistory) -> None:
        """``clear`` or ``aclear``."""
        if self.is_async:
            await history.aclear()
        else:
            history.clear()

    async def memory(self, history: ZepChatMessageHistory) -> m.Memory:
        """``get_memory`` or ``aget_memory``."""
        return await history.aget_memory() if self.is_async else history.get_memory()

    async def invoke(self, runnable: Runnable[Any, Any], value: Any, config: RunnableConfig) -> Any:
        """``invoke`` or ``ainvoke``."""
        if self.is_async:
            return await runnable.ainvoke(value, config)
        return runnable.invoke(value, config)

    async def stream(
        self, runnable: Runnable[Any, Any], value: Any, config: RunnableConfig
    ) -> list[Any]:
        """Every chunk of ``stream`` or ``astream``."""
        if self.is_async:
            return [chunk async for chunk in runnable.astream(value, config)]
        return list(runnable.stream(value, config))

    async def retrieve(self, retriever: BaseRetriever, query: str, **kwargs: Any) -> list[Document]:
        """``invoke`` or ``ainvoke`` on a retriever."""
        if self.is_async:
            return await retriever.ainvoke(query, **kwargs)
        return retriever.invoke(query, **kwargs)

    async def concurrently(
        self,
        sync_fns: Sequence[Callable[[], Any]],
        async_fns: Sequence[Callable[[], Awaitable[Any]]],
    ) -> list[Any]:
        """Run ``sync_fns`` on threads, or ``async_fns`` with ``asyncio.gather``."""
        if self.is_async:
            return list(await asyncio.gather(*(fn() for fn in async_fns)))
        with ThreadPoolExecutor(max_workers=len(sync_fns)) as pool:
            return [future.result() for future in [pool.submit(fn) for fn in sync_fns]]
