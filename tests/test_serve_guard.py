"""`serve` security and availability (issue 10, items 5-7): keys, Host/Origin/content, threads."""

from __future__ import annotations

import random
import statistics
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from zep_integrations import cli
from zep_integrations.server import ZepServer
from zep_integrations.server.asgi import check_auth_choice
from zep_integrations.server.guard import Guard
from zep_integrations.server.handler import Request
from zep_integrations.server.process import ServeProcess, start_serve

# -- 5: running without a key is an explicit, visible choice -------------------------------------


@pytest.mark.parametrize(
    ("argv", "env", "needle"),
    [
        (["--api-key", ""], {}, "empty"),
        (["--api-key", "   "], {}, "empty"),
        ([], {"ZEP_SERVER_API_KEY": ""}, "empty"),
        (["--host", "0.0.0.0"], {}, "--no-auth"),
        (["--host", "192.0.2.1"], {}, "without an API key"),
        (["--no-auth", "--api-key", "k"], {}, "contradict"),
    ],
)
def test_serve_refuses_to_start_without_an_explicit_auth_choice(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    env: dict[str, str],
    needle: str,
) -> None:
    """An empty key, or no key on a non-loopback address without --no-auth, exits 2 at once."""
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    status = cli.main(["serve", "--db", str(tmp_path / "z.db"), "--port", "1", *argv])
    assert status == 2
    assert needle in capsys.readouterr().err
    assert not (tmp_path / "z.db").exists()


def test_server_object_refuses_an_empty_key(tmp_path: Path) -> None:
    """ZepServer(api_key="") is a ValueError, not a server without auth."""
    with pytest.raises(ValueError, match="empty"):
        ZepServer(tmp_path / "z.db", api_key="")


def test_auth_choices_that_are_accepted() -> None:
    """A key anywhere, no key on loopback, and --no-auth elsewhere are accepted."""
    check_auth_choice("0.0.0.0", "key", no_auth=False)
    check_auth_choice("127.0.0.1", None, no_auth=False)
    check_auth_choice("::1", None, no_auth=False)
    check_auth_choice("localhost", None, no_auth=False)
    check_auth_choice("0.0.0.0", None, no_auth=True)


def test_keyless_serve_says_so_loudly(tmp_path: Path) -> None:
    """Serving without a key logs a NO AUTHENTICATION warning even at log level warning."""
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        served = start_serve(tmp_path / "z.db", output=out)
        served.stop()
    assert "NO AUTHENTICATION" in log.read_text()


def test_no_auth_on_a_wildcard_address_starts(tmp_path: Path) -> None:
    """--no-auth with --host 0.0.0.0 is the explicit way to serve the network without a key."""
    served = start_serve(tmp_path / "z.db", host="0.0.0.0", extra_args=["--no-auth"])
    try:
        assert httpx.get(f"{served.url}/api/v2/sessions-ordered").status_code == 200
    finally:
        served.stop()


# -- 6: cross-site and DNS rebinding -------------------------------------------------------------


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServeProcess]:
    proc = start_serve(tmp_path_factory.mktemp("guard") / "z.db")
    yield proc
    proc.stop()


def stored(served: ServeProcess) -> int:
    page = httpx.get(f"{served.url}/api/v2/sessions-ordered").json()
    return int(page["total_count"])


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        None,
        "application/json; charset=latin-1",
        "application/jsonx",
    ],
)
def test_bodies_that_are_not_declared_json_get_415(
    served: ServeProcess, content_type: str | None
) -> None:
    """A cross-site 'simple' POST (text/plain and friends) is refused and stores nothing."""
    before = stored(served)
    headers = {"content-type": content_type} if content_type else {}
    answer = httpx.post(
        f"{served.url}/api/v2/sessions", content=b'{"session_id": "xsite"}', headers=headers
    )
    assert answer.status_code == 415
    assert "application/json" in answer.json()["message"] or "UTF-8" in answer.json()["message"]
    assert stored(served) == before


@pytest.mark.parametrize(
    "content_type", ["application/json", "application/json; charset=utf-8", "Application/JSON"]
)
def test_json_bodies_are_accepted(served: ServeProcess, content_type: str) -> None:
    """JSON with or without a UTF-8 charset is answered as before."""
    answer = httpx.post(
        f"{served.url}/api/v2/sessions",
        content=b"{}",
        headers={"content-type": content_type},
    )
    assert answer.status_code == 400  # session_id is required: the handler saw the body


@pytest.mark.parametrize("host", ["evil.example", "evil.example:{port}", "127.0.0.1:1", "[::2]"])
def test_foreign_host_headers_are_refused(served: ServeProcess, host: str) -> None:
    """DNS rebinding: a Host that is not this server's address gets 403 and reads nothing."""
    answer = httpx.get(
        f"{served.url}/api/v2/sessions-ordered", headers={"host": host.format(port=served.port)}
    )
    assert answer.status_code == 403
    assert "--allowed-host" in answer.json()["message"]


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "localhost:{port}", "[::1]:{port}"])
def test_loopback_host_headers_are_answered(served: ServeProcess, host: str) -> None:
    """The loopback names on the bound port are this server."""
    answer = httpx.get(
        f"{served.url}/api/v2/sessions-ordered", headers={"host": host.format(port=served.port)}
    )
    assert answer.status_code == 200


