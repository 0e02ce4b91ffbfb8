"""The per-call deadline against a server that drips its answer, and Retry-After values that are
not numbers."""

from __future__ import annotations

import math
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.test_client_calls import Recorder, call, make_clients
from zep_integrations import AsyncZepClient, RateLimitError, ZepClient, ZepTimeoutError
from zep_integrations import client as client_module
from zep_integrations._retry import parse_retry_after

DRIP_SECONDS = 0.3


def _drip(conn: socket.socket, stop: threading.Event) -> None:
    with conn:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(4096)
            if not chunk:
                return
            data += chunk
        body = b'{"session_id": "s", "metadata": {"pad": "' + b"x" * 200 + b'"}}'
        head = (
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n"
        )
        try:
            conn.sendall(head)
            for byte in body:
                if stop.wait(DRIP_SECONDS):
                    return
                conn.sendall(bytes([byte]))
        except OSError:  # the client gave up and closed the connection
            return


@pytest.fixture
def drip_url() -> Iterator[tuple[str, list[int]]]:
    """A loopback HTTP server that sends one body byte every 0.3 s; yields (url, connections)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.2)
    stop = threading.Event()
    connections: list[int] = []

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except (TimeoutError, OSError):
                continue
            connections.append(1)
            threading.Thread(target=_drip, args=(conn, stop), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}", connections
    stop.set()
    thread.join(timeout=5)
    listener.close()


def test_a_dripping_server_cannot_hold_a_call_past_its_deadline(
    mode: str, drip_url: tuple[str, list[int]]
) -> None:
    """timeout=1 never trips on a byte every 0.3 s; deadline=1.5 ends the call, retries included."""
    url, connections = drip_url
    kwargs = {"base_url": url, "timeout": 1.0, "deadline": 1.5, "max_retries": 3}
    clients = (ZepClient(**kwargs), AsyncZepClient(**kwargs))  # type: ignore[arg-type]
    start = time.monotonic()
    with pytest.raises(ZepTimeoutError, match="deadline"):
        call(mode, clients, "get_session", "s")
    elapsed = time.monotonic() - start
    assert 1.4 < elapsed < 1.5 + 2 * DRIP_SECONDS + 0.5
    assert len(connections) == 1  # no retry was started past the deadline


def test_deadline_is_validated() -> None:
    """A deadline that is not a positive finite number is a ValueError naming the fix."""
    for bad in (0, -1, math.nan, math.inf, "5"):
        with pytest.raises(ValueError, match="deadline must be a positive number"):
            ZepClient(base_url="http://h:1", deadline=bad)  # type: ignore[arg-type]
    assert ZepClient(base_url="http://h:1", deadline=None).as_async().deadline is None


@pytest.mark.parametrize("value", ["nan", "NaN", "inf", "-inf", "1e999", "soon", "Wed, 99 Foo"])
def test_unparsable_or_non_finite_retry_after_is_absent(value: str) -> None:
    """Retry-After values that are not finite seconds or a date count as absent."""
    assert parse_retry_after(value) is None


def test_429_with_nan_retry_after_backs_off_instead_of_hanging(
    mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 429 with Retry-After: nan is retried after the normal backoff, in both clients."""
    slept: list[float] = []

    async def fake_async_sleep(seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr(client_module.time, "sleep", slept.append)
    monkeypatch.setattr(client_module, "_async_sleep", fake_async_sleep)
    answers = iter(
        [
            httpx.Response(429, headers={"Retry-After": "nan"}),
            httpx.Response(429, headers={"Retry-After": "inf"}),
            httpx.Response(200, json={"session_id": "s"}),
        ]
    )
    recorder = Recorder(lambda r: next(answers))
    session = call(mode, make_clients(recorder), "get_session", "s")
    assert session.session_id == "s"
    assert len(slept) == 2
    assert all(math.isfinite(delay) and 0 < delay <= 1 for delay in slept)


def test_a_retry_wait_past_the_deadline_is_not_made(
    mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 429 asking for 20 s with 2 s of deadline left raises RateLimitError without waiting."""
    slept: list[float] = []

    async def fake_async_sleep(seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr(client_module.time, "sleep", slept.append)
    monkeypatch.setattr(client_module, "_async_sleep", fake_async_sleep)
    recorder = Recorder(lambda r: httpx.Response(429, headers={"Retry-After": "20"}))
    with pytest.raises(RateLimitError):
        call(mode, make_clients(recorder, deadline=2.0), "get_session", "s")
    assert len(recorder.requests) == 1
    assert slept == []
