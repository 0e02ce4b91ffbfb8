"""``ZepClient`` and ``AsyncZepClient``: the only code in this package that does HTTP.

Both clients share :class:`_BaseClient` (configuration, request building, response parsing, the
retry rule); each adds a ``_send`` of about ten lines and one-line endpoint methods over
:mod:`zep_integrations._api`. Their public signatures are identical (a test enforces it).
"""

from __future__ import annotations

import json
import logging
import os
import random
import ssl
import sys
import threading
import time
import weakref
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import httpx
import pydantic

from zep_integrations import _api, _config, _deadline, _sessions
from zep_integrations import models as m
from zep_integrations._api import CLIENT_INFO, Call, ClientInfo, Flow, Limits, Sleep
from zep_integrations._retry import retry_delay
from zep_integrations._version import __version__
from zep_integrations.errors import (
    UnsupportedOperationError,
    ZepConnectionError,
    ZepError,
    ZepTimeoutError,
    error_for_response,
)

if TYPE_CHECKING:
    # The v3/v4 namespaces and their models load on first use (see the v3/v4 properties):
    # a v2 or embedded user does not pay their import time.
    # asyncio costs ~30 ms to import; sync-only programs never need it (see _running_loop).
    import asyncio

    from zep_integrations._aclient_v3 import AsyncV3
    from zep_integrations._aclient_v4 import AsyncV4
    from zep_integrations._client_v3 import V3
    from zep_integrations._client_v4 import V4

__all__ = ["AsyncZepClient", "ZepClient"]

T = TypeVar("T")
logger = logging.getLogger("zep_integrations")

DEFAULT_TIMEOUT = 30.0
DEFAULT_DEADLINE = 120.0
"""Seconds one call may take in total: every attempt, retry wait and the whole response body."""
DEFAULT_MAX_RETRIES = 3
DEFAULT_MAX_BODY_BYTES = 5 * 1024 * 1024
"""Largest request body sent: the embedded server's and ``serve``'s limit. Message writes are
split so that every request fits; a single message larger than this is refused before sending."""
EMBEDDED_MAX_MESSAGE_CHARS = 2500
"""The embedded server's default per-message limit, the same as Zep CE's (section 1)."""


def _running_loop() -> asyncio.AbstractEventLoop | None:
    """The running event loop, if any, without importing asyncio when nothing else has."""
    module = sys.modules.get("asyncio")
    if module is None:  # no asyncio imported, so no loop can be running
        return None
    try:
        loop: asyncio.AbstractEventLoop = module.get_running_loop()
    except RuntimeError:
        return None
    return loop


async def _async_sleep(seconds: float) -> None:
    import asyncio

    await asyncio.sleep(seconds)


class _BaseClient:
    """Everything the two clients share except the I/O."""

    _settings: _config.Settings

    def __init__(
        self,
        settings: _config.Settings,
        *,
        timeout: float | httpx.Timeout,
        max_retries: int,
        max_message_chars: int | None,
        deadline: float | None = DEFAULT_DEADLINE,
        max_body_bytes: int | None = DEFAULT_MAX_BODY_BYTES,
    ) -> None:
        if not isinstance(max_retries, int) or max_retries < 0:
            raise ValueError(f"max_retries must be an int >= 0, got {max_retries!r}")
        if max_message_chars is not None and max_message_chars < 1:
            raise ValueError(f"max_message_chars must be >= 1 or None, got {max_message_chars!r}")
        if max_body_bytes is not None and (
            isinstance(max_body_bytes, bool)
            or not isinstance(max_body_bytes, int)
            or max_body_bytes < 1024
        ):
            raise ValueError(
                f"max_body_bytes must be an int >= 1024 or None, got {max_body_bytes!r}"
            )
        self._settings = settings
        self._info = ClientInfo(settings.api_version)
        self._timeout = timeout
        self.deadline = _deadline.check_deadline(deadline)
        self.max_body_bytes = max_body_bytes
        self.max_retries = max_retries
        if max_message_chars is None and settings.db_path is not None:
            # The embedded server's limit is known, so a long message fails before any chunk of
            # a multi-request write is stored.
            max_message_chars = EMBEDDED_MAX_MESSAGE_CHARS
        self.max_message_chars = max_message_chars
        headers = {
            "Accept": "application/json",
            "User-Agent": f"zep-integrations/{__version__}",
        }
        if settings.api_key:
            headers["Authorization"] = f"Api-Key {settings.api_key}"
        self._headers = headers

    @property
    def settings(self) -> _config.Settings:
        """The resolved target: root URL, key, and the embedded database path if any."""
        return self._settings

    @property
    def base_url(self) -> str:
        """The API base URL, ending in ``/api/v2/``."""
        return self._settings.base_url

    @property
    def api_version(self) -> str:
        """The Zep API version this client speaks: ``"v2"``, ``"v3"`` or ``"v4"``."""
        return self._settings.api_version

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(target={self._settings.target!r}, "
            f"api_version={self._settings.api_version!r})"
        )

    def _check(self, call: Call[Any]) -> None:
        """Refuse, before any I/O, a request of another API version than the client's."""
        if call.api != self._settings.api_version:
            raise UnsupportedOperationError(_unsupported(call, self._settings.api_version))

    @property
    def limits(self) -> Limits:
        """What this client checks before sending (answered to flows that ask, without I/O)."""
        return Limits(max_message_chars=self.max_message_chars, max_body_bytes=self.max_body_bytes)

    def _deadline_at(self) -> float | None:
        return None if self.deadline is None else time.monotonic() + self.deadline

    def _timeout_within(self, call: Call[Any], deadline: float | None) -> httpx.Timeout:
        return _deadline.timeout_within(
            self._timeout, deadline, f"{call.method} {call.path}", self.deadline
        )

    def _request(
        self,
        http: httpx.Client | httpx.AsyncClient,
        call: Call[Any],
        deadline: float | None = None,
    ) -> httpx.Request:
        # An absolute URL and per-request headers, so a user-supplied httpx client keeps its own
        # settings (proxies, hooks, transport) and still talks to our target with our key.
        url = self._settings.base_url + call.path
        params = call.params or None
        if params is not None and not http.params:
            # The query encoded by httpx's own QueryParams, in the URL text: the same bytes as
            # ``params=``, which re-parses the whole URL to merge them (~50 us a request, a
            # tenth of an embedded v3/v4 read). A client with default params keeps httpx's
            # merge, and its order.
            url = f"{url}?{httpx.QueryParams(params)}"
            params = None
        return http.build_request(
            call.method,
            url,
            params=params,
            content=None if call.body is None else json.dumps(call.body, allow_nan=False),
            headers=_headers(self._headers, call),
            timeout=self._timeout_within(call, deadline),
        )

    def _retry(
        self,
        call: Call[Any],
        attempt: int,
        *,
        response: httpx.Response | None = None,
        error: Exception | None = None,
    ) -> float | None:
        return retry_delay(
            call, attempt, self.max_retries, response=response, error=error, rand=random.random()
        )

    @staticmethod
    def _transport_error(call: Call[Any], exc: httpx.TransportError) -> ZepConnectionError:
        what = f"{call.method} {call.path}"
        if isinstance(exc, httpx.TimeoutException):
            return ZepTimeoutError(f"{what} timed out: {exc}")
        return ZepConnectionError(f"{what} failed to reach Zep: {exc}")

    @staticmethod
    def _parse(call: Call[T], response: httpx.Response) -> T:
        if not response.is_success:
            raise error_for_response(response)
        try:
            data = response.json() if response.content.strip() else None
            return call.parse(data)
        except (ValueError, pydantic.ValidationError) as exc:
            raise ZepError(
                f"{call.method} {call.path}: unexpected response body from Zep "
                f"({response.status_code}): {exc}"
            ) from exc