@pytest.mark.parametrize(
    "origin", ["http://evil.example", "null", "http://127.0.0.1:3000", "https://localhost"]
)
def test_cross_origin_browser_requests_are_refused(served: ServeProcess, origin: str) -> None:
    """A request carrying a foreign Origin gets 403, reads and writes alike."""
    before = stored(served)
    read = httpx.get(f"{served.url}/api/v2/sessions-ordered", headers={"origin": origin})
    write = httpx.post(
        f"{served.url}/api/v2/sessions", json={"session_id": "o"}, headers={"origin": origin}
    )
    assert read.status_code == write.status_code == 403
    assert "--allowed-origin" in read.json()["message"]
    assert stored(served) == before


def test_allowed_hosts_and_origins_from_options_and_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--allowed-host and --allowed-origin (or their environment variables) open only those."""
    monkeypatch.setenv("ZEP_SERVER_ALLOWED_HOSTS", "env.example")
    args = ["--allowed-host", "zep.internal", "--allowed-origin", "https://app.example"]
    for extra in (args, []):
        served = start_serve(tmp_path / "z.db", extra_args=extra)
        try:
            url = f"{served.url}/api/v2/sessions-ordered"
            named = httpx.get(url, headers={"host": f"zep.internal:{served.port}"})
            from_env = httpx.get(url, headers={"host": "env.example"})
            if extra:
                assert named.status_code == 200 and from_env.status_code == 403
                assert httpx.get(url, headers={"origin": "https://app.example"}).status_code == 200
                assert httpx.get(url, headers={"origin": "https://b.example"}).status_code == 403
            else:
                assert named.status_code == 403 and from_env.status_code == 200
        finally:
            served.stop()


def test_guard_parses_host_forms() -> None:
    """IPv6 brackets, missing ports and junk ports are handled without errors."""
    guard = Guard.for_bind("::1", 8000, ["any.example", "fixed.example:9"])

    def status(host: str) -> int | None:
        answer = guard.check(Request("GET", "/x", headers={"host": host}))
        return None if answer is None else answer.status

    assert status("[::1]:8000") is None and status("any.example:1234") is None
    assert status("fixed.example:9") is None and status("fixed.example:10") == 403
    assert status("[::1]:80") == 403 and status("[::1]:x") == 403 and status("") == 403
    assert status("127.0.0.1:99999999") == 403


# -- 7: one heavy request does not stall the others ----------------------------------------------


def test_a_heavy_request_does_not_stall_healthz_or_reads(tmp_path: Path) -> None:
    """With an MMR search over 1,000 documents in flight, /healthz and a read answer in 100 ms.

    Five samples each; the median must be under 100 ms and every sample under 500 ms.
    """
    db = tmp_path / "z.db"
    rng = random.Random(7)
    words = [f"w{i}" for i in range(400)]
    seed = ZepServer(db)
    with httpx.Client(transport=seed.transport(), base_url="http://zep/api/v2/") as http:
        http.post("collections/big", json={})
        docs = [{"content": "apple " + " ".join(rng.choices(words, k=40))} for _ in range(1000)]
        assert http.post("collections/big/documents", json=docs).status_code == 200
        http.post("sessions/s1/memory", json={"messages": [{"role_type": "user", "content": "hi"}]})
    seed.close()
    served = start_serve(db)
    try:
        heavy_done = threading.Event()

        def heavy() -> None:
            body = {"text": "apple", "search_type": "mmr"}
            httpx.post(
                f"{served.url}/api/v2/collections/big/search?limit=1000", json=body, timeout=300
            )
            heavy_done.set()

        worker = threading.Thread(target=heavy)
        with httpx.Client(base_url=served.url) as client:
            client.get("/healthz")  # warm the connection
            worker.start()
            time.sleep(0.3)
            timings: dict[str, list[float]] = {"/healthz": [], "/api/v2/sessions/s1/messages": []}
            for _ in range(5):
                for path, seen in timings.items():
                    start = time.perf_counter()
                    assert client.get(path).status_code == 200
                    seen.append(time.perf_counter() - start)
            in_flight = not heavy_done.is_set()
        worker.join()
        assert in_flight, "the heavy request finished too soon to prove anything"
        # The median, and a looser bound on every sample: CI machines are shared, and one OS
        # scheduling hiccup is not the server stalling (before this fix every sample waited
        # for the whole heavy request, seconds).
        report = {path: [round(t * 1000) for t in seen] for path, seen in timings.items()}
        for seen in timings.values():
            assert statistics.median(seen) < 0.1, f"ms while a heavy request ran: {report}"
            assert max(seen) < 0.5, f"ms while a heavy request ran: {report}"
    finally:
        served.stop()
