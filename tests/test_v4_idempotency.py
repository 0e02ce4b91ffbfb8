"""v4 writes are safe to resend: one Idempotency-Key per logical request, reused by retries."""

from __future__ import annotations

import os
import tempfile
from typing import Any

import httpx
import pytest

from tests.conftest import run_maybe_async
from zep_integrations import AsyncZepClient, ZepClient
from zep_integrations.errors import ZepTimeoutError

MESSAGES = [{"role": "user", "content": "I like hiking"}]


class KeyedServer:
    """A MockTransport handler with v4 key semantics; the first answer of a write is lost."""

    def __init__(self) -> None:
        self.stored: list[Any] = []
        self.keys: dict[str, httpx.Response] = {}
        self.seen_keys: list[str | None] = []
        self.drop_first = True

    def __call__(self, request: httpx.Request) -> httpx.Response:
        key = request.headers.get("idempotency-key")
        self.seen_keys.append(key)
        if key is not None and key in self.keys:
            return self.keys[key]  # replay: applied once, answered again
        self.stored.append(request.content)
        response = httpx.Response(202, json={"messages": [], "task": {"uuid": "t"}})
        if key is not None:
            self.keys[key] = response
        if self.drop_first:
            self.drop_first = False
            raise httpx.ReadTimeout("answer lost after the write was applied", request=request)
        return response


def test_v4_write_retried_after_timeout_reuses_its_key_and_stores_once(mode: str) -> None:
    """A timed-out v4 add_messages is resent with the same key, so the server stores it once."""
    server = KeyedServer()
    kwargs: dict[str, Any] = {"api_key": "k", "api_version": "v4", "max_retries": 2}
    if mode == "sync":
        client: Any = ZepClient(
            http_client=httpx.Client(transport=httpx.MockTransport(server)), **kwargs
        )
    else:
        client = AsyncZepClient(
            http_client=httpx.AsyncClient(transport=httpx.MockTransport(server)), **kwargs
        )
    thread = "6f1b7c1e-0000-4000-8000-000000000002"
    run_maybe_async(
        mode,
        lambda: client.v4.add_messages(thread, MESSAGES),
        lambda: client.v4.add_messages(thread, MESSAGES),
    )
    assert len(server.seen_keys) == 2
    assert server.seen_keys[0] is not None and server.seen_keys[0] == server.seen_keys[1]
    assert len(server.stored) == 1
    # The next logical request gets a new key.
    run_maybe_async(
        mode,
        lambda: client.v4.add_messages(thread, MESSAGES),
        lambda: client.v4.add_messages(thread, MESSAGES),
    )
    assert server.seen_keys[2] != server.seen_keys[0]


def test_v3_write_is_not_resent_after_a_timeout() -> None:
    """v3 has no keys: a write that may have been applied is never resent (v2's rule)."""
    server = KeyedServer()
    client = ZepClient(
        api_key="k",
        api_version="v3",
        max_retries=3,
        http_client=httpx.Client(transport=httpx.MockTransport(server)),
    )
    with pytest.raises(ZepTimeoutError):
        client.v3.add_messages("t1", MESSAGES)
    assert server.seen_keys == [None]


def test_embedded_v4_server_stores_a_retried_write_once() -> None:
    """Against the embedded v4 server: the answer of an applied write is lost, the retry with
    the same Idempotency-Key is deduplicated, and the thread holds the messages once."""
    client = ZepClient(
        db_path=os.path.join(tempfile.mkdtemp(), "z.db"), api_version="v4", max_retries=2
    )
    inner = client._http._transport
    lost = {"done": False}

    class LoseFirstAnswer(httpx.BaseTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            response = inner.handle_request(request)
            is_write = request.method == "POST" and request.url.path.endswith("/messages")
            if is_write and not lost["done"]:
                lost["done"] = True
                response.read()
                raise httpx.ReadTimeout("answer lost", request=request)
            return response

    client._http._transport = LoseFirstAnswer()
    pair = client.create_user_and_thread("jane", first_name="Jane")
    client.v4.add_messages(pair.session_id, MESSAGES)
    assert lost["done"]
    stored = list(client.v4.list_messages(pair.session_id))
    assert [msg.content for msg in stored] == ["I like hiking"]
