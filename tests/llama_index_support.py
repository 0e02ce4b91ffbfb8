"""Helpers for the LlamaIndex adapter tests: clients that count requests, sync/async dispatch."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from llama_index.core import Settings
from llama_index.core.embeddings import MockEmbedding
from llama_index.core.llms import MockLLM

from tests.langchain_support import api_path
from zep_integrations import AsyncZepClient, ZepClient
from zep_integrations.server import embedded_server


@dataclass
class Counted:
    """A sync and an async client on one embedded database, recording every request."""

    client: ZepClient
    async_client: AsyncZepClient
    requests: list[str] = field(default_factory=list)

    def take(self) -> list[str]:
        """Return the requests made since the last call, and forget them."""
        out, self.requests[:] = list(self.requests), []
        return out


def counted_clients(db_path: Path, version: str = "v2") -> Counted:
    """Clients speaking ``version`` whose httpx event hooks log ``"METHOD path"`` per request.

    The two clients share one ID cache, as clients derived from each other do.
    """
    server = embedded_server(db_path)
    requests: list[str] = []

    def record(request: httpx.Request) -> None:
        requests.append(f"{request.method} {api_path(request.url.path)}")

    async def arecord(request: httpx.Request) -> None:
        record(request)

    client = ZepClient(
        db_path=db_path,
        http_client=httpx.Client(transport=server.transport(), event_hooks={"request": [record]}),
        api_version=version,
    )
    async_client = AsyncZepClient(
        db_path=db_path,
        http_client=httpx.AsyncClient(
            transport=server.async_transport(), event_hooks={"request": [arecord]}
        ),
        api_version=version,
    )
    async_client._info = client._info
    return Counted(client, async_client, requests)


async def call(mode: str, obj: Any, name: str, *args: Any, **kwargs: Any) -> Any:
    """Call ``obj.name`` in sync mode or await its async twin (``aname`` or ``async_name``)."""
    if mode == "sync":
        return getattr(obj, name)(*args, **kwargs)
    async_name = {"add_message": "async_add_message"}.get(name, f"a{name}")
    return await getattr(obj, async_name)(*args, **kwargs)


@contextmanager
def mock_settings() -> Iterator[None]:
    """Use ``MockLLM`` and an 8-dimensional ``MockEmbedding``; restore the previous settings."""
    llm, embed = Settings._llm, Settings._embed_model
    Settings.llm = MockLLM(max_tokens=4)
    Settings.embed_model = MockEmbedding(embed_dim=8)
    try:
        yield
    finally:
        Settings._llm, Settings._embed_model = llm, embed
