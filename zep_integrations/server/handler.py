"""The one request handler: routing, auth, limits, JSON parsing and error bodies.

Transport-neutral: the in-process httpx transports and the ASGI app both build a :class:`Request`
and send back the :class:`Response`. Route functions live in ``routes_*.py``; each receives a
:class:`Ctx` and returns ``(status, JSON value)`` or raises :class:`HTTPError`.
"""

from __future__ import annotations

import hmac
import json
import logging
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import unquote

from zep_integrations._limits import (
    MAX_BATCH_ITEMS,
    MAX_BODY_DEPTH,
    MAX_JSON_INT,
    check_id,
    check_json_value,
)
from zep_integrations.server.memory import MemoryIntelligence
from zep_integrations.server.storage import Storage

__all__ = [
    "Api",
    "Ctx",
    "Env",
    "HTTPError",
    "Request",
    "Response",
    "Route",
    "check_batch",
    "handle",
]

logger = logging.getLogger("zep_integrations.server")

JSON_TYPE = "application/json; charset=utf-8"
API_PREFIX = "/api/v2/"


@dataclass(frozen=True)
class Request:
    """A transport-neutral HTTP request.

    Attributes:
        method: Upper-case method.
        raw_path: The path as sent, still percent-encoded, without the query string.
        query: Query pairs in order, blank values kept.
        headers: Header names lower-cased.
        body: The raw body.
    """

    method: str
    raw_path: str
    query: Sequence[tuple[str, str]] = ()
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""


