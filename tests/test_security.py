"""`serve` security: the API key on every route, loopback by default, no key leaks, size limit."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.test_server_served import REPO, start_server, stop_server
from zep_integrations import (
    AsyncZepClient,
    AuthenticationError,
    PayloadTooLargeError,
    ZepClient,
    ZepConnectionError,
)
from zep_integrations.server import ZepServer
from zep_integrations.server.app import DEFAULT_MAX_BODY_BYTES, ROUTES
from zep_integrations.server.process import free_port, start_serve

SECRET = "sk-test-Secr3t-0123456789abcdef"


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, str]]:
    """`serve --api-key SECRET` at debug log level, its output captured to a file."""
    tmp = tmp_path_factory.mktemp("security")
    db, log = tmp / "secured.db", tmp / "serve.log"
    with log.open("wb") as out:
        served = start_serve(db, api_key=SECRET, log_level="debug", output=out)
    yield served.url, db, str(log)
    served.stop()


def _concrete(pattern: str) -> str:
    return re.sub(r"\{[^}]+\}", "x", pattern)


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Api-Key wrong", f"Bearer {SECRET}", f"Api-Key {SECRET}x", f"api-key {SECRET}"],
    ids=["missing", "empty", "wrong", "bearer", "longer", "lowercase-scheme"],
)
def test_every_route_rejects_missing_and_wrong_keys(
    secured: tuple[str, Path, str], authorization: str | None
) -> None:
    """Every /api/v2 route answers 401 with a JSON message without the exact key."""
    url = secured[0]
    headers = {} if authorization is None else {"Authorization": authorization}
    with httpx.Client(base_url=f"{url}/api/v2/", headers=headers) as http:
        for route in ROUTES:
            response = http.request(route.method, _concrete(route.pattern), json={})
            assert response.status_code == 401, route
            assert response.json() == {"message": "unauthorized"}, route
        assert http.get("no/such/route").status_code == 401


def test_the_right_key_is_accepted_and_health_needs_none(secured: tuple[str, Path, str]) -> None:
    """With the key, requests succeed; /healthz needs no key and says nothing about it."""
    url = secured[0]
    with ZepClient(api_key=SECRET, base_url=url) as client:
        client.add_memory("s-auth", [{"role_type": "user", "content": "hi"}])
        assert [m.content for m in client.get_messages("s-auth").messages] == ["hi"]
    health = httpx.get(f"{url}/healthz")
    assert health.status_code == 200 and SECRET not in health.text


def test_wrong_key_errors_never_show_the_key(secured: tuple[str, Path, str]) -> None:
    """AuthenticationError and connection errors name the problem, never the key."""
    url = secured[0]
    wrong = ZepClient(api_key=SECRET + "-wrong", base_url=url)
    with wrong, pytest.raises(AuthenticationError) as info:
        wrong.get_session("s-auth")
    text = f"{info.value} {info.value!r} {info.value.body} {info.value.message}"
    assert SECRET not in text
    closed = f"http://127.0.0.1:{free_port()}"
    unreachable = ZepClient(api_key=SECRET, base_url=closed, max_retries=0)
    with unreachable, pytest.raises(ZepConnectionError) as refused:
        unreachable.get_session("s")
    assert SECRET not in f"{refused.value} {refused.value!r}"


def test_key_is_never_logged(secured: tuple[str, Path, str]) -> None:
    """At debug level, the serve output after good, missing and wrong keys never has the key."""
    url, _, log = secured
    with ZepClient(api_key=SECRET, base_url=url) as client:
        client.add_memory("s-log", [{"role_type": "user", "content": "log me"}])
        client.get_memory("s-log")
    httpx.get(f"{url}/api/v2/sessions/s-log", headers={"Authorization": "Api-Key nope"})
    httpx.get(f"{url}/api/v2/sessions/s-log")
    time.sleep(0.2)
    output = Path(log).read_text(errors="replace")
    assert "API key required" in output  # the startup line says a key is needed...
    assert "/api/v2/sessions/s-log" in output  # ...and requests are logged at this level
    assert SECRET not in output


def test_reprs_never_show_the_key(tmp_path: Path) -> None:
    """Clients, the server and the adapters show where data goes, never the key."""
    from zep_integrations.langchain import ZepChatMessageHistory
    from zep_integrations.llama_index import ZepChatStore, ZepMemory

    client = ZepClient(api_key=SECRET, base_url="http://127.0.0.1:9")
    cloud = ZepClient(api_key=SECRET)
    aclient = AsyncZepClient(api_key=SECRET)
    server = ZepServer(tmp_path / "z.db", api_key=SECRET)
    store = ZepChatStore(client=client)
    memory = ZepMemory.from_defaults("s", client=client)
    history = ZepChatMessageHistory("s", client=client)
    shown = [
        repr(client),
        repr(cloud),
        repr(aclient),
        repr(client.as_async()),
        repr(client.settings),
        repr(server),
        repr(history),
        repr(store),
        store.model_dump_json(),
        repr(memory),
        memory.model_dump_json(),
    ]
    assert all(SECRET not in text for text in shown), shown
    assert "127.0.0.1:9" in repr(client) and "api.getzep.com" in repr(cloud)
    server.close()


def test_cassettes_hold_no_key() -> None:
    """Every recorded Authorization header is redacted, and no test key is in any cassette."""
    files = sorted((REPO / "cassettes").rglob("*.yaml"))
    assert files
    for path in files:
        text = path.read_text()
        assert set(re.findall(r"Api-Key (\S+)", text)) <= {"REDACTED"}, path
        assert "test-key" not in text and SECRET not in text, path
        assert "bearer" not in text.lower(), path


def test_serve_listens_on_loopback_only_by_default(tmp_path: Path) -> None:
    """Without --host, `serve` listens on 127.0.0.1 and nowhere else."""
    proc, port = start_server(tmp_path / "bind.db", api_key=None)
    try:
        listening: list[str] = []
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            for line in Path(table).read_text().splitlines()[1:]:
                local, state = line.split()[1], line.split()[3]
                address, port_hex = local.rsplit(":", 1)
                if state == "0A" and int(port_hex, 16) == port:
                    listening.append(address)
        assert listening == ["0100007F"]  # 127.0.0.1, little-endian hex; no 0.0.0.0 or ::
    finally:
        stop_server(proc)


def test_request_size_limit_is_413(secured: tuple[str, Path, str]) -> None:
    """A body over 5 MiB gets 413 (PayloadTooLargeError in the client) and stores nothing."""
    url = secured[0]
    blob = "x" * (DEFAULT_MAX_BODY_BYTES + 1024)
    with httpx.Client(base_url=f"{url}/api/v2/") as http:
        response = http.post(
            "sessions/s-big/memory",
            content=blob.encode(),
            headers={"Authorization": f"Api-Key {SECRET}", "Content-Type": "application/json"},
        )
    assert response.status_code == 413
    assert response.json() == {"message": "request body too large"}
    # max_body_bytes=None: the client's own check (a ValueError before sending) is off, so the
    # server's 413 is what answers.
    with ZepClient(api_key=SECRET, base_url=url, max_retries=0, max_body_bytes=None) as client:
        big = [{"role_type": "user", "content": "x", "metadata": {"blob": blob}}]
        with pytest.raises(PayloadTooLargeError):
            client.add_memory("s-big", big)
        assert client.list_sessions().sessions is None or all(
            s.session_id != "s-big" for s in client.list_sessions().sessions or []
        )


def test_in_process_size_limit_is_413(tmp_path: Path) -> None:
    """The in-process server enforces its max_body_bytes too."""
    server = ZepServer(tmp_path / "z.db", max_body_bytes=1000)
    http = httpx.Client(transport=server.transport())
    with ZepClient(db_path=server.db_path, http_client=http) as client:
        with pytest.raises(PayloadTooLargeError, match="too large"):
            client.add_memory("s", [{"role_type": "user", "content": "y" * 2000}])
        assert client.list_sessions().total_count == 0
    server.close()
