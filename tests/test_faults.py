"""Fault injection: retried 429/503, unretried 500/timeout after the server applied a write,
refused connections, and a server killed with SIGKILL in the middle of a stream of writes."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from langchain_core.messages import AIMessage, HumanMessage

from tests.conftest import run_maybe_async
from tests.test_server_served import start_server, stop_server
from zep_integrations import (
    AsyncZepClient,
    NotFoundError,
    RateLimitError,
    ServerError,
    ZepClient,
    ZepConnectionError,
    ZepTimeoutError,
)
from zep_integrations import client as client_module
from zep_integrations.langchain import ZepChatMessageHistory
from zep_integrations.server import ZepServer

Action = Callable[[httpx.Request, Callable[[], httpx.Response]], httpx.Response]


def reply(status: int, **headers: str) -> Action:
    """Answer ``status`` without forwarding: the server never sees the request."""
    return lambda request, forward: httpx.Response(
        status, headers=headers, json={"message": f"injected {status}"}
    )


def after(status: int) -> Action:
    """Forward (the server applies the request), then answer ``status`` instead."""

    def act(request: httpx.Request, forward: Callable[[], httpx.Response]) -> httpx.Response:
        forward()
        return httpx.Response(status, json={"message": f"injected {status} after applying"})

    return act


def timeout_after(request: httpx.Request, forward: Callable[[], httpx.Response]) -> httpx.Response:
    """Forward (the server applies the request), then time out waiting for the answer."""
    forward()
    raise httpx.ReadTimeout("injected read timeout", request=request)


class Faulty(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Wraps the in-process server; the first matching requests get the scripted actions."""

    def __init__(self, server: ZepServer, match: str, actions: list[Action]) -> None:
        self.inner = server.transport()
        self.ainner = server.async_transport()
        self.match = match
        self.actions = list(actions)
        self.seen: list[str] = []

    def _pick(self, request: httpx.Request) -> Action | None:
        kind = f"{request.method} {request.url.path.removeprefix('/api/v2/')}"
        self.seen.append(kind)
        if kind == self.match and self.actions:
            return self.actions.pop(0)
        return None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        action = self._pick(request)
        forward = lambda: self.inner.handle_request(request)  # noqa: E731
        return forward() if action is None else action(request, forward)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        action = self._pick(request)
        await request.aread()
        forward = lambda: self.inner.handle_request(request)  # noqa: E731
        if action is None:
            return await self.ainner.handle_async_request(request)
        return action(request, forward)

    def count(self, kind: str) -> int:
        return self.seen.count(kind)