@dataclass(frozen=True)
class Response:
    """A transport-neutral HTTP response."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes


class HTTPError(Exception):
    """An error answered with ``status``: ``{"message": ...}`` on v2, the v4 envelope on v4.

    ``code`` and ``param`` only show in the v4 envelope (``{"error": {"code", "message",
    "param"}}``); without a ``code`` the v4 API derives one from the status.
    """

    def __init__(
        self, status: int, message: str, *, code: str | None = None, param: str | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.param = param


@dataclass
class Env:
    """What route functions share: storage, clock, IDs, limits and the intelligence hooks."""

    store: Storage
    intelligence: MemoryIntelligence
    clock: Callable[[], datetime]
    new_uuid: Callable[[], str]
    project_uuid: str
    max_message_chars: int


@dataclass
class Ctx:
    """One request being answered: the environment, the request and the path parameters."""

    env: Env
    request: Request
    args: dict[str, str]
    _query: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for key, value in self.request.query:
            # Empty values mean "absent": zep-python sends unset params as `lastn=` (section 1).
            if value != "":
                self._query[key] = value

    @property
    def python_sdk(self) -> bool:
        """Whether the caller is zep-python 2.x, whose bodies differ in two places (section 7)."""
        return self.request.headers.get("x-fern-sdk-name", "").lower() == "zep-python"

    def sdk_major(self, name: str) -> int | None:
        """The major version of the official SDK ``name`` making this call, else ``None``.

        Fern-generated SDKs (zep-cloud, zep-python 2.x) send ``X-Fern-SDK-Name`` and
        ``X-Fern-SDK-Version``; where their generated types disagree on a body's shape, the
        server answers each the shape it parses (see ``routes_documents.add_documents``).
        """
        if self.request.headers.get("x-fern-sdk-name", "").lower() != name:
            return None
        major = self.request.headers.get("x-fern-sdk-version", "").strip().split(".")[0]
        return int(major) if major.isdigit() and len(major) < 6 else None

    def q(self, *names: str) -> str | None:
        """The first present (non-empty) query parameter among ``names``."""
        for name in names:
            if name in self._query:
                return self._query[name]
        return None

    def q_int(
        self, *names: str, minimum: int | None = 0, maximum: int = MAX_JSON_INT
    ) -> int | None:
        """An integer query parameter; 400 when malformed or outside ``[minimum, maximum]``.

        ``maximum`` defaults to the 64-bit limit, so no parameter reaches SQLite (or arithmetic
        before it) as an integer it cannot bind.
        """
        raw = self.q(*names)
        if raw is None:
            return None
        try:
            value = int(raw)
        except ValueError:
            raise HTTPError(400, f"{names[0]} must be an integer, got {raw[:40]!r}") from None
        if minimum is not None and value < minimum:
            raise HTTPError(400, f"{names[0]} must be >= {minimum}")
        if abs(value) > maximum:
            raise HTTPError(400, f"{names[0]} must be at most {maximum}")
        return value

    def q_float(self, name: str) -> float | None:
        """A float query parameter; 400 when malformed."""
        raw = self.q(name)
        if raw is None:
            return None
        try:
            value = float(raw)
        except ValueError:
            raise HTTPError(400, f"{name} must be a number, got {raw!r}") from None
        if not math.isfinite(value):
            raise HTTPError(400, f"{name} must be a finite number")
        return value

    def q_bool(self, name: str) -> bool | None:
        """A boolean query parameter (``true``/``false``)."""
        raw = self.q(name)
        if raw is None:
            return None
        if raw.lower() in ("true", "1"):
            return True
        if raw.lower() in ("false", "0"):
            return False
        raise HTTPError(400, f"{name} must be true or false, got {raw!r}")

    def json(self) -> Any:
        r"""The decoded JSON body (``None`` when empty); 400 when malformed or not storable.

        Refused here, for every route at once: ``NaN``/``Infinity`` literals and numbers that
        overflow to infinity (``1e999``), integers beyond 64 bits, lone surrogates (``"\ud800"``),
        and nesting deeper than :data:`~zep_integrations._limits.MAX_BODY_DEPTH`. A body nested
        100,000 deep stops the C parser at Python's recursion limit (a clean ``RecursionError``,
        not a crash), which reads as the same 400.
        """
        body = self.request.body
        if not body.strip():
            return None
        try:
            value = json.loads(body, parse_constant=_refuse_constant)
        except RecursionError:
            raise HTTPError(
                400, f"request body is nested more than {MAX_BODY_DEPTH} levels deep"
            ) from None
        except (ValueError, UnicodeDecodeError) as exc:
            raise HTTPError(400, f"request body is not valid JSON: {exc}") from None
        try:
            check_json_value(value, "request body", max_depth=MAX_BODY_DEPTH)
        except (ValueError, TypeError) as exc:
            raise HTTPError(400, str(exc)) from None
        return value

    def obj(self) -> dict[str, Any]:
        """The JSON body as an object (an empty body reads as ``{}``)."""
        value = self.json()
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise HTTPError(400, f"request body must be a JSON object, got {_kind(value)}")
        return value

    def now(self) -> str:
        """The current time as an RFC 3339 string."""
        from zep_integrations.server.records import rfc3339

        return rfc3339(self.env.clock())


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number; send null or a string instead")


def _kind(value: Any) -> str:
    return {
        dict: "an object",
        list: "an array",
        str: "a string",
        bool: "a boolean",
        int: "a number",
        float: "a number",
    }.get(type(value), "null")


def field_str(
    body: Mapping[str, Any], key: str, *, required: bool = False, empty_ok: bool = True
) -> str | None:
    """A string field of a JSON object; 400 on a wrong type or a missing required value."""
    value = body.get(key)
    if value is None:
        if required:
            raise HTTPError(400, f"{key} is required")
        return None
    if not isinstance(value, str):
        raise HTTPError(400, f"{key} must be a string, got {_kind(value)}")
    if not value and not empty_ok:
        raise HTTPError(400, f"{key} must not be empty")
    return value


def field_id(body: Mapping[str, Any], key: str, *, required: bool = False) -> str | None:
    """An ID field (user, session, document): non-empty, at most ``MAX_ID_CHARS``; else 400."""
    value = field_str(body, key, required=required, empty_ok=False)
    if value is not None:
        try:
            check_id(value, key)
        except ValueError as exc:
            raise HTTPError(400, str(exc)) from None
    return value


def field_map(body: Mapping[str, Any], key: str) -> dict[str, Any] | None:
    """An object field (metadata and the like); 400 on a wrong type or a value too deep to store.

    The nesting limit counts from the value itself, so it is the same whichever body carries it.
    """
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise HTTPError(400, f"{key} must be an object, got {_kind(value)}")
    try:
        check_json_value(value, key)
    except (ValueError, TypeError) as exc:
        raise HTTPError(400, str(exc)) from None
    return value


def field_num(body: Mapping[str, Any], key: str) -> float | None:
    """A number field; 400 on a wrong type."""
    value = body.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise HTTPError(400, f"{key} must be a number, got {_kind(value)}")
    return float(value)


def field_int(body: Mapping[str, Any], key: str) -> int | None:
    """An integer field; 400 on a wrong type."""
    value = body.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise HTTPError(400, f"{key} must be an integer, got {_kind(value)}")
    if abs(value) > MAX_JSON_INT:
        raise HTTPError(400, f"{key} must be at most {MAX_JSON_INT}")
    return value


def check_batch(items: Sequence[Any], what: str) -> None:
    """400 when an array of a request holds more than ``MAX_BATCH_ITEMS`` items."""
    if len(items) > MAX_BATCH_ITEMS:
        raise HTTPError(
            400,
            f"{what} has {len(items)} items; at most {MAX_BATCH_ITEMS} are accepted per request,"
            " split it into several requests",
        )


def field_strs(body: Mapping[str, Any], key: str) -> list[str] | None:
    """A list-of-strings field of at most ``MAX_BATCH_ITEMS``; 400 on a wrong type or size."""
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise HTTPError(400, f"{key} must be an array of strings")
    check_batch(value, key)
    return value


RouteFn = Callable[[Ctx], tuple[int, Any]]


@dataclass(frozen=True)
class Route:
    """``method`` + a path pattern such as ``sessions/{session_id}/memory``."""

    method: str
    pattern: str
    fn: RouteFn

    def match(self, method: str, segments: Sequence[str]) -> dict[str, str] | None:
        """Path parameters when this route matches, else ``None``."""
        parts = self.pattern.split("/")
        if method != self.method or len(parts) != len(segments):
            return None
        args: dict[str, str] = {}
        for part, seg in zip(parts, segments, strict=True):
            if part.startswith("{"):
                if not seg:
                    return None
                args[part[1:-1]] = seg
            elif part != seg:
                return None
        return args


@dataclass(frozen=True)
class EncodedJSON:
    """A route answer already encoded as UTF-8 JSON, sent as it is (a replayed answer)."""

    data: bytes


def encode_json(value: Any) -> bytes:
    """The UTF-8 JSON text of a route answer, as it is sent."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _json_response(status: int, value: Any, extra: Sequence[tuple[str, str]] = ()) -> Response:
    body = value.data if isinstance(value, EncodedJSON) else encode_json(value)
    headers = [("content-type", JSON_TYPE), ("content-length", str(len(body))), *extra]
    # zep-cloud retries 409/429/5xx five times with back-off unless told to retry at once
    # (section 1.1); Retry-After: 0 keeps a failing SDK call fast.
    if status in (408, 409, 429) or status >= 500:
        headers.append(("retry-after", "0"))
    return Response(status, headers, body)


