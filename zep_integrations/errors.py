"""Typed errors raised by :mod:`zep_integrations`.

The whole tree::

    ZepError                      anything this package raises about talking to Zep
    ├── ZepConnectionError        the request never got an HTTP answer (refused, reset, DNS)
    │   └── ZepTimeoutError       ... because a timeout or the call's deadline expired
    ├── PartialWriteError         a multi-request message write failed after storing some:
    │                             ``.stored_count`` says how many (the cause is ``__cause__``)
    └── ZepAPIError               Zep answered with a non-2xx status
        ├── BadRequestError       400: the request was malformed or violated a limit
        ├── AuthenticationError   401: missing or wrong API key
        ├── NotFoundError         404: the session, user, message, fact or collection is absent
        ├── ConflictError         409: for example, writing to an ended session
        ├── PayloadTooLargeError  413: the request body exceeds the server's limit
        ├── RateLimitError        429: slow down (``Retry-After`` is honoured by the retry rule)
        └── ServerError           5xx: Zep failed

Misuse of the Python API (a wrong argument) raises ``ValueError`` or ``TypeError`` with a message
that says how to fix it, never one of these.

A message write of more than one request (over 30 messages, or over the client's
``max_body_bytes``) is validated whole before its first request, so a bad message fails it with
nothing stored. When a later request still fails for a reason no client can foresee (the server
went down, the session was ended meanwhile), :class:`PartialWriteError` says how many messages
the earlier requests stored; a failure of the first request raises that request's own error.

Warnings: :class:`ZepDataWarning` (a ``UserWarning``) is issued when an adapter reads a stored
message whose adapter payload it cannot decode (written by a newer version, or damaged); the
message is then read as the plain Zep message (role and content) instead of failing the read.
"""

from __future__ import annotations

from typing import Any

import httpx

__all__ = [
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "NotFoundError",
    "PartialWriteError",
    "PayloadTooLargeError",
    "RateLimitError",
    "ServerError",
    "ZepAPIError",
    "ZepConnectionError",
    "ZepDataWarning",
    "ZepError",
    "ZepTimeoutError",
    "error_for_response",
]


class ZepError(Exception):
    """Base class of every error this package raises about talking to Zep."""


class ZepConnectionError(ZepError):
    """The request did not get an HTTP response (connection refused, reset, DNS failure)."""


class ZepTimeoutError(ZepConnectionError):
    """The request timed out, or the call's ``deadline`` passed, before a response arrived."""


class PartialWriteError(ZepError):
    """A message write split over several requests stored only its first part.

    Raised only when a request after the first fails; everything that can be checked before
    sending is checked before the first request. The original error is ``__cause__``.

    Attributes:
        stored_count: Messages stored for certain (the acknowledged requests): resend only
            ``messages[stored_count:]``.
        total_count: Messages in the write.
        unconfirmed_count: Messages of the failed request that may have been stored anyway
            (the failure came after sending: a timeout, a dropped connection or a 5xx); ``0``
            when the server refused them.

    Example:
        >>> messages = [f"m{i}" for i in range(45)]
        >>> try:
        ...     raise PartialWriteError("stored 30 of 45", stored_count=30, total_count=45)
        ... except PartialWriteError as error:
        ...     to_resend = messages[error.stored_count :]
        >>> len(to_resend)
        15
    """

    def __init__(
        self, message: str, *, stored_count: int, total_count: int, unconfirmed_count: int = 0
    ) -> None:
        super().__init__(message)
        self.stored_count = stored_count
        self.total_count = total_count
        self.unconfirmed_count = unconfirmed_count


class ZepDataWarning(UserWarning):
    """A stored message's adapter payload could not be decoded; it was read as plain text."""


class ZepAPIError(ZepError):
    """Zep answered with a non-2xx status.

    Attributes:
        status_code: The HTTP status code.
        message: Zep's ``{"message": ...}`` text, or the raw body text when it is not JSON.
        body: The decoded JSON body, or the text when it is not JSON.
        response: The :class:`httpx.Response`.
    """

    def __init__(self, message: str, *, response: httpx.Response, body: Any = None) -> None:
        super().__init__(f"{response.status_code}: {message}")
        self.status_code: int = response.status_code
        self.message: str = message
        self.body: Any = body
        self.response: httpx.Response = response


class BadRequestError(ZepAPIError):
    """400: the request was malformed or violated one of Zep's limits."""


class AuthenticationError(ZepAPIError):
    """401: the API key is missing or wrong (set ``ZEP_API_KEY`` or pass ``api_key=``)."""


class NotFoundError(ZepAPIError):
    """404: the session, user, message, fact, collection or document does not exist."""


class ConflictError(ZepAPIError):
    """409: the request conflicts with the stored state (for example, the session has ended)."""


class PayloadTooLargeError(ZepAPIError):
    """413: the request body is larger than the server accepts."""


class RateLimitError(ZepAPIError):
    """429: too many requests."""


class ServerError(ZepAPIError):
    """5xx: the Zep server failed."""


_BY_STATUS: dict[int, type[ZepAPIError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    404: NotFoundError,
    409: ConflictError,
    413: PayloadTooLargeError,
    429: RateLimitError,
}


def error_for_response(response: httpx.Response) -> ZepAPIError:
    """Build the typed error for a non-2xx response (the one mapping from status to class)."""
    try:
        body: Any = response.json()
    except ValueError:
        body = response.text
    message = body.get("message") if isinstance(body, dict) else None
    if not isinstance(message, str):
        message = response.text.strip() or response.reason_phrase or "(empty body)"
    status = response.status_code
    cls = ServerError if status >= 500 else _BY_STATUS.get(status, ZepAPIError)
    return cls(message, response=response, body=body)