@pytest.fixture(autouse=True)
def _no_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries do not sleep, so the tests stay fast whatever the backoff."""

    async def no_async_sleep(seconds: float) -> None:
        return None

    monkeypatch.setattr(client_module.time, "sleep", lambda seconds: None)
    monkeypatch.setattr(client_module, "_async_sleep", no_async_sleep)


@pytest.fixture
def server(tmp_path: Path) -> ZepServer:
    """A private in-process server."""
    return ZepServer(tmp_path / "faults.db")


def clients(server: ZepServer, faulty: Faulty, **kwargs: Any) -> tuple[ZepClient, AsyncZepClient]:
    db = server.db_path
    sync = ZepClient(db_path=db, http_client=httpx.Client(transport=faulty), **kwargs)
    asyn = AsyncZepClient(db_path=db, http_client=httpx.AsyncClient(transport=faulty), **kwargs)
    return sync, asyn


def contents(server: ZepServer, session: str) -> list[str]:
    http = httpx.Client(transport=server.transport())
    with ZepClient(db_path=server.db_path, http_client=http) as client:
        try:
            return [m.content for m in client.get_messages(session).messages]
        except NotFoundError:
            return []


def add(mode: str, sync: ZepClient, asyn: AsyncZepClient, session: str, texts: list[str]) -> Any:
    messages = [{"role_type": "user", "content": text} for text in texts]
    return run_maybe_async(
        mode,
        lambda: sync.add_memory(session, messages),
        lambda: asyn.add_memory(session, messages),
    )


WRITE = "POST sessions/s1/memory"


def test_429_then_503_with_retry_after_are_retried_and_stored_once(
    mode: str, server: ZepServer
) -> None:
    """A 429 and a 503 with Retry-After are resent, and the messages are stored exactly once."""
    faulty = Faulty(
        server, WRITE, [reply(429, **{"Retry-After": "0"}), reply(503, **{"Retry-After": "0"})]
    )
    sync, asyn = clients(server, faulty)
    add(mode, sync, asyn, "s1", ["one", "two", "three"])
    assert faulty.count(WRITE) == 3
    assert contents(server, "s1") == ["one", "two", "three"]


def test_retries_stop_at_max_retries_with_a_typed_error(mode: str, server: ZepServer) -> None:
    """Endless 429s end in RateLimitError after max_retries resends, with nothing stored."""
    faulty = Faulty(server, WRITE, [reply(429, **{"Retry-After": "0"})] * 10)
    sync, asyn = clients(server, faulty, max_retries=2)
    with pytest.raises(RateLimitError):
        add(mode, sync, asyn, "s1", ["one"])
    assert faulty.count(WRITE) == 3
    assert contents(server, "s1") == []


def test_429_on_the_second_chunk_of_a_long_write_keeps_order(mode: str, server: ZepServer) -> None:
    """A 429 on the second of two 30-message requests is resent; all 45 stored once, in order."""
    texts = [f"m{i}" for i in range(45)]
    faulty = Faulty(server, WRITE, [])
    sync, asyn = clients(server, faulty)
    original = faulty._pick

    def second_gets_429(request: httpx.Request) -> Action | None:
        original(request)
        return reply(429, **{"Retry-After": "0"}) if faulty.count(WRITE) == 2 else None

    faulty._pick = second_gets_429  # type: ignore[method-assign]
    add(mode, sync, asyn, "s1", texts)
    assert faulty.count(WRITE) == 3
    assert contents(server, "s1") == texts


@pytest.mark.parametrize(
    ("action", "error"),
    [(after(500), ServerError), (after(502), ServerError), (timeout_after, ZepTimeoutError)],
    ids=["500", "502", "timeout"],
)
def test_write_failing_after_the_server_applied_it_is_not_resent(
    mode: str, server: ZepServer, action: Action, error: type[Exception]
) -> None:
    """A 500/502 or timeout after the write was applied raises a typed error and is sent once."""
    faulty = Faulty(server, WRITE, [action])
    sync, asyn = clients(server, faulty)
    with pytest.raises(error):
        add(mode, sync, asyn, "s1", ["once"])
    assert faulty.count(WRITE) == 1
    assert contents(server, "s1") == ["once"]


def test_read_timeout_is_retried(mode: str, server: ZepServer) -> None:
    """A read (idempotent) that times out is resent and succeeds."""
    sync, asyn = clients(server, Faulty(server, "", []))
    add(mode, sync, asyn, "s1", ["hello"])
    faulty = Faulty(server, "GET sessions/s1/messages", [timeout_after])
    sync, asyn = clients(server, faulty)
    page = run_maybe_async(mode, lambda: sync.get_messages("s1"), lambda: asyn.get_messages("s1"))
    assert [m.content for m in page.messages] == ["hello"]
    assert faulty.count("GET sessions/s1/messages") == 2


def test_adapter_write_after_500_is_not_duplicated_by_the_client(
    mode: str, server: ZepServer
) -> None:
    """Through the LangChain adapter, a 500 after applying stores once; a caller retry adds a copy.

    Zep has no idempotency key, so a caller that retries a failed write stores a second copy: the
    client itself never does.
    """
    faulty = Faulty(server, WRITE, [after(500)])
    sync, asyn = clients(server, faulty)
    history = ZepChatMessageHistory("s1", client=sync, async_client=asyn)
    turn = [HumanMessage("hi"), AIMessage("hello")]

    def write() -> Any:
        return run_maybe_async(
            mode, lambda: history.add_messages(turn), lambda: history.aadd_messages(turn)
        )

    with pytest.raises(ServerError):
        write()
    assert contents(server, "s1") == ["hi", "hello"]
    write()  # the caller's own retry
    assert contents(server, "s1") == ["hi", "hello", "hi", "hello"]
    assert faulty.count(WRITE) == 2


def test_llama_index_write_after_timeout_is_sent_once(mode: str, server: ZepServer) -> None:
    """ZepChatStore's write that times out after applying raises ZepTimeoutError, stored once."""
    from llama_index.core.llms import ChatMessage

    from zep_integrations.llama_index import ZepChatStore

    faulty = Faulty(server, WRITE, [timeout_after])
    sync, asyn = clients(server, faulty)
    store = ZepChatStore(client=sync, async_client=asyn)
    message = ChatMessage(role="user", content="only once")
    with pytest.raises(ZepTimeoutError):
        run_maybe_async(
            mode,
            lambda: store.add_message("s1", message),
            lambda: store.async_add_message("s1", message),
        )
    assert contents(server, "s1") == ["only once"]
    assert faulty.count(WRITE) == 1


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_connection_refused_is_a_connection_error_within_the_timeout(mode: str) -> None:
    """Nothing listening gives ZepConnectionError (not a timeout) well within the timeout."""
    url = f"http://127.0.0.1:{_closed_port()}"
    sync = ZepClient(base_url=url, timeout=3.0, max_retries=2)
    asyn = AsyncZepClient(base_url=url, timeout=3.0, max_retries=2)
    start = time.monotonic()
    with pytest.raises(ZepConnectionError) as info:
        add(mode, sync, asyn, "s1", ["lost"])
    assert time.monotonic() - start < 3.0
    assert not isinstance(info.value, ZepTimeoutError)
    assert "failed to reach Zep" in str(info.value)
    assert isinstance(info.value.__cause__, httpx.ConnectError)