def error(status: int, message: str) -> Response:
    """An error response with the Zep error body."""
    return _json_response(status, {"message": message})


def json_response(status: int, value: Any) -> Response:
    """A JSON response with the headers every answer carries (for other APIs' error bodies)."""
    return _json_response(status, value)


def _run_route(ctx: Ctx, route: Route) -> tuple[int, Any]:
    return route.fn(ctx)


def _v2_fail(request: Request, exc: HTTPError) -> Response:
    return error(exc.status, exc.message)


@dataclass(frozen=True)
class Api:
    """One API version served under a path ``prefix``: its routes, error body and runner.

    ``run`` calls a matched route (the v4 API wraps it for ``Idempotency-Key``); ``fail``
    renders every error of the prefix, including the handler's own 401/404/405/413/500.
    """

    prefix: str
    routes: Sequence[Route]
    fail: Callable[[Request, HTTPError], Response] = _v2_fail
    run: Callable[[Ctx, Route], tuple[int, Any]] = _run_route


_UNSAFE = re.compile(r"[\x00-\x1f]")


def handle(
    env: Env,
    routes: Sequence[Route],
    request: Request,
    *,
    api_key: str | None,
    max_body_bytes: int,
    apis: Sequence[Api] = (),
) -> Response:
    """Answer one request (never raises).

    ``routes`` serve ``/api/v2/``; ``apis`` add other prefixes (the v4 API), each with its own
    error body, behind the same auth and limits.
    """
    path = request.raw_path.split("?", 1)[0]
    if path.rstrip("/") == "/healthz":
        return Response(200, [("content-type", "text/plain; charset=utf-8")], b".")
    api = next((a for a in apis if path.startswith(a.prefix)), None)
    if api is None:
        if not path.startswith(API_PREFIX):
            return error(404, "not found")
        api = Api(API_PREFIX, routes)

    def fail(status: int, message: str, code: str | None = None) -> Response:
        return api.fail(request, HTTPError(status, message, code=code))

    if api_key is not None:
        given = request.headers.get("authorization", "")
        expected = f"Api-Key {api_key}"
        if not hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8")):
            return fail(401, "unauthorized")
    if len(request.body) > max_body_bytes:
        return fail(413, "request body too large")
    # Split first, then decode: the client escapes "/" inside IDs as %2F (section 8.10).
    # Strict UTF-8: with replacement characters "caf%E9" and "caf%FF" would name one session.
    try:
        segments = [
            unquote(seg, errors="strict") for seg in path[len(api.prefix) :].rstrip("/").split("/")
        ]
    except UnicodeDecodeError:
        return fail(400, "the path holds percent-escapes that are not UTF-8; encode IDs as UTF-8")
    method = request.method.upper()
    known_path = False
    for route in api.routes:
        args = route.match(method, segments)
        if args is None:
            if route.match(route.method, segments) is not None:
                known_path = True
            continue
        try:
            for name, arg in args.items():
                check_id(arg, name)
        except ValueError as exc:
            return fail(400, str(exc))
        try:
            status, value = api.run(Ctx(env, request, args), route)
        except HTTPError as exc:
            return api.fail(request, exc)
        except Exception:
            logger.exception("internal error answering %s %s", method, _UNSAFE.sub("", path))
            return fail(500, "internal server error")
        return _json_response(status, value)
    if known_path:
        return fail(405, "method not allowed")
    return fail(404, "not found")
