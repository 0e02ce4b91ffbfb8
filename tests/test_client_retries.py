"""Pure tests of error mapping, the retry rule and backoff, and configuration resolution."""

from __future__ import annotations

import email.utils
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.test_client_calls import Recorder, call, make_clients
from zep_integrations import (
    AsyncZepClient,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    NotFoundError,
    PayloadTooLargeError,
    RateLimitError,
    ServerError,
    ZepAPIError,
    ZepClient,
    ZepConnectionError,
    ZepTimeoutError,
    _api,
    _config,
)
from zep_integrations import (
    client as client_module,
)
from zep_integrations._retry import RETRY_AFTER_MAX, backoff_delay, parse_retry_after, retry_delay

GET = _api.get_memory("s")
WRITE = _api.add_memory("s", [{"role_type": "user", "content": "x"}])[0]


@pytest.fixture(autouse=True)
def _no_sleep(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record retry sleeps instead of sleeping."""
    slept: list[float] = []

    async def fake_async_sleep(seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr(client_module.time, "sleep", slept.append)
    monkeypatch.setattr(client_module, "_async_sleep", fake_async_sleep)
    return slept


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (404, NotFoundError),
        (409, ConflictError),
        (413, PayloadTooLargeError),
        (429, RateLimitError),
        (500, ServerError),
        (503, ServerError),
        (418, ZepAPIError),
    ],
)
def test_status_maps_to_typed_error(mode: str, status: int, cls: type[ZepAPIError]) -> None:
    """Each status raises its class with Zep's message, status and response attached."""
    recorder = Recorder(lambda r: httpx.Response(status, json={"message": "boom"}))
    with pytest.raises(cls) as info:
        call(mode, make_clients(recorder, max_retries=0), "get_session", "s1")
    assert type(info.value) is cls
    assert info.value.status_code == status
    assert info.value.message == "boom"
    assert info.value.response.status_code == status


def test_plain_text_error_body_becomes_the_message() -> None:
    """CE's text/plain 401 body is used as the message (section 1, Auth header)."""
    recorder = Recorder(lambda r: httpx.Response(401, text="unauthorized\n"))
    client, _ = make_clients(recorder)
    with pytest.raises(AuthenticationError, match="unauthorized"):
        client.get_session("s1")


@pytest.mark.parametrize(
    ("call_", "status", "headers", "retried"),
    [
        (GET, 429, {}, True),
        (GET, 502, {}, True),
        (GET, 503, {}, True),
        (GET, 504, {}, True),
        (GET, 500, {}, False),
        (GET, 409, {}, False),
        (GET, 404, {}, False),
        (WRITE, 429, {}, True),
        (WRITE, 503, {"Retry-After": "1"}, True),
        (WRITE, 503, {}, False),
        (WRITE, 502, {}, False),
        (WRITE, 504, {}, False),
        (WRITE, 500, {}, False),
        (WRITE, 409, {"Retry-After": "0"}, False),
    ],
)
def test_retry_rule_for_responses(
    call_: _api.Call[Any], status: int, headers: dict[str, str], retried: bool
) -> None:
    """Reads retry on 429/502/503/504; writes only where the server cannot have applied them."""
    response = httpx.Response(status, headers=headers)
    assert (retry_delay(call_, 0, 3, response=response) is not None) is retried


@pytest.mark.parametrize(
    ("call_", "error", "retried"),
    [
        (GET, httpx.ConnectError("refused"), True),
        (GET, httpx.ReadTimeout("slow"), True),
        (GET, httpx.RemoteProtocolError("reset"), True),
        (WRITE, httpx.ConnectError("refused"), True),
        (WRITE, httpx.ConnectTimeout("slow"), True),
        (WRITE, httpx.ReadTimeout("slow"), False),
        (WRITE, httpx.WriteTimeout("slow"), False),
        (WRITE, httpx.RemoteProtocolError("reset"), False),
    ],
)
def test_retry_rule_for_transport_errors(
    call_: _api.Call[Any], error: Exception, retried: bool
) -> None:
    """A write that may have reached the server is never resent."""
    assert (retry_delay(call_, 0, 3, error=error) is not None) is retried


def test_max_retries_bounds_attempts_and_zero_disables() -> None:
    """No retry once ``attempt`` reaches ``max_retries``; 0 disables retries."""
    response = httpx.Response(503)
    assert retry_delay(GET, 2, 3, response=response) is not None
    assert retry_delay(GET, 3, 3, response=response) is None
    assert retry_delay(GET, 0, 0, response=response) is None


def test_backoff_grows_exponentially_with_bounded_jitter() -> None:
    """Delays double per attempt, are capped, and jitter keeps them in [50%, 100%]."""
    assert [backoff_delay(n, 0.999999) for n in range(6)] == pytest.approx(
        [0.5, 1, 2, 4, 8, 8], rel=1e-5
    )
    assert backoff_delay(1, 0.0) == pytest.approx(0.5)


def test_retry_after_seconds_and_http_date_are_honoured_and_capped() -> None:
    """Retry-After as seconds or an HTTP date sets the delay; huge values are capped."""
    assert parse_retry_after("2") == 2.0
    assert parse_retry_after("0") == 0.0
    assert parse_retry_after("99999") == RETRY_AFTER_MAX
    assert parse_retry_after("soon") is None
    date = email.utils.formatdate(1_000_010, usegmt=True)
    assert parse_retry_after(date, now=1_000_000) == pytest.approx(10.0)
    response = httpx.Response(429, headers={"Retry-After": "3"})
    assert retry_delay(GET, 0, 3, response=response) == 3.0


def test_client_retries_429_then_succeeds(mode: str, _no_sleep: list[float]) -> None:
    """A 429 with Retry-After is waited out and the write lands once."""
    answers = iter(
        [httpx.Response(429, headers={"Retry-After": "1"}), httpx.Response(200, json={})]
    )
    recorder = Recorder(lambda r: next(answers))
    call(mode, make_clients(recorder), "add_memory", "s", [{"role_type": "user", "content": "x"}])
    assert len(recorder.requests) == 2
    assert _no_sleep == [1.0]


def test_client_does_not_resend_a_write_after_500(mode: str) -> None:
    """A 500 on a write surfaces at once: it may have been stored."""
    recorder = Recorder(lambda r: httpx.Response(500, json={"message": "db down"}))
    with pytest.raises(ServerError, match="db down"):
        call(
            mode, make_clients(recorder), "add_memory", "s", [{"role_type": "user", "content": "x"}]
        )
    assert len(recorder.requests) == 1


def test_client_gives_up_after_max_retries(mode: str, _no_sleep: list[float]) -> None:
    """An idempotent read is tried 1 + max_retries times, then the error surfaces."""
    recorder = Recorder(lambda r: httpx.Response(503, json={"message": "busy"}))
    with pytest.raises(ServerError):
        call(mode, make_clients(recorder, max_retries=2), "get_session", "s")
    assert len(recorder.requests) == 3
    assert len(_no_sleep) == 2


def test_timeout_on_write_is_typed_and_not_resent(mode: str) -> None:
    """A read timeout on a write raises ZepTimeoutError after a single attempt."""

    def answer(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    recorder = Recorder(answer)
    with pytest.raises(ZepTimeoutError):
        call(
            mode, make_clients(recorder), "add_memory", "s", [{"role_type": "user", "content": "x"}]
        )
    assert len(recorder.requests) == 1


def test_connection_refused_is_typed_and_fast(mode: str) -> None:
    """A real refused connection gives ZepConnectionError (retried, then raised)."""
    kwargs: dict[str, Any] = {"base_url": "http://127.0.0.1:9", "max_retries": 1, "timeout": 2}
    clients = (ZepClient(**kwargs), AsyncZepClient(**kwargs))
    with pytest.raises(ZepConnectionError) as info:
        call(mode, clients, "get_session", "s")
    assert not isinstance(info.value, ZepTimeoutError)


# -- configuration ------------------------------------------------------------------------------


def test_explicit_arguments_beat_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """base_url and api_key arguments win over ZEP_API_URL and ZEP_API_KEY."""
    monkeypatch.setenv("ZEP_API_URL", "http://env:1")
    monkeypatch.setenv("ZEP_API_KEY", "env-key")
    settings = _config.resolve("arg-key", "http://arg:2/api/v2/")
    assert (settings.root, settings.api_key) == ("http://arg:2", "arg-key")


def test_environment_is_read_at_construction(monkeypatch: pytest.MonkeyPatch) -> None:
    """ZEP_API_URL set after import is honoured, with or without /api/v2."""
    monkeypatch.setenv("ZEP_API_URL", "http://env:1/api/v2")
    client = ZepClient()
    assert client.base_url == "http://env:1/api/v2/"
    monkeypatch.setenv("ZEP_API_URL", "http://env:3")
    assert ZepClient().base_url == "http://env:3/api/v2/"


def test_key_without_url_means_zep_cloud(monkeypatch: pytest.MonkeyPatch) -> None:
    """A key alone targets Zep Cloud."""
    monkeypatch.setenv("ZEP_API_KEY", "k")
    assert ZepClient().base_url == "https://api.getzep.com/api/v2/"


def test_nothing_configured_means_embedded(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No key and no URL selects the embedded server at ZEP_INTEGRATIONS_DB or db_path."""
    monkeypatch.setenv("ZEP_INTEGRATIONS_DB", str(tmp_path / "env.db"))
    assert _config.resolve().db_path == tmp_path / "env.db"
    assert _config.resolve(db_path=tmp_path / "arg.db").db_path == tmp_path / "arg.db"
    monkeypatch.delenv("ZEP_INTEGRATIONS_DB")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    if sys.platform.startswith("linux"):
        assert _config.resolve().db_path == tmp_path / "xdg" / "zep-integrations" / "zep.db"


def test_bad_configuration_explains_the_fix(tmp_path: Path) -> None:
    """A URL without a scheme, or db_path with a URL, is a ValueError saying what to do."""
    with pytest.raises(ValueError, match="must start with http:// or https://"):
        ZepClient(base_url="localhost:8000")
    with pytest.raises(ValueError, match="cannot be combined"):
        ZepClient(base_url="http://h:1", db_path=tmp_path / "x.db")
    with pytest.raises(ValueError, match="max_retries must be an int >= 0"):
        ZepClient(base_url="http://h:1", max_retries=-1)


def test_repr_shows_target_never_key() -> None:
    """repr() names where data goes and never contains the key."""
    client = ZepClient(api_key="sk-secret-123", base_url="http://h:1")
    assert repr(client) == "ZepClient(target='http://h:1', api_version='v2')"
    assert "sk-secret" not in repr(client.as_async())


def test_user_http_client_keeps_its_hooks_and_gets_our_auth(mode: str) -> None:
    """A user-supplied httpx client is used as is, with our URL and key applied."""
    seen: list[httpx.Request] = []
    recorder = Recorder(lambda r: httpx.Response(200, json={}))
    transport = httpx.MockTransport(recorder)

    async def ahook(request: httpx.Request) -> None:
        seen.append(request)

    clients = (
        ZepClient(
            "k",
            "http://h:1",
            http_client=httpx.Client(transport=transport, event_hooks={"request": [seen.append]}),
        ),
        AsyncZepClient(
            "k",
            "http://h:1",
            http_client=httpx.AsyncClient(transport=transport, event_hooks={"request": [ahook]}),
        ),
    )
    call(mode, clients, "get_session", "s")
    assert len(seen) == 1
    assert str(seen[0].url) == "http://h:1/api/v2/sessions/s"
    assert seen[0].headers["Authorization"] == "Api-Key k"


def test_import_loads_no_framework_and_reads_no_environment() -> None:
    """`import zep_integrations` pulls in neither framework nor the server."""
    code = (
        "import sys, zep_integrations;"
        "bad = [m for m in ('langchain_core', 'llama_index', 'zep_integrations.server', 'uvicorn')"
        " if m in sys.modules];"
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_explicit_db_path_beats_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """An explicit db_path selects the embedded server even when ZEP_API_URL/KEY are set."""
    monkeypatch.setenv("ZEP_API_URL", "http://env:1")
    monkeypatch.setenv("ZEP_API_KEY", "env-key")
    settings = _config.resolve(db_path=tmp_path / "x.db")
    assert settings.db_path == tmp_path / "x.db"
    assert settings.api_key is None


def test_empty_key_means_no_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """An empty api_key argument is "no key", not Zep Cloud, and does not fall back to the env."""
    monkeypatch.setenv("ZEP_API_KEY", "env-key")
    assert _config.resolve(api_key="").db_path is not None
