"""Lazy resolution of the sync/async client pair an adapter talks through."""

from __future__ import annotations

import threading

from zep_integrations.client import AsyncZepClient, ZepClient


class LazyClients:
    """Hands out a :class:`ZepClient` and an :class:`AsyncZepClient`, creating each on first use.

    A missing async client is derived from the sync one (``client.as_async()``) and vice versa, so
    both paths reach the same target; with neither, both come from the environment or the embedded
    default. Nothing is created (and no I/O happens) until a request needs it, and each client is
    created at most once even when threads race.
    """

    def __init__(self, client: ZepClient | None, async_client: AsyncZepClient | None) -> None:
        if client is not None and not isinstance(client, ZepClient):
            raise TypeError(
                f"client must be a zep_integrations.ZepClient, got {type(client).__name__} "
                "(pass an AsyncZepClient as async_client=)"
            )
        if async_client is not None and not isinstance(async_client, AsyncZepClient):
            raise TypeError(
                f"async_client must be a zep_integrations.AsyncZepClient, "
                f"got {type(async_client).__name__}"
            )
        self._client = client
        self._async_client = async_client
        self._lock = threading.Lock()

    @property
    def sync(self) -> ZepClient:
        """The synchronous client."""
        if self._client is None:
            with self._lock:
                if self._client is None:
                    if self._async_client is not None:
                        settings = self._async_client.settings
                        self._client = ZepClient(
                            settings.api_key,
                            None if settings.db_path is not None else settings.root,
                            db_path=settings.db_path,
                        )
                    else:
                        self._client = ZepClient()
        return self._client

    @property
    def asynchronous(self) -> AsyncZepClient:
        """The asynchronous client."""
        if self._async_client is None:
            with self._lock:
                if self._async_client is None:
                    self._async_client = (
                        self._client.as_async() if self._client is not None else AsyncZepClient()
                    )
        return self._async_client
