"""Record and replay Zep wire traffic with vcrpy, and run the same scenarios live.

Modes (environment, read by the fixtures):

* default: **replay** every scenario from ``cassettes/`` with record mode ``none``; a missing or
  stale cassette fails loudly. The same scenarios also run **live** against a deterministic
  in-process server and their traffic is compared with the cassette, so a server change that
  alters the wire fails one of the two.
* ``ZEP_CASSETTE_RECORD=all``: re-record. Against ``zep-integrations serve --deterministic``
  started on loopback (the default), or against Zep Cloud / a self-hosted Zep when
  ``ZEP_CASSETTE_URL`` and ``ZEP_CASSETTE_API_KEY`` are set.

A scenario is either a plain function, called with a ``ZepClient`` (sync) or a :class:`Blocking`
``AsyncZepClient`` (async) so one body serves both transports, or an ``async def`` (adapter
scenarios), awaited on one event loop with the real ``ZepClient`` (sync) or the real
``AsyncZepClient`` (async), so the adapters' async paths run really async.

The authorization header is replaced by a placeholder, and volatile response headers (date,
server) are dropped, so re-recording against the local server changes no byte.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import itertools
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

import httpx
import vcr
import yaml

from zep_integrations import AsyncZepClient, ZepClient, _sessions
from zep_integrations.server.process import serve_process

CASSETTES = Path(__file__).resolve().parent.parent / "cassettes"
REPLAY_URL = "http://127.0.0.1:8000"
REDACTED = "Api-Key REDACTED"
KEPT_RESPONSE_HEADERS = {"content-type", "retry-after"}


def record_mode() -> str:
    """``none`` (replay only) unless ``ZEP_CASSETTE_RECORD`` asks for recording."""
    return os.environ.get("ZEP_CASSETTE_RECORD", "none")


_REQUEST_ID = re.compile(rb'"request_id": ?"[0-9a-f-]+"')
_LATENCY = re.compile(rb'"server_latency_ms": ?[0-9.]+')


def scrub_request_ids(body: bytes) -> bytes:
    """Pin the values the server does not make deterministic even with ``--deterministic``.

    v4 error ``request_id`` values are random and v3 graph search reports its measured
    ``server_latency_ms``; both are replaced, so recordings and live runs compare equal.
    """
    body = _REQUEST_ID.sub(b'"request_id":"REQUEST-ID"', body)
    return _LATENCY.sub(b'"server_latency_ms":0', body)


def _scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    body = response.get("body", {}).get("string")
    if isinstance(body, bytes):
        response["body"]["string"] = scrub_request_ids(body)
    response["headers"] = {
        name: value
        for name, value in response["headers"].items()
        if name.lower() in KEPT_RESPONSE_HEADERS
    }
    return response


def _pin_local_port(request: Any) -> Any:
    # A local recording runs on a random free port; pin it so re-recording changes no byte.
    url = httpx.URL(request.uri)
    if url.host == "127.0.0.1":
        request.uri = str(url.copy_with(port=8000))
    return request


def recorder() -> vcr.VCR:
    """The vcrpy configuration: match on method, path, query and body, so any host replays."""
    return vcr.VCR(
        before_record_request=_pin_local_port,
        cassette_library_dir=str(CASSETTES),
        record_mode=record_mode(),
        match_on=("method", "path", "query", "body"),
        filter_headers=[
            ("authorization", REDACTED),
            ("user-agent", "zep-integrations"),
            # v4 keys are random per request; the placeholder keeps re-recording byte-stable
            # while the cassette still shows which requests carried one.
            ("idempotency-key", "KEY"),
            "host",
            "accept-encoding",
            "connection",
        ],
        before_record_response=_scrub_response,
        decode_compressed_response=True,
        serializer="yaml",
    )


@contextmanager
def deterministic_serve(db_path: Path) -> Iterator[str]:
    """Run ``zep-integrations serve --deterministic`` on a free loopback port; yield its URL."""
    with serve_process(db_path, deterministic=True, api_key="test-key") as served:
        yield served.url


class Blocking:
    """Expose an :class:`AsyncZepClient` with blocking methods, so one scenario body serves both.

    Tests only: each call runs the coroutine on this object's own event loop.
    """

    def __init__(self, client: AsyncZepClient) -> None:
        self._client = client
        self._loop = asyncio.new_event_loop()

    def __getattr__(self, name: str) -> Callable[..., Any]:
        method = getattr(self._client, name)

        def run(*args: Any, **kwargs: Any) -> Any:
            return self._loop.run_until_complete(method(*args, **kwargs))

        return run

    def close(self) -> None:
        """Close the client and the loop."""
        self._loop.run_until_complete(self._client.aclose())
        self._loop.close()


def make_client(mode: str, *, base_url: str, api_key: str, **kwargs: Any) -> Any:
    """A ``ZepClient``, or a :class:`Blocking` ``AsyncZepClient``, for ``base_url``."""
    if mode == "sync":
        return ZepClient(api_key, base_url, max_retries=0, **kwargs)
    return Blocking(AsyncZepClient(api_key, base_url, max_retries=0, **kwargs))


def drive(
    scenario: Callable[[Any], Any], mode: str, *, base_url: str, api_key: str, **kwargs: Any
) -> None:
    """Run ``scenario`` once with a fresh client for ``mode``, then close the client.

    Replacement IDs (``_sessions.replace_messages``) are sequential here, so the request bodies
    that carry them are the same in every run.
    """
    counter = itertools.count(1)
    with mock.patch.object(_sessions, "new_replacement_id", lambda: f"replacement-{next(counter)}"):
        _drive(scenario, mode, base_url=base_url, api_key=api_key, **kwargs)


def _drive(
    scenario: Callable[[Any], Any], mode: str, *, base_url: str, api_key: str, **kwargs: Any
) -> None:
    if not inspect.iscoroutinefunction(scenario):
        client = make_client(mode, base_url=base_url, api_key=api_key, **kwargs)
        try:
            scenario(client)
        finally:
            client.close()
        return

    async def main() -> None:
        if mode == "sync":
            with ZepClient(api_key, base_url, max_retries=0, **kwargs) as client:
                await scenario(client)
            return
        aclient = AsyncZepClient(api_key, base_url, max_retries=0, **kwargs)
        try:
            await scenario(aclient)
        finally:
            await aclient.aclose()

    asyncio.run(main())


def load_interactions(path: Path) -> list[dict[str, Any]]:
    """The request/response pairs of a cassette file."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return list(data["interactions"])


