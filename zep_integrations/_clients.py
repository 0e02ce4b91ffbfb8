"""The sync/async client pair an adapter talks through: given, derived, or created on first use."""

from __future__ import annotations

import threading

from zep_integrations.client import AsyncZepClient, ZepClient


class ClientPair:
    """Hands out a :class:`ZepClient` and an :class:`AsyncZepClient`, creating none until needed.

    A missing sync client is derived from the async one (:meth:`AsyncZepClient.as_sync`) and a
    missing async client from the sync one (:meth:`ZepClient.as_async`, one per event loop), so
    both paths reach the same target. With neither, a :class:`ZepClient` configured from the
    environment (or the embedded default) is created on first use. The constructor does no I/O,
    and each client is created at most once even when threads race.

    Args:
        client: The sync client, if the caller has one.
        async_client: The async client, if the caller has one.

    Raises:
        TypeError: a client of the wrong kind was passed.

    Example:
        >>> import os, tempfile
        >>> pair = ClientPair(ZepClient(db_path=os.path.join(tempfile.mkdtemp(), "z.db")), None)
        >>> pair.sync.settings == pair.asynchronous.settings
        True
    """

    def __init__(self, client: ZepClient | None, async_client: AsyncZepClient | None) -> None:
        if client is not None and not isinstance(client, ZepClient):
            raise TypeError(
                f"client must be a zep_integrations.ZepClient, got {type(client).__name__} "
                "(pass an AsyncZepClient as async_client=)"
            )
        if async_client is not None and not isinstance(async_client, AsyncZepClient):
            raise TypeError(
                "async_client must be a zep_integrations.AsyncZepClient, "
                f"got {type(async_client).__name__}"
            )
        self._client = client
        self._async_client = async_client
        self._lock = threading.Lock()

    @property
    def sync(self) -> ZepClient:
        """The sync client: given, derived from the async one, or created from the environment."""
        with self._lock:
            if self._client is None:
                self._client = (
                    self._async_client.as_sync() if self._async_client is not None else ZepClient()
                )
            return self._client

    @property
    def asynchronous(self) -> AsyncZepClient:
        """The async client: given, or derived from the sync one for the running event loop."""
        if self._async_client is not None:
            return self._async_client
        return self.sync.as_async()
