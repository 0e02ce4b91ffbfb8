"""The pair of Zep clients an adapter uses: given, derived, or created on first use."""

from __future__ import annotations

import threading

from zep_integrations.client import AsyncZepClient, ZepClient


class Clients:
    """Holds a sync and an async client; creates none until a request needs one.

    With neither given, a :class:`ZepClient` configured from the environment (or the embedded
    server) is created on first use, and the async client is derived from it with
    :meth:`ZepClient.as_async`. An adapter given only an ``async_client`` has no sync client:
    its sync methods raise ``TypeError`` saying so.
    """

    def __init__(self, client: ZepClient | None, async_client: AsyncZepClient | None) -> None:
        if client is not None and not isinstance(client, ZepClient):
            raise TypeError(f"client must be a ZepClient, got {type(client).__name__}")
        if async_client is not None and not isinstance(async_client, AsyncZepClient):
            raise TypeError(
                f"async_client must be an AsyncZepClient, got {type(async_client).__name__}"
            )
        self._client = client
        self._async_client = async_client
        self._lock = threading.Lock()

    @property
    def sync(self) -> ZepClient:
        """The sync client, created on first use when none was given."""
        with self._lock:
            if self._client is None:
                if self._async_client is not None:
                    raise TypeError(
                        "this adapter was given only async_client; use the async methods "
                        "(aget, aput, ...) or also pass client=ZepClient(...)"
                    )
                self._client = ZepClient()
            return self._client

    @property
    def asynchronous(self) -> AsyncZepClient:
        """The async client, derived from the sync one when none was given."""
        with self._lock:
            if self._async_client is None:
                if self._client is None:
                    self._client = ZepClient()
                self._async_client = self._client.as_async()
            return self._async_client
