"""Run ``zep-integrations serve`` in a child process and wait until it answers.

For tests, benchmarks and applications that want a private Zep-compatible server on loopback:

Example:
    >>> import os, tempfile
    >>> from zep_integrations import ZepClient
    >>> with serve_process(os.path.join(tempfile.mkdtemp(), "zep.db")) as served:
    ...     client = ZepClient(base_url=served.url)
    ...     _ = client.add_memory("s1", [{"role_type": "user", "content": "Hi"}])
    ...     [m.content for m in client.get_messages("s1").messages]
    ['Hi']
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import httpx

__all__ = ["ServeProcess", "free_port", "serve_process", "start_serve"]

_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class ServeProcess:
    """A running ``zep-integrations serve`` child process.

    Attributes:
        process: The child process.
        port: The port it listens on (on 127.0.0.1 unless another host was asked for).
    """

    process: subprocess.Popen[bytes]
    port: int

    @property
    def url(self) -> str:
        """The server root, for ``ZepClient(base_url=...)`` or ``ZEP_API_URL``."""
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        """Stop the server as Ctrl-C would (SIGTERM) and wait for it to exit."""
        if self.process.poll() is None:
            self.process.terminate()
        self.process.wait(timeout=10)


def start_serve(
    db_path: str | os.PathLike[str],
    *,
    api_key: str | None = None,
    port: int | None = None,
    host: str | None = None,
    deterministic: bool = False,
    log_level: str = "warning",
    output: IO[bytes] | int | None = subprocess.DEVNULL,
    timeout: float = 20.0,
    extra_args: Sequence[str] = (),
) -> ServeProcess:
    """Start ``zep-integrations serve`` on ``db_path`` and return once ``/healthz`` answers.

    Args:
        db_path: The SQLite file.
        api_key: Require this key (``--api-key``).
        port: The port; a free one when ``None``.
        host: The interface (``--host``); the server's loopback default when ``None``.
        deterministic: Fixed clock and sequential UUIDs (``--deterministic``).
        log_level: uvicorn's log level.
        output: Where the child's stdout and stderr go.
        timeout: Seconds to wait for the server to answer.
        extra_args: More ``serve`` options (``--no-auth``, ``--allowed-host`` ...).

    Raises:
        RuntimeError: the server exited or did not answer within ``timeout``.
    """
    port = free_port() if port is None else port
    args = [sys.executable, "-m", "zep_integrations.cli", "serve", "--port", str(port)]
    args += ["--db", str(db_path), "--log-level", log_level]
    if host is not None:
        args += ["--host", host]
    if api_key is not None:
        args += ["--api-key", api_key]
    if deterministic:
        args.append("--deterministic")
    args += list(extra_args)
    # The child must import this very package, installed or not.
    path = os.pathsep.join(p for p in (_PACKAGE_ROOT, os.environ.get("PYTHONPATH")) if p)
    env = {**os.environ, "PYTHONPATH": path}
    process = subprocess.Popen(args, env=env, stdout=output, stderr=subprocess.STDOUT)
    served = ServeProcess(process, port)
    deadline = time.monotonic() + timeout
    while process.poll() is None and time.monotonic() < deadline:
        try:
            if httpx.get(f"{served.url}/healthz", timeout=1).status_code == 200:
                return served
        except httpx.TransportError:
            time.sleep(0.05)
    process.kill()
    process.wait()
    raise RuntimeError(f"zep-integrations serve did not start (exit status {process.returncode})")


@contextmanager
def serve_process(db_path: str | os.PathLike[str], **options: Any) -> Iterator[ServeProcess]:
    """:func:`start_serve` (same options) as a context manager that stops the server on exit."""
    served = start_serve(db_path, **options)
    try:
        yield served
    finally:
        served.stop()