def wire_summary(interactions: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """(method, path+query, request body, status, response body) per interaction, host-free."""
    out = []
    for item in interactions:
        request, response = item["request"], item["response"]
        url = httpx.URL(request["uri"])
        body = request.get("body")
        out.append(
            (
                request["method"],
                url.raw_path.decode(),
                (body.decode() if isinstance(body, bytes) else body) or None,
                response["status"]["code"],
                response["body"]["string"],
            )
        )
    return out


def recorded_locally(path: Path) -> bool:
    """Whether a cassette was recorded against the local deterministic server."""
    return all(
        httpx.URL(item["request"]["uri"]).host == "127.0.0.1" for item in load_interactions(path)
    )


def run_replay(
    cassette: str, scenario: Callable[[Any], Any], mode: str, tmp_path: Path, **kwargs: Any
) -> None:
    """Run ``scenario`` under ``cassette``: replay it, or record it when asked.

    ``kwargs`` go to the client (``api_version="v3"`` for the v3 cassettes).
    """
    with contextlib.ExitStack() as stack:
        if record_mode() == "none":
            url, key = REPLAY_URL, "test-key"
        elif os.environ.get("ZEP_CASSETTE_URL"):
            url, key = os.environ["ZEP_CASSETTE_URL"], os.environ["ZEP_CASSETTE_API_KEY"]
        else:
            url, key = stack.enter_context(deterministic_serve(tmp_path / "record.db")), "test-key"
        if record_mode() == "all":
            # vcrpy's "all" keeps old interactions that no new request matches; start afresh.
            (CASSETTES / cassette).unlink(missing_ok=True)
        with recorder().use_cassette(cassette) as cass:
            drive(scenario, mode, base_url=url, api_key=key, **kwargs)
        if record_mode() == "none":
            assert cass.all_played, f"{cassette}: some recorded requests were never made"


def run_live(
    cassette: str, scenario: Callable[[Any], Any], mode: str, tmp_path: Path, **kwargs: Any
) -> None:
    """Run ``scenario`` against a deterministic in-process server and compare with the cassette."""
    from zep_integrations.server import ZepServer
    from zep_integrations.server.deterministic import fixed_clock, sequential_uuids

    server = ZepServer(
        tmp_path / "live.db",
        api_key="test-key",
        clock=fixed_clock(),
        uuid_factory=sequential_uuids(),
    )
    seen: list[tuple[Any, ...]] = []

    def note(response: httpx.Response) -> None:
        request = response.request
        seen.append(
            (
                request.method,
                request.url.raw_path.decode(),
                request.content.decode() or None,
                response.status_code,
                scrub_request_ids(response.content).decode(),
            )
        )

    def hook(response: httpx.Response) -> None:
        response.read()
        note(response)

    async def ahook(response: httpx.Response) -> None:
        await response.aread()
        note(response)

    http: Any
    if mode == "sync":
        http = httpx.Client(transport=server.transport(), event_hooks={"response": [hook]})
    else:
        http = httpx.AsyncClient(
            transport=server.async_transport(), event_hooks={"response": [ahook]}
        )
    drive(scenario, mode, base_url=REPLAY_URL, api_key="test-key", http_client=http, **kwargs)
    path = CASSETTES / cassette
    assert path.exists(), f"{cassette} is missing: record it (see README, 'Cassettes')"
    if recorded_locally(path):
        assert seen == wire_summary(load_interactions(path))
