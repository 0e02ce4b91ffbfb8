"""Typed errors raised by :mod:`zep_integrations`.

The whole tree::

    ZepError                      anything this package raises about talking to Zep
    ├── ZepConnectionError        the request never got an HTTP answer (refused, reset, DNS)
    │   └── ZepTimeoutError       ... because a timeout expired
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
"""

from __future__ import annotations

from typing import Any

import httpx

__all__ = [
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "NotFoundError",
    "PayloadTooLargeError",
    "RateLimitError",
    "ServerError",
    "ZepAPIError",
    "ZepConnectionError",
    "ZepError",
    "ZepTimeoutError",
    "error_for_response",
]


class ZepError(Exception):
    """Base class of every error this package raises about talking to Zep."""


class ZepConnectionError(ZepError):
    """The request did not get an HTTP response (connection refused, reset, DNS failure)."""


class ZepTimeoutError(ZepConnectionError):
    """The request timed out before a response arrived."""


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
