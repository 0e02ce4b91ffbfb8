"""What ``serve`` checks before the handler sees a request: Host, Origin and content type.

Three doors a web page could otherwise open to a server on the user's own machine:

* **Cross-site requests.** Any page can make the browser POST to ``http://127.0.0.1:8000`` with a
  ``text/plain`` body (a "simple" request, sent without a CORS preflight). If the server parsed it
  as JSON, the page could write messages and facts into someone's memory (prompt injection on the
  next turn) or end their sessions. So a request with a body must say ``application/json``
  (optionally ``; charset=utf-8``), which a page can only send after a preflight this server never
  approves; anything else gets 415.
* **DNS rebinding.** A page on ``evil.example`` can re-point that name at 127.0.0.1 and then read
  responses as same-origin. Its requests still carry ``Host: evil.example:8000``, so the ``Host``
  header must name the address the server is bound to (or ``127.0.0.1``, ``localhost``, ``[::1]``
  on the bound port), or a name given with ``--allowed-host``; anything else gets 403.
* **Cross-origin browser requests.** Browsers add ``Origin`` to cross-origin requests. A request
  whose ``Origin`` is not one of the allowed hosts (on the bound port) nor listed with
  ``--allowed-origin`` gets 403. Programs (SDKs, curl) send no ``Origin`` and are unaffected.

Bound to a wildcard address (``0.0.0.0``, ``::``) the server answers to any name by design, so the
``Host`` check applies only when ``--allowed-host`` is given; the other two checks always apply.
The in-process transports skip this module: no browser can reach them, and their ``Host`` is
whatever ``base_url`` the client was given.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from zep_integrations.server.handler import HTTPError, Request, Response, error

__all__ = ["Guard", "is_loopback"]

_LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")
_WILDCARDS = ("0.0.0.0", "::", "")
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a bind address or name) only accepts connections from this machine."""
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _refuse(request: Request, status: int, message: str) -> Response:
    """A refusal in the error body of the API the request is for (v4 has its own envelope)."""
    from zep_integrations.server import v4

    if request.raw_path.startswith(v4.PREFIX):
        return v4.API.fail(request, HTTPError(status, message))
    return error(status, message)


def _split_host(value: str) -> tuple[str, int | None]:
    """``("name", port)`` of a ``Host`` header or ``--allowed-host`` value; IPv6 in brackets."""
    value = value.strip().lower()
    if value.startswith("["):
        name, _, rest = value[1:].partition("]")
        port_text = rest[1:] if rest.startswith(":") else ""
    elif value.count(":") == 1:
        name, _, port_text = value.partition(":")
    else:
        name, port_text = value, ""  # a bare IPv6 address, or no port
    if not port_text:
        return name, None
    if not port_text.isdigit() or len(port_text) > 5:
        return name, -1  # never matches
    return name, int(port_text)


@dataclass(frozen=True)
class Guard:
    """The Host, Origin and content-type checks of one served address; build with :meth:`for_bind`.

    Attributes:
        port: The bound port; loopback names and the bound host must carry it.
        check_host: Whether the ``Host`` header is checked (see the module docstring).
        hosts: Allowed ``(name, port)`` pairs; port ``None`` means any port.
        origins: Browser origins allowed to call (``https://app.example``), or ``*``.

    Example:
        >>> from zep_integrations.server.handler import Request
        >>> guard = Guard.for_bind("127.0.0.1", 8000)
        >>> guard.check(Request("GET", "/healthz", headers={"host": "127.0.0.1:8000"})) is None
        True
        >>> guard.check(Request("GET", "/healthz", headers={"host": "evil.example:8000"})).status
        403
    """

    port: int
    check_host: bool
    hosts: frozenset[tuple[str, int | None]]
    origins: frozenset[str]

    @classmethod
    def for_bind(
        cls,
        bound_host: str,
        port: int,
        allowed_hosts: Iterable[str] = (),
        allowed_origins: Iterable[str] = (),
    ) -> Guard:
        """The guard of a server bound to ``bound_host:port``.

        Args:
            bound_host: The bound address (``--host``).
            port: The bound port.
            allowed_hosts: More names the ``Host`` header may carry: ``name`` (any port),
                ``name:port``, or ``*`` for any.
            allowed_origins: Browser origins allowed to call (``https://app.example``), or ``*``.
        """
        extra = [h for h in allowed_hosts if h.strip()]
        hosts: set[tuple[str, int | None]] = {(name, port) for name in _LOOPBACK_NAMES}
        if bound_host.strip("[]") not in _WILDCARDS:
            hosts.add((bound_host.strip("[]").lower(), port))
        hosts.update(_split_host(h) for h in extra)
        if port == 80:
            hosts.update((name, None) for name, p in list(hosts) if p == 80)
        wildcard_bind = bound_host.strip("[]") in _WILDCARDS
        check_host = "*" not in extra and not (wildcard_bind and not extra)
        origins = frozenset(o.strip().rstrip("/").lower() for o in allowed_origins if o.strip())
        return cls(port, check_host, frozenset(hosts), origins)

    def _host_allowed(self, name: str, port: int | None) -> bool:
        return (name, port) in self.hosts or (name, None) in self.hosts

    def check(self, request: Request) -> Response | None:
        """The refusal to send instead of answering ``request``, or ``None`` to answer it."""
        if self.check_host:
            host = request.headers.get("host", "")
            if not host or not self._host_allowed(*_split_host(host)):
                return _refuse(
                    request,
                    403,
                    f"Host {host[:100]!r} is not an address of this server; start it with "
                    "--allowed-host NAME to accept requests for another name",
                )
        origin = request.headers.get("origin")
        if origin is not None and not self._origin_allowed(origin):
            return _refuse(
                request,
                403,
                f"cross-origin requests from {origin[:100]!r} are refused; start the server with "
                "--allowed-origin ORIGIN to allow a web page to call it",
            )
        if request.method.upper() in _BODY_METHODS and request.body.strip():
            problem = _json_content_type_problem(request.headers.get("content-type", ""))
            if problem:
                return _refuse(request, 415, problem)
        return None

    def _origin_allowed(self, origin: str) -> bool:
        normal = origin.strip().rstrip("/").lower()
        if "*" in self.origins or normal in self.origins:
            return True
        parts = urlsplit(normal)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return False  # "null" (sandboxed pages, file://) and the like
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            return False
        # A page served from this very address is same-origin (nothing is served here today).
        return port == self.port and self._host_allowed(parts.hostname, port)


def _json_content_type_problem(value: str) -> str | None:
    media, *params = (part.strip() for part in value.split(";"))
    if media.lower() != "application/json":
        shown = media[:60] or "none"
        return f"request bodies must be sent as Content-Type: application/json (got {shown})"
    for param in params:
        key, _, val = param.partition("=")
        if key.strip().lower() == "charset" and val.strip().strip('"').lower() not in (
            "utf-8",
            "utf8",
        ):
            return "request bodies must be UTF-8 JSON (charset=utf-8)"
    return None
