"""The per-call deadline of both clients: one bound on a call's attempts, retry waits and body.

``timeout`` in httpx bounds each network operation, so a server that sends one byte just before
every read timeout can hold a call for ever. A deadline is an instant on the monotonic clock;
these pure helpers cap every timeout by what is left of it, decide whether a retry still fits,
and check it between the chunks of a response body. No threads: the sync client streams the
body through :class:`DeadlineStream`, the async client also wraps the whole exchange in
``asyncio.wait_for``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator

import httpx

from zep_integrations.errors import ZepTimeoutError

__all__ = ["DeadlineStream", "check_deadline", "fits", "timeout_within"]


def check_deadline(deadline: float | None) -> float | None:
    """Return ``deadline`` (seconds) as a float, or raise ``ValueError`` saying what is accepted."""
    if deadline is None:
        return None
    if (
        isinstance(deadline, bool)
        or not isinstance(deadline, (int, float))
        or not math.isfinite(deadline)
        or deadline <= 0
    ):
        raise ValueError(f"deadline must be a positive number of seconds or None, got {deadline!r}")
    return float(deadline)


def timeout_within(
    timeout: float | httpx.Timeout, deadline: float | None, what: str, seconds: float | None
) -> httpx.Timeout:
    """``timeout`` with every phase capped by what is left before ``deadline``.

    Raises:
        ZepTimeoutError: the deadline has already passed (``what`` names the call, ``seconds``
            is the configured deadline).
    """
    configured = httpx.Timeout(timeout)
    if deadline is None:
        return configured
    left = deadline - time.monotonic()
    if left <= 0:
        raise ZepTimeoutError(f"{what} timed out: its deadline of {seconds} s passed")

    def cap(value: float | None) -> float:
        return left if value is None else min(value, left)

    return httpx.Timeout(
        connect=cap(configured.connect),
        read=cap(configured.read),
        write=cap(configured.write),
        pool=cap(configured.pool),
    )


def fits(deadline: float | None, delay: float) -> bool:
    """Whether waiting ``delay`` seconds before a retry still ends before ``deadline``."""
    return deadline is None or time.monotonic() + delay < deadline


class DeadlineStream(httpx.SyncByteStream):
    """A response body that raises ``httpx.ReadTimeout`` once the call's deadline has passed.

    Checked between the chunks the server sends, so a server that drips bytes slowly enough
    to never trip the per-read timeout still cannot hold a call past its deadline.
    """

    def __init__(
        self, inner: httpx.SyncByteStream, deadline: float, request: httpx.Request
    ) -> None:
        self._inner = inner
        self._deadline = deadline
        self._request = request

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._inner:
            if time.monotonic() > self._deadline:
                raise httpx.ReadTimeout(
                    "deadline exceeded reading the response", request=self._request
                )
            yield chunk

    def close(self) -> None:
        self._inner.close()
