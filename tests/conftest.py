"""Shared fixtures: every test runs with a clean Zep environment and a private embedded database."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import settings

from zep_integrations.server import ZepServer

# No example database: a test run must not write into the working tree.
settings.register_profile("zep-integrations", database=None)
settings.load_profile("zep-integrations")


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Hide the developer's Zep settings and point the embedded default at a temporary file."""
    for name in ("ZEP_API_KEY", "ZEP_API_URL", "ZEP_SERVER_API_KEY", "ZEP_API_VERSION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ZEP_INTEGRATIONS_DB", str(tmp_path / "default-zep.db"))
    yield


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    """Run the test body once through the sync API and once through the async API."""
    return str(request.param)


def run_maybe_async(mode: str, sync_fn: Callable[[], Any], async_fn: Callable[[], Any]) -> Any:
    """Call ``sync_fn()`` in sync mode, or run the coroutine ``async_fn()`` to completion."""
    if mode == "sync":
        return sync_fn()
    return asyncio.run(async_fn())


VERSIONS = ["v2", "v3", "v4"]
"""Every Zep API version the client speaks; the embedded server answers all three in-process."""


@pytest.fixture
def version() -> str:
    """The Zep API version of the test's clients: v2, unless the test parametrizes ``version``."""
    return "v2"


@pytest.fixture
def http(server: ZepServer) -> Iterator[httpx.Client]:
    """A v2 HTTP client on the in-process transport of the requesting module's ``server``."""
    with httpx.Client(transport=server.transport(), base_url="http://zep/api/v2/") as client:
        yield client