# -- SIGKILL in the middle of a stream of writes ------------------------------------------------

BATCH = 5


def _writer(url: str, acked: list[int], stop: threading.Event) -> None:
    with ZepClient(base_url=url, max_retries=0, timeout=5.0) as client:
        for batch in range(5000):
            if stop.is_set():
                return
            messages = [{"role_type": "user", "content": f"{batch}-{i}"} for i in range(BATCH)]
            try:
                client.add_memory("stream", messages)
            except ZepConnectionError:
                return
            acked.append(batch)


def test_sigkill_mid_stream_keeps_every_acknowledged_write(tmp_path: Path) -> None:
    """After SIGKILL and restart, every acknowledged batch is whole, no batch is partial."""
    db = tmp_path / "killed.db"
    proc, port = start_server(db, api_key=None)
    acked: list[int] = []
    stop = threading.Event()
    writer = threading.Thread(target=_writer, args=(f"http://127.0.0.1:{port}", acked, stop))
    writer.start()
    deadline = time.monotonic() + 15
    while len(acked) < 40 and time.monotonic() < deadline and writer.is_alive():
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    stop.set()
    writer.join(timeout=20)
    assert not writer.is_alive()
    assert len(acked) >= 40

    proc, port = start_server(db, api_key=None)
    try:
        with ZepClient(base_url=f"http://127.0.0.1:{port}") as client:
            stored = [m.content for m in client.get_messages("stream").messages]
    finally:
        stop_server(proc)
    batches: dict[int, list[int]] = {}
    for text in stored:
        batch, index = map(int, text.split("-"))
        batches.setdefault(batch, []).append(index)
    assert all(indexes == list(range(BATCH)) for indexes in batches.values())
    assert set(acked) <= set(batches)
    assert sorted(batches) == list(range(len(batches)))  # in order, at most one unacknowledged
    assert len(batches) - len(acked) <= 1
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