def _headers(base: dict[str, str], call: Call[Any]) -> dict[str, str]:
    if call.body is None and call.idempotency_key is None:
        return base
    headers = dict(base)
    if call.body is not None:
        headers["Content-Type"] = "application/json"
    if call.idempotency_key is not None:
        headers["Idempotency-Key"] = call.idempotency_key
    return headers


_ACCESSOR = {"v2": "client", "v3": "client.v3", "v4": "client.v4"}


def _operations(version: str) -> tuple[str, ...]:
    from zep_integrations._operations import OPERATIONS

    return OPERATIONS[version]


def _unsupported(call: Call[Any], version: str) -> str:
    """The error text for ``call`` on a client of ``version``, naming the versions that have it."""
    if call.api == "v2":
        # v2 calls carry no op name; the sessions/memory/collections requests exist only in v2.
        name, have = call.op or f"{call.method} {call.path}", ["v2"]
    else:
        name = call.op
        have = [v for v in ("v3", "v4") if name in _operations(v)]
    hint = (
        f" (on {version} call {_ACCESSOR[version]}.{name})"
        if call.op and name in _operations(version)
        else ""
    )
    return (
        f"{name} is an operation of the Zep {' and '.join(have)} API, but this client speaks "
        f"{version} (api_version={version!r}){hint}. Select a version that has it with "
        "api_version=... or ZEP_API_VERSION."
    )


_SSL_CONTEXTS: dict[tuple[str | None, str | None], ssl.SSLContext] = {}


def _ssl_context() -> ssl.SSLContext:
    """The default httpx TLS context, built once per ``SSL_CERT_FILE``/``SSL_CERT_DIR`` setting.

    Building one loads the CA bundle (about 40 ms), and adapters derive a client per framework
    object (``RunnableWithMessageHistory`` builds a history, hence an async client, every turn).
    The environment is still read at each construction.
    """
    key = (os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))
    context = _SSL_CONTEXTS.get(key)
    if context is None:
        context = _SSL_CONTEXTS[key] = httpx.create_ssl_context()
    return context


def _embedded_transport(settings: _config.Settings, *, asynchronous: bool) -> Any:
    # Imported lazily: `import zep_integrations` must stay fast and must not open a database.
    from zep_integrations.server import embedded_server

    assert settings.db_path is not None
    server = embedded_server(settings.db_path)
    return server.async_transport() if asynchronous else server.transport()


