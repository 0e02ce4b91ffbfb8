"""When to resend a failed request, and after how long: the retry rule of both clients.

Pure functions of the call, the attempt number and the failure, so the rule is tested without
sleeping or networking.
"""

from __future__ import annotations

import math
import time
from typing import Any

import httpx

from zep_integrations._api import Call, Retry

__all__ = ["backoff_delay", "parse_retry_after", "retry_delay"]

BACKOFF_BASE = 0.5
BACKOFF_MAX = 8.0
RETRY_AFTER_MAX = 30.0
"""A longer ``Retry-After`` is waited for only this long, so a call cannot hang for hours."""

# Errors raised before any byte of the request reached the server: always safe to resend.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date), capped.

    Anything that is not a finite number or a valid HTTP date (``nan``, ``inf``, ``1e999``,
    garbage) counts as absent (``None``), so the caller falls back to its own backoff: a NaN
    delay would make ``asyncio.sleep`` wait forever and ``time.sleep`` raise ``ValueError``.
    """
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            # Imported here: HTTP-date Retry-After values are rare, and the module costs ~8 ms.
            import email.utils

            when = email.utils.parsedate_to_datetime(value)
            seconds = when.timestamp() - (time.time() if now is None else now)
        except (TypeError, ValueError, IndexError, OverflowError, AttributeError):
            return None
    if not math.isfinite(seconds):
        return None
    return min(max(seconds, 0.0), RETRY_AFTER_MAX)


def backoff_delay(attempt: int, rand: float) -> float:
    """Exponential backoff with jitter for retry ``attempt`` (0-based); ``rand`` in [0, 1)."""
    delay: float = min(BACKOFF_BASE * 2**attempt, BACKOFF_MAX)
    return delay * (0.5 + rand / 2)


def retry_delay(
    call: Call[Any],
    attempt: int,
    max_retries: int,
    *,
    response: httpx.Response | None = None,
    error: Exception | None = None,
    rand: float = 0.0,
) -> float | None:
    """Decide whether to resend ``call`` after a failure, and after how long.

    Args:
        call: The call that failed.
        attempt: How many retries were already made.
        max_retries: The client's limit (``0`` disables retries).
        response: The non-2xx response, if one arrived.
        error: The transport error, if no response arrived.
        rand: A number in [0, 1) for jitter (injected so tests need no randomness).

    Returns:
        Seconds to wait before resending, or ``None`` to give up and raise.

    Idempotent calls are resent after connection errors, timeouts, 429 and 502/503/504. Writes
    (``Retry.UNAPPLIED``) are resent only when the server cannot have applied them: the
    connection was never made, or a 429, or a 503 that carries ``Retry-After`` (a deliberate
    "come back later" from a server or proxy that did not process the request). A write that timed
    out after sending, got a 500/502/504, or a 409 is not resent: it may already be stored, and a
    second copy would duplicate the conversation.
    """
    if attempt >= max_retries:
        return None
    retry_after: float | None = None
    if error is not None:
        retryable = isinstance(error, _NOT_SENT) or (
            call.retry is Retry.IDEMPOTENT and isinstance(error, httpx.TransportError)
        )
    elif response is not None:
        status = response.status_code
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        if status == 429:
            retryable = True
        elif status == 503:
            retryable = call.retry is Retry.IDEMPOTENT or retry_after is not None
        elif status in (502, 504):
            retryable = call.retry is Retry.IDEMPOTENT
        else:
            retryable = False
    else:
        retryable = False
    if not retryable:
        return None
    return retry_after if retry_after is not None else backoff_delay(attempt, rand)