class ZepClient(_BaseClient):
    """Synchronous client for the Zep memory API v2.

    Where requests go: ``base_url`` (a server root or a URL ending in ``/api/v2``), else
    ``ZEP_API_URL``, else Zep Cloud when a key is given (``api_key`` or ``ZEP_API_KEY``), else the
    embedded server on a local SQLite file (``db_path``, ``ZEP_INTEGRATIONS_DB``, or the user's
    data directory). The environment is read here, at construction.

    Args:
        api_key: Zep API key, sent as ``Authorization: Api-Key <key>``.
        base_url: Server root or ``.../api/v2`` URL.
        timeout: Seconds (or an :class:`httpx.Timeout`) per network operation (connect, each
            read, each write): not a bound on a whole call, see ``deadline``.
        deadline: Seconds one method call may take in total, across every attempt, retry
            wait and the whole response body (default 120; ``None`` for no bound). Each
            network wait is capped by what is left, the body is read in chunks and checked
            against the deadline, a retry whose wait would end past it is not made, and an
            expired deadline raises :class:`~zep_integrations.ZepTimeoutError`. A multi-request
            write gives each request its own deadline. (Sync caveat: the check runs between
            the chunks httpx receives, so a server dripping its *headers* can overrun by up to
            one ``timeout``; the async client bounds the whole call.)
        max_retries: Resends after transient failures; ``0`` disables. Writes are resent only
            when the server cannot have applied them (see :func:`retry_delay`).
        max_body_bytes: Largest request body to send (default 5 MiB, the limit of the embedded
            server and ``serve``; ``None`` for none). Message writes are split so that each
            request fits; a single message that cannot fit fails the whole write with
            ``ValueError`` before anything is sent.
        http_client: An :class:`httpx.Client` to use as is (proxies, event hooks, transports);
            our URL and key are still applied per request. The caller closes it.
        db_path: SQLite file for the embedded server (only when no URL is configured).
        max_message_chars: Longest message content to send. A longer message fails the whole
            write with ``ValueError`` before anything is sent, so a write split over several
            requests is never left half-stored. Defaults to the embedded server's 2,500; for a
            remote server it is unchecked unless set (Zep CE and free Cloud plans accept
            2,500, paid Cloud plans 100,000), and the server's 400 applies per request.

    Example:
        >>> import tempfile, os
        >>> client = ZepClient(db_path=os.path.join(tempfile.mkdtemp(), "zep.db"))
        >>> _ = client.add_memory("s1", [{"role_type": "user", "content": "Hi, I'm Jane"}])
        >>> [msg.content for msg in client.get_memory("s1").messages or []]
        ["Hi, I'm Jane"]
        >>> client.close()
    """

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | None = None,
        *,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        max_message_chars: int | None = None,
        http_client: httpx.Client | None = None,
        db_path: str | os.PathLike[str] | None = None,
        deadline: float | None = DEFAULT_DEADLINE,
        max_body_bytes: int | None = DEFAULT_MAX_BODY_BYTES,
        api_version: str | None = None,
    ) -> None:
        settings = _config.resolve(api_key, base_url, db_path, api_version)
        super().__init__(
            settings,
            timeout=timeout,
            max_retries=max_retries,
            max_message_chars=max_message_chars,
            deadline=deadline,
            max_body_bytes=max_body_bytes,
        )
        self._derived: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, AsyncZepClient] = (
            weakref.WeakKeyDictionary()
        )
        self._derived_lock = threading.Lock()
        self._owns_http = http_client is None
        if http_client is not None:
            self._http = http_client
        elif settings.db_path is not None:
            self._http = httpx.Client(transport=_embedded_transport(settings, asynchronous=False))
        else:
            self._http = httpx.Client(verify=_ssl_context())

    def as_async(self) -> AsyncZepClient:
        """Return an :class:`AsyncZepClient` with the same target, key, timeout and retries.

        Calls made while the same event loop runs return the same client, so adapter objects
        created per request (as ``RunnableWithMessageHistory`` does every turn) share one
        connection pool instead of each opening connections that are never closed. An httpx
        async client cannot move between event loops, hence one per loop; outside a running
        loop a new client is returned each time, and the caller closes it.

        A user-supplied ``http_client`` is not carried over: an :class:`httpx.Client` cannot
        send async requests. Where its proxies or hooks matter, build an ``AsyncZepClient``
        with your own :class:`httpx.AsyncClient` and pass it to the adapters as
        ``async_client``.
        """
        loop = _running_loop()
        with self._derived_lock:
            derived = self._derived.get(loop) if loop is not None else None
            if derived is None:
                derived = AsyncZepClient._from_settings(
                    self._settings,
                    timeout=self._timeout,
                    max_retries=self.max_retries,
                    max_message_chars=self.max_message_chars,
                    deadline=self.deadline,
                    max_body_bytes=self.max_body_bytes,
                )
                derived._info = self._info  # one ID cache for a client and its derived ones
                if loop is not None:
                    self._derived[loop] = derived
            return derived

    def close(self) -> None:
        """Close the HTTP connection pool (not a user-supplied ``http_client``)."""
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> ZepClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def send(self, call: Call[T]) -> T:
        """Execute one :class:`~zep_integrations._api.Call`, retrying as its policy allows.

        The whole call, retries included, ends within ``deadline`` seconds.
        """
        if call.method == _api.LIMITS:  # a flow asking for limits: answered without I/O
            return call.parse(self.limits)
        self._check(call)
        deadline = self._deadline_at()
        attempt = 0
        while True:
            try:
                response = self._attempt(call, deadline)
            except httpx.TransportError as exc:
                delay = self._retry(call, attempt, error=exc)
                if delay is None or not _deadline.fits(deadline, delay):
                    raise self._transport_error(call, exc) from exc
            else:
                if (
                    response.is_success
                    or (delay := self._retry(call, attempt, response=response)) is None
                    or not _deadline.fits(deadline, delay)
                ):
                    return self._parse(call, response)
            time.sleep(delay)
            attempt += 1

    def _attempt(self, call: Call[Any], deadline: float | None) -> httpx.Response:
        request = self._request(self._http, call, deadline)
        if deadline is None:
            return self._http.send(request)
        # Streamed, so the deadline is checked between the chunks of a slowly sent body.
        response = self._http.send(request, stream=True)
        try:
            if isinstance(response.stream, httpx.SyncByteStream):
                response.stream = _deadline.DeadlineStream(response.stream, deadline, request)
            response.read()
        finally:
            response.close()
        return response

    def run(self, flow: Flow[T]) -> T:
        """Drive a multi-call flow (see :data:`zep_integrations._api.Flow`)."""
        try:
            step = next(flow)
            while True:
                if step is CLIENT_INFO:
                    step = flow.send(self._info)
                    continue
                if isinstance(step, Sleep):
                    time.sleep(step.seconds)
                    step = flow.send(None)
                    continue
                assert isinstance(step, Call)
                try:
                    result = self.send(step)
                except ZepError as exc:
                    step = flow.throw(exc)
                else:
                    step = flow.send(result)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]

    @property
    def v3(self) -> V3:
        """The Zep v3 (threads) operations; usable when ``api_version == "v3"``."""
        from zep_integrations._client_v3 import V3

        return V3(self)

    @property
    def v4(self) -> V4:
        """The Zep v4 (UUID) operations; usable when ``api_version == "v4"``."""
        from zep_integrations._client_v4 import V4

        return V4(self)

    def create_user_and_thread(
        self,
        user_id: str | None = None,
        *,
        first_name: str | None = None,
        last_name: str | None = None,
        email: str | None = None,
    ) -> m.UserThread:
        """Create (or find) a user and start a thread for it, on any version (see README).

        On v4 the result holds the user and thread UUIDs to store and pass to the adapters as
        ``user_id`` and ``session_id``.
        """
        flow = _sessions.create_user_and_thread(
            user_id, first_name=first_name, last_name=last_name, email=email
        )
        return self.run(flow)

    # -- 4.1 Sessions (v2 only) --------------------------------------------------------------

    def add_session(
        self,
        session_id: str,
        user_id: str | None = None,
        *,
        metadata: Mapping[str, Any] | None = None,
        fact_rating_instruction: m.FactRatingInstruction | None = None,
    ) -> m.Session:
        """Create a session (``POST sessions``); 400 :class:`BadRequestError` if it exists."""
        return self.send(
            _api.add_session(
                session_id,
                user_id,
                metadata=metadata,
                fact_rating_instruction=fact_rating_instruction,
            )
        )

    def get_session(self, session_id: str) -> m.Session:
        """Return a session; :class:`NotFoundError` if there is none."""
        return self.send(_api.get_session(session_id))

    def update_session(
        self,
        session_id: str,
        metadata: Mapping[str, Any],
        *,
        fact_rating_instruction: m.FactRatingInstruction | None = None,
    ) -> m.Session:
        """Deep-merge ``metadata`` into the session's metadata."""
        return self.send(
            _api.update_session(
                session_id, metadata, fact_rating_instruction=fact_rating_instruction
            )
        )

    def list_sessions(
        self,
        *,
        page_number: int | None = None,
        page_size: int | None = None,
        order_by: str | None = None,
        asc: bool | None = None,
    ) -> m.SessionListResponse:
        """List sessions, newest first unless ``asc=True``; all of them unless paged."""
        return self.send(
            _api.list_sessions(
                page_number=page_number, page_size=page_size, order_by=order_by, asc=asc
            )
        )

    def search_sessions(
        self,
        text: str,
        *,
        user_id: str | None = None,
        session_ids: Sequence[str] | None = None,
        search_scope: str | None = None,
        search_type: str | None = None,
        mmr_lambda: float | None = None,
        min_score: float | None = None,
        min_fact_rating: float | None = None,
        record_filter: Mapping[str, Any] | None = None,
        limit: int | None = None,
    ) -> m.SessionSearchResponse:
        """Search across a user's sessions or a list of sessions."""
        return self.send(
            _api.search_sessions(
                text,
                user_id=user_id,
                session_ids=session_ids,
                search_scope=search_scope,
                search_type=search_type,
                mmr_lambda=mmr_lambda,
                min_score=min_score,
                min_fact_rating=min_fact_rating,
                record_filter=record_filter,
                limit=limit,
            )
        )

    def end_session(
        self,
        session_id: str,
        *,
        classify: m.ClassifySessionRequest | None = None,
        instruction: str | None = None,
    ) -> m.EndSessionResponse:
        """End a session (later writes get :class:`ConflictError`), optionally classifying it."""
        return self.send(_api.end_session(session_id, classify=classify, instruction=instruction))

    def end_sessions(
        self, session_ids: Sequence[str], *, instruction: str | None = None
    ) -> m.EndSessionsResponse:
        """End several sessions."""
        return self.send(_api.end_sessions(session_ids, instruction=instruction))

    def classify_session(
        self,
        session_id: str,
        classes: Sequence[str],
        name: str,
        *,
        instruction: str | None = None,
        last_n: int | None = None,
    ) -> m.SessionClassification:
        """Put the session in one of ``classes`` based on its last ``last_n`` messages."""
        return self.send(
            _api.classify_session(session_id, classes, name, instruction=instruction, last_n=last_n)
        )

    def delete_session(self, session_id: str) -> m.SuccessResponse:
        """Delete a session and everything in it (``DELETE sessions/{id}/memory``)."""
        return self.send(_api.delete_session(session_id))

    # -- 4.2 Memory and messages ------------------------------------------------------------

    def get_memory(
        self, session_id: str, *, lastn: int | None = None, min_rating: float | None = None
    ) -> m.Memory:
        """Return the last ``lastn`` messages (oldest first) with facts, summary and context."""
        return self.send(_api.get_memory(session_id, lastn=lastn, min_rating=min_rating))

    def add_memory(
        self,
        session_id: str,
        messages: Sequence[m.Message | Mapping[str, Any]],
        *,
        return_context: bool | None = None,
        ignore_roles: Sequence[str] | None = None,
    ) -> m.AddMemoryResponse:
        """Store ``messages`` in order, one request per 30 (or fewer, to fit ``max_body_bytes``).

        Everything is validated before the first request. Returns the last response.

        Raises:
            PartialWriteError: a request after the first failed; ``.stored_count`` messages
                were stored.
        """
        return self.run(
            _api.send_writes(
                _api.add_memory(
                    session_id,
                    messages,
                    return_context=return_context,
                    ignore_roles=ignore_roles,
                    max_content_chars=self.max_message_chars,
                    max_body_bytes=self.max_body_bytes,
                )
            )
        )

    def get_messages(
        self, session_id: str, *, limit: int | None = None, cursor: int | None = None
    ) -> m.MessageListResponse:
        """Return messages oldest first: all of them, or page ``cursor`` (1-based) of ``limit``."""
        return self.send(_api.get_messages(session_id, limit=limit, cursor=cursor))

    def get_message(self, session_id: str, message_uuid: str) -> m.Message:
        """Return one message by its UUID."""
        return self.send(_api.get_message(session_id, message_uuid))

    def update_message_metadata(
        self, session_id: str, message_uuid: str, metadata: Mapping[str, Any]
    ) -> m.Message:
        """Deep-merge ``metadata`` into a message's metadata and return the message."""
        return self.send(_api.update_message_metadata(session_id, message_uuid, metadata))

    def search_memory(
        self,
        session_id: str,
        text: str | None = None,
        *,
        search_scope: str | None = None,
        search_type: str | None = None,
        mmr_lambda: float | None = None,
        min_score: float | None = None,
        min_fact_rating: float | None = None,
        metadata: Mapping[str, Any] | None = None,
        limit: int | None = None,
    ) -> list[m.MemorySearchResult]:
        """Search one session's messages, summaries or facts."""
        return self.send(
            _api.search_memory(
                session_id,
                text,
                search_scope=search_scope,
                search_type=search_type,
                mmr_lambda=mmr_lambda,
                min_score=min_score,
                min_fact_rating=min_fact_rating,
                metadata=metadata,
                limit=limit,
            )
        )

    def get_summaries(self, session_id: str) -> m.SummaryListResponse:
        """Return the session's summaries."""
        return self.send(_api.get_summaries(session_id))

    def synthesize_question(
        self, session_id: str, *, last_n_messages: int | None = None
    ) -> m.Question:
        """Return a question that captures what the latest messages are about."""
        return self.send(_api.synthesize_question(session_id, last_n_messages=last_n_messages))

    def extract(
        self,
        session_id: str,
        model_schema: str,
        last_n: int,
        *,
        current_date_time: str | None = None,
        validate: bool | None = None,
    ) -> dict[str, Any]:
        """Extract fields described by a JSON Schema from the last ``last_n`` messages."""
        return self.send(
            _api.extract(
                session_id,
                model_schema,
                last_n,
                current_date_time=current_date_time,
                validate=validate,
            )
        )

    # -- 4.3 Facts --------------------------------------------------------------------------

    def get_session_facts(
        self, session_id: str, *, min_rating: float | None = None
    ) -> list[m.Fact]:
        """Return the session's facts."""
        return self.send(_api.get_session_facts(session_id, min_rating=min_rating))

    def add_session_facts(self, session_id: str, facts: Sequence[str]) -> m.SuccessResponse:
        """Add facts (plain sentences) to a session."""
        return self.send(_api.add_session_facts(session_id, facts))

    def get_fact(self, fact_uuid: str) -> m.Fact:
        """Return one fact."""
        return self.send(_api.get_fact(fact_uuid))

    def delete_fact(self, fact_uuid: str) -> m.SuccessResponse:
        """Delete one fact."""
        return self.send(_api.delete_fact(fact_uuid))

    # -- 4.4 Users --------------------------------------------------------------------------

    def add_user(
        self,
        user_id: str,
        *,
        email: str | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        fact_rating_instruction: m.FactRatingInstruction | None = None,
    ) -> m.User:
        """Create a user; :class:`BadRequestError` if it exists."""
        return self.send(
            _api.add_user(
                user_id,
                email=email,
                first_name=first_name,
                last_name=last_name,
                metadata=metadata,
                fact_rating_instruction=fact_rating_instruction,
            )
        )

    def list_users(
        self, *, page_number: int | None = None, page_size: int | None = None
    ) -> m.UserListResponse:
        """List users, newest first; all of them unless paged."""
        return self.send(_api.list_users(page_number=page_number, page_size=page_size))

    def get_user(self, user_id: str) -> m.User:
        """Return a user."""
        return self.send(_api.get_user(user_id))

    def update_user(
        self,
        user_id: str,
        *,
        email: str | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        fact_rating_instruction: m.FactRatingInstruction | None = None,
    ) -> m.User:
        """Update a user's fields; ``metadata`` is merged."""
        return self.send(
            _api.update_user(
                user_id,
                email=email,
                first_name=first_name,
                last_name=last_name,
                metadata=metadata,
                fact_rating_instruction=fact_rating_instruction,
            )
        )

    def delete_user(self, user_id: str) -> m.SuccessResponse:
        """Delete a user and all of their sessions."""
        return self.send(_api.delete_user(user_id))

    def get_user_sessions(self, user_id: str) -> list[m.Session]:
        """Return the user's sessions."""
        return self.send(_api.get_user_sessions(user_id))

    def get_user_facts(self, user_id: str) -> list[m.Fact]:
        """Return facts across the user's sessions."""
        return self.send(_api.get_user_facts(user_id))

    def get_user_node(self, user_id: str) -> m.UserNodeResponse:
        """Return the graph node that represents the user."""
        return self.send(_api.get_user_node(user_id))

    # -- 4.5 Document collections -----------------------------------------------------------

    def list_collections(self) -> list[m.DocumentCollection]:
        """Return every document collection."""
        return self.send(_api.list_collections())

    def get_collection(self, name: str) -> m.DocumentCollection:
        """Return one document collection."""
        return self.send(_api.get_collection(name))

    def add_collection(
        self,
        name: str,
        *,
        description: str | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> m.SuccessResponse:
        """Create a document collection (names: ASCII letters, digits, underscores)."""
        return self.send(_api.add_collection(name, description=description, metadata=metadata))

    def update_collection(
        self,
        name: str,
        *,
        description: str | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> m.SuccessResponse:
        """Update a collection's description or metadata."""
        return self.send(_api.update_collection(name, description=description, metadata=metadata))

    def delete_collection(self, name: str) -> m.SuccessResponse:
        """Delete a collection and its documents."""
        return self.send(_api.delete_collection(name))

    def add_documents(
        self, name: str, documents: Sequence[m.Document | Mapping[str, Any]]
    ) -> list[str]:
        """Add documents to a collection; returns their UUIDs in order."""
        return self.send(_api.add_documents(name, documents))

    def batch_get_documents(
        self,
        name: str,
        *,
        uuids: Sequence[str] | None = None,
        document_ids: Sequence[str] | None = None,
    ) -> list[m.Document]:
        """Return documents by UUID or by document ID."""
        return self.send(_api.batch_get_documents(name, uuids=uuids, document_ids=document_ids))

    def batch_update_documents(
        self, name: str, updates: Sequence[Mapping[str, Any]]
    ) -> m.SuccessResponse:
        """Update ``document_id``/``metadata`` of documents given as ``{"uuid": ..., ...}``."""
        return self.send(_api.batch_update_documents(name, updates))

    def batch_delete_documents(self, name: str, uuids: Sequence[str]) -> m.SuccessResponse:
        """Delete documents by UUID."""
        return self.send(_api.batch_delete_documents(name, uuids))

    def get_document(self, name: str, document_uuid: str) -> m.Document:
        """Return one document by UUID."""
        return self.send(_api.get_document(name, document_uuid))

    def update_document(
        self,
        name: str,
        document_uuid: str,
        *,
        document_id: str | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> m.SuccessResponse:
        """Update one document's ``document_id`` or metadata."""
        return self.send(
            _api.update_document(name, document_uuid, document_id=document_id, metadata=metadata)
        )

    def delete_document(self, name: str, document_uuid: str) -> m.SuccessResponse:
        """Delete one document by UUID."""
        return self.send(_api.delete_document(name, document_uuid))

    def search_documents(
        self,
        name: str,
        text: str | None = None,
        *,
        metadata: Mapping[str, Any] | None = None,
        embedding: Sequence[float] | None = None,
        search_type: str | None = None,
        mmr_lambda: float | None = None,
        min_score: float | None = None,
        limit: int | None = None,
    ) -> m.DocumentSearchResponse:
        """Search a collection by text (bm25), embedding (cosine) and/or metadata."""
        return self.send(
            _api.search_documents(
                name,
                text,
                metadata=metadata,
                embedding=embedding,
                search_type=search_type,
                mmr_lambda=mmr_lambda,
                min_score=min_score,
                limit=limit,
            )
        )


class AsyncZepClient(_BaseClient):
    """Asynchronous client for the Zep memory API v2: the same methods as :class:`ZepClient`.

    Really async: every request goes through :class:`httpx.AsyncClient`, with no thread offload.
    Configuration is resolved exactly as for :class:`ZepClient`.

    Example:
        >>> import asyncio, tempfile, os
        >>> async def main() -> list[str]:
        ...     async with AsyncZepClient(db_path=os.path.join(tempfile.mkdtemp(), "z.db")) as c:
        ...         await c.add_memory("s1", [{"role_type": "user", "content": "Hi"}])
        ...         return [msg.content for msg in (await c.get_memory("s1")).messages or []]
        >>> asyncio.run(main())
        ['Hi']
    """

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | None = None,
        *,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        max_message_chars: int | None = None,
        http_client: httpx.AsyncClient | None = None,
        db_path: str | os.PathLike[str] | None = None,
        deadline: float | None = DEFAULT_DEADLINE,
        max_body_bytes: int | None = DEFAULT_MAX_BODY_BYTES,
        api_version: str | None = None,
    ) -> None:
        settings = _config.resolve(api_key, base_url, db_path, api_version)
        super().__init__(
            settings,
            timeout=timeout,
            max_retries=max_retries,
            max_message_chars=max_message_chars,
            deadline=deadline,
            max_body_bytes=max_body_bytes,
        )
        self._derived_sync: ZepClient | None = None
        self._derived_lock = threading.Lock()
        self._owns_http = http_client is None
        if http_client is not None:
            self._http = http_client
        elif settings.db_path is not None:
            self._http = httpx.AsyncClient(
                transport=_embedded_transport(settings, asynchronous=True)
            )
        else:
            self._http = httpx.AsyncClient(verify=_ssl_context())

    @classmethod
    def _from_settings(
        cls,
        settings: _config.Settings,
        *,
        timeout: float | httpx.Timeout,
        max_retries: int,
        max_message_chars: int | None,
        deadline: float | None,
        max_body_bytes: int | None,
    ) -> AsyncZepClient:
        return cls(
            settings.api_key,
            None if settings.db_path is not None else settings.root,
            timeout=timeout,
            max_retries=max_retries,
            max_message_chars=max_message_chars,
            db_path=settings.db_path,
            deadline=deadline,
            max_body_bytes=max_body_bytes,
            api_version=settings.api_version,
        )

    def as_sync(self) -> ZepClient:
        """Return a :class:`ZepClient` with the same target, key, timeout and retries.

        The same client on every call (a sync client is not tied to an event loop). A
        user-supplied ``http_client`` is not carried over.
        """
        with self._derived_lock:
            if self._derived_sync is None:
                settings = self._settings
                self._derived_sync = ZepClient(
                    settings.api_key,
                    None if settings.db_path is not None else settings.root,
                    timeout=self._timeout,
                    max_retries=self.max_retries,
                    max_message_chars=self.max_message_chars,
                    db_path=settings.db_path,
                    deadline=self.deadline,
                    max_body_bytes=self.max_body_bytes,
                    api_version=settings.api_version,
                )
                self._derived_sync._info = self._info
            return self._derived_sync

    async def aclose(self) -> None:
        """Close the HTTP connection pool (not a user-supplied ``http_client``)."""
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> AsyncZepClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def send(self, call: Call[T]) -> T:
        """Execute one :class:`~zep_integrations._api.Call`, retrying as its policy allows.

        The whole call, retries included, ends within ``deadline`` seconds.
        """
        if call.method == _api.LIMITS:  # a flow asking for limits: answered without I/O
            return call.parse(self.limits)
        self._check(call)
        deadline = self._deadline_at()
        attempt = 0
        while True:
            try:
                response = await self._attempt(call, deadline)
            except httpx.TransportError as exc:
                delay = self._retry(call, attempt, error=exc)
                if delay is None or not _deadline.fits(deadline, delay):
                    raise self._transport_error(call, exc) from exc
            else:
                if (
                    response.is_success
                    or (delay := self._retry(call, attempt, response=response)) is None
                    or not _deadline.fits(deadline, delay)
                ):
                    return self._parse(call, response)
            await _async_sleep(delay)
            attempt += 1

    async def _attempt(self, call: Call[Any], deadline: float | None) -> httpx.Response:
        request = self._request(self._http, call, deadline)
        if deadline is None:
            return await self._http.send(request)
        import asyncio

        # One bound on the whole exchange (headers and body), however slowly bytes arrive.
        try:
            return await asyncio.wait_for(
                self._http.send(request), max(deadline - time.monotonic(), 0.0)
            )
        except asyncio.TimeoutError as exc:
            raise httpx.ReadTimeout("deadline exceeded", request=request) from exc

    async def run(self, flow: Flow[T]) -> T:
        """Drive a multi-call flow (see :data:`zep_integrations._api.Flow`)."""
        try:
            step = next(flow)
            while True:
                if step is CLIENT_INFO:
                    step = flow.send(self._info)
                    continue
                if isinstance(step, Sleep):
                    await _async_sleep(step.seconds)
                    step = flow.send(None)
                    continue
                assert isinstance(step, Call)
                try:
                    result = await self.send(step)
                except ZepError as exc:
                    step = flow.throw(exc)
                else:
                    step = flow.send(result)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]

    @property
    def v3(self) -> AsyncV3:
        """The Zep v3 (threads) operations; usable when ``api_version == "v3"``."""
        from zep_integrations._aclient_v3 import AsyncV3

        return AsyncV3(self)

    @property
    def v4(self) -> AsyncV4:
        """The Zep v4 (UUID) operations; usable when ``api_version == "v4"``."""
        from zep_integrations._aclient_v4 import AsyncV4

        return AsyncV4(self)

    async def create_user_and_thread(
        self,
        user_id: str | None = None,
        *,
        first_name: str | None = None,
        last_name: str | None = None,
        email: str | None = None,
    ) -> m.UserThread:
        """Create (or find) a user and start a thread for it, on any version (see README).

        On v4 the result holds the user and thread UUIDs to store and pass to the adapters as
        ``user_id`` and ``session_id``.
        """
        flow = _sessions.create_user_and_thread(
            user_id, first_name=first_name, last_name=last_name, email=email
        )
        return await self.run(flow)

    # -- 4.1 Sessions (v2 only) --------------------------------------------------------------

    async def add_session(
        self,
        session_id: str,
        user_id: str | None = None,
        *,
        metadata: Mapping[str, Any] | None = None,
        fact_rating_instruction: m.FactRatingInstruction | None = None,
    ) -> m.Session:
        """Create a session (``POST sessions``); 400 :class:`BadRequestError` if it exists."""
        return await self.send(
            _api.add_session(
                session_id,
                user_id,
                metadata=metadata,
                fact_rating_instruction=fact_rating_instruction,
            )
        )

    async def get_session(self, session_id: str) -> m.Session:
        """Return a session; :class:`NotFoundError` if there is none."""
        return await self.send(_api.get_session(session_id))

    async def update_session(
        self,
        session_id: str,
        metadata: Mapping[str, Any],
        *,
        fact_rating_instruction: m.FactRatingInstruction | None = None,
    ) -> m.Session:
        """Deep-merge ``metadata`` into the session's metadata."""
        return await self.send(
            _api.update_session(
                session_id, metadata, fact_rating_instruction=fact_rating_instruction
            )
        )

    async def list_sessions(
        self,
        *,
        page_number: int | None = None,
        page_size: int | None = None,
        order_by: str | None = None,
        asc: bool | None = None,
    ) -> m.SessionListResponse:
        """List sessions, newest first unless ``asc=True``; all of them unless paged."""
        return await self.send(
            _api.list_sessions(
                page_number=page_number, page_size=page_size, order_by=order_by, asc=asc
            )
        )

    async def search_sessions(
        self,
        text: str,
        *,
        user_id: str | None = None,
        session_ids: Sequence[str] | None = None,
        search_scope: str | None = None,
        search_type: str | None = None,
        mmr_lambda: float | None = None,
        min_score: float | None = None,
        min_fact_rating: float | None = None,
        record_filter: Mapping[str, Any] | None = None,
        limit: int | None = None,
    ) -> m.SessionSearchResponse:
        """Search across a user's sessions or a list of sessions."""
        return await self.send(
            _api.search_sessions(
                text,
                user_id=user_id,
                session_ids=session_ids,
                search_scope=search_scope,
                search_type=search_type,
                mmr_lambda=mmr_lambda,
                min_score=min_score,
                min_fact_rating=min_fact_rating,
                record_filter=record_filter,
                limit=limit,
            )
        )

    async def end_session(
        self,
        session_id: str,
        *,
        classify: m.ClassifySessionRequest | None = None,
        instruction: str | None = None,
    ) -> m.EndSessionResponse:
        """End a session (later writes get :class:`ConflictError`), optionally classifying it."""
        return await self.send(
            _api.end_session(session_id, classify=classify, instruction=instruction)
        )

    async def end_sessions(
        self, session_ids: Sequence[str], *, instruction: str | None = None
    ) -> m.EndSessionsResponse:
        """End several sessions."""
        return await self.send(_api.end_sessions(session_ids, instruction=instruction))

    async def classify_session(
        self,
        session_id: str,
        classes: Sequence[str],
        name: str,
        *,
        instruction: str | None = None,
        last_n: int | None = None,
    ) -> m.SessionClassification:
        """Put the session in one of ``classes`` based on its last ``last_n`` messages."""
        return await self.send(
            _api.classify_session(session_id, classes, name, instruction=instruction, last_n=last_n)
        )

    async def delete_session(self, session_id: str) -> m.SuccessResponse:
        """Delete a session and everything in it (``DELETE sessions/{id}/memory``)."""
        return await self.send(_api.delete_session(session_id))

    # -- 4.2 Memory and messages ------------------------------------------------------------

    async def get_memory(
        self, session_id: str, *, lastn: int | None = None, min_rating: float | None = None
    ) -> m.Memory:
        """Return the last ``lastn`` messages (oldest first) with facts, summary and context."""
        return await self.send(_api.get_memory(session_id, lastn=lastn, min_rating=min_rating))

    async def add_memory(
        self,
        session_id: str,
        messages: Sequence[m.Message | Mapping[str, Any]],
        *,
        return_context: bool | None = None,
        ignore_roles: Sequence[str] | None = None,
    ) -> m.AddMemoryResponse:
        """Store ``messages`` in order, one request per 30 (or fewer, to fit ``max_body_bytes``).

        Everything is validated before the first request. Returns the last response.

        Raises:
            PartialWriteError: a request after the first failed; ``.stored_count`` messages
                were stored.
        """
        return await self.run(
            _api.send_writes(
                _api.add_memory(
                    session_id,
                    messages,
                    return_context=return_context,
                    ignore_roles=ignore_roles,
                    max_content_chars=self.max_message_chars,
                    max_body_bytes=self.max_body_bytes,
                )
            )
        )

    async def get_messages(
        self, session_id: str, *, limit: int | None = None, cursor: int | None = None
    ) -> m.MessageListResponse:
        """Return messages oldest first: all of them, or page ``cursor`` (1-based) of ``limit``."""
        return await self.send(_api.get_messages(session_id, limit=limit, cursor=cursor))

    async def get_message(self, session_id: str, message_uuid: str) -> m.Message:
        """Return one message by its UUID."""
        return await self.send(_api.get_message(session_id, message_uuid))

    async def update_message_metadata(
        self, session_id: str, message_uuid: str, metadata: Mapping[str, Any]
    ) -> m.Message:
        """Deep-merge ``metadata`` into a message's metadata and return the message."""
        return await self.send(_api.update_message_metadata(session_id, message_uuid, metadata))

    async def search_memory(
        self,
        session_id: str,
        text: str | None = None,
        *,
        search_scope: str | None = None,
        search_type: str | None = None,
        mmr_lambda: float | None = None,
        min_score: float | None = None,
        min_fact_rating: float | None = None,
        metadata: Mapping[str, Any] | None = None,
        limit: int | None = None,
    ) -> list[m.MemorySearchResult]:
        """Search one session's messages, summaries or facts."""
        return await self.send(
            _api.search_memory(
                session_id,
                text,
                search_scope=search_scope,
                search_type=search_type,
                mmr_lambda=mmr_lambda,
                min_score=min_score,
                min_fact_rating=min_fact_rating,
                metadata=metadata,
                limit=limit,
            )
        )

    async def get_summaries(self, session_id: str) -> m.SummaryListResponse:
        """Return the session's summaries."""
        return await self.send(_api.get_summaries(session_id))

    async def synthesize_question(
        self, session_id: str, *, last_n_messages: int | None = None
    ) -> m.Question:
        """Return a question that captures what the latest messages are about."""
        return await self.send(
            _api.synthesize_question(session_id, last_n_messages=last_n_messages)
        )

    async def extract(
        self,
        session_id: str,
        model_schema: str,
        last_n: int,
        *,
        current_date_time: str | None = None,
        validate: bool | None = None,
    ) -> dict[str, Any]:
        """Extract fields described by a JSON Schema from the last ``last_n`` messages."""
        return await self.send(
            _api.extract(
                session_id,
                model_schema,
                last_n,
                current_date_time=current_date_time,
                validate=validate,
            )
        )

    # -- 4.3 Facts --------------------------------------------------------------------------

    async def get_session_facts(
        self, session_id: str, *, min_rating: float | None = None
    ) -> list[m.Fact]:
        """Return the session's facts."""
        return await self.send(_api.get_session_facts(session_id, min_rating=min_rating))

    async def add_session_facts(self, session_id: str, facts: Sequence[str]) -> m.SuccessResponse:
        """Add facts (plain sentences) to a session."""
        return await self.send(_api.add_session_facts(session_id, facts))

    async def get_fact(self, fact_uuid: str) -> m.Fact:
        """Return one fact."""
        return await self.send(_api.get_fact(fact_uuid))

    async def delete_fact(self, fact_uuid: str) -> m.SuccessResponse:
        """Delete one fact."""
        return await self.send(_api.delete_fact(fact_uuid))

    # -- 4.4 Users --------------------------------------------------------------------------

    async def add_user(
        self,
        user_id: str,
        *,
        email: str | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        fact_rating_instruction: m.FactRatingInstruction | None = None,
    ) -> m.User:
        """Create a user; :class:`BadRequestError` if it exists."""
        return await self.send(
            _api.add_user(
                user_id,
                email=email,
                first_name=first_name,
                last_name=last_name,
                metadata=metadata,
                fact_rating_instruction=fact_rating_instruction,
            )
        )

    async def list_users(
        self, *, page_number: int | None = None, page_size: int | None = None
    ) -> m.UserListResponse:
        """List users, newest first; all of them unless paged."""
        return await self.send(_api.list_users(page_number=page_number, page_size=page_size))

    async def get_user(self, user_id: str) -> m.User:
        """Return a user."""
        return await self.send(_api.get_user(user_id))

    async def update_user(
        self,
        user_id: str,
        *,
        email: str | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        fact_rating_instruction: m.FactRatingInstruction | None = None,
    ) -> m.User:
        """Update a user's fields; ``metadata`` is merged."""
        return await self.send(
            _api.update_user(
                user_id,
                email=email,
                first_name=first_name,
                last_name=last_name,
                metadata=metadata,
                fact_rating_instruction=fact_rating_instruction,
            )
        )

    async def delete_user(self, user_id: str) -> m.SuccessResponse:
        """Delete a user and all of their sessions."""
        return await self.send(_api.delete_user(user_id))

    async def get_user_sessions(self, user_id: str) -> list[m.Session]:
        """Return the user's sessions."""
        return await self.send(_api.get_user_sessions(user_id))

    async def get_user_facts(self, user_id: str) -> list[m.Fact]:
        """Return facts across the user's sessions."""
        return await self.send(_api.get_user_facts(user_id))

    async def get_user_node(self, user_id: str) -> m.UserNodeResponse:
        """Return the graph node that represents the user."""
        return await self.send(_api.get_user_node(user_id))

    # -- 4.5 Document collections -----------------------------------------------------------

    async def list_collections(self) -> list[m.DocumentCollection]:
        """Return every document collection."""
        return await self.send(_api.list_collections())

    async def get_collection(self, name: str) -> m.DocumentCollection:
        """Return one document collection."""
        return await self.send(_api.get_collection(name))

    async def add_collection(
        self,
        name: str,
        *,
        description: str | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> m.SuccessResponse:
        """Create a document collection (names: ASCII letters, digits, underscores)."""
        return await self.send(
            _api.add_collection(name, description=description, metadata=metadata)
        )

    async def update_collection(
        self,
        name: str,
        *,
        description: str | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> m.SuccessResponse:
        """Update a collection's description or metadata."""
        return await self.send(
            _api.update_collection(name, description=description, metadata=metadata)
        )

    async def delete_collection(self, name: str) -> m.SuccessResponse:
        """Delete a collection and its documents."""
        return await self.send(_api.delete_collection(name))

    async def add_documents(
        self, name: str, documents: Sequence[m.Document | Mapping[str, Any]]
    ) -> list[str]:
        """Add documents to a collection; returns their UUIDs in order."""
        return await self.send(_api.add_documents(name, documents))

    async def batch_get_documents(
        self,
        name: str,
        *,
        uuids: Sequence[str] | None = None,
        document_ids: Sequence[str] | None = None,
    ) -> list[m.Document]:
        """Return documents by UUID or by document ID."""
        return await self.send(
            _api.batch_get_documents(name, uuids=uuids, document_ids=document_ids)
        )

    async def batch_update_documents(
        self, name: str, updates: Sequence[Mapping[str, Any]]
    ) -> m.SuccessResponse:
        """Update ``document_id``/``metadata`` of documents given as ``{"uuid": ..., ...}``."""
        return await self.send(_api.batch_update_documents(name, updates))

    async def batch_delete_documents(self, name: str, uuids: Sequence[str]) -> m.SuccessResponse:
        """Delete documents by UUID."""
        return await self.send(_api.batch_delete_documents(name, uuids))

    async def get_document(self, name: str, document_uuid: str) -> m.Document:
        """Return one document by UUID."""
        return await self.send(_api.get_document(name, document_uuid))

    async def update_document(
        self,
        name: str,
        document_uuid: str,
        *,
        document_id: str | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> m.SuccessResponse:
        """Update one document's ``document_id`` or metadata."""
        return await self.send(
            _api.update_document(name, document_uuid, document_id=document_id, metadata=metadata)
        )

    async def delete_document(self, name: str, document_uuid: str) -> m.SuccessResponse:
        """Delete one document by UUID."""
        return await self.send(_api.delete_document(name, document_uuid))

    async def search_documents(
        self,
        name: str,
        text: str | None = None,
        *,
        metadata: Mapping[str, Any] | None = None,
        embedding: Sequence[float] | None = None,
        search_type: str | None = None,
        mmr_lambda: float | None = None,
        min_score: float | None = None,
        limit: int | None = None,
    ) -> m.DocumentSearchResponse:
        """Search a collection by text (bm25), embedding (cosine) and/or metadata."""
        return await self.send(
            _api.search_documents(
                name,
                text,
                metadata=metadata,
                embedding=embedding,
                search_type=search_type,
                mmr_lambda=mmr_lambda,
                min_score=min_score,
                limit=limit,
            )
        )
