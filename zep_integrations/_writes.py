"""Multi-request message writes: packing messages into requests, and sending them in order.

Pure and version-neutral, so each API version's write (v2 ``POST sessions/{id}/memory``, and the
thread message writes of v3/v4) can share them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from zep_integrations.errors import PartialWriteError, ServerError, ZepConnectionError, ZepError

if TYPE_CHECKING:
    from zep_integrations._api import Call, Flow

__all__ = ["MAX_MESSAGES_PER_WRITE", "chunks_within", "send_writes"]

T = TypeVar("T")

MAX_MESSAGES_PER_WRITE = 30
"""Zep accepts at most 30 messages per write request (section 5)."""


def chunks_within(
    wire: Sequence[dict[str, Any]], envelope_bytes: int, max_body_bytes: int
) -> list[list[dict[str, Any]]]:
    """Split messages into ordered chunks of at most 30 whose JSON body fits ``max_body_bytes``.

    ``envelope_bytes`` is the size of the body with an empty ``messages`` list. Sizes are those
    of the client's own encoding (``json.dumps`` with its default ``", "`` separators and ASCII
    escapes), so the sum is exact.

    Raises:
        ValueError: one message alone does not fit (nothing is sent).
    """
    by_count = [
        list(wire[start : start + MAX_MESSAGES_PER_WRITE])
        for start in range(0, len(wire), MAX_MESSAGES_PER_WRITE)
    ]
    # Fast path: one encoding per request of 30 (the envelope already counts the list's "[]").
    if all(envelope_bytes + len(json.dumps(part)) - 2 <= max_body_bytes for part in by_count):
        return by_count
    parts: list[list[dict[str, Any]]] = []
    current: list[dict[str, Any]] = []
    size = envelope_bytes
    for index, data in enumerate(wire):
        length = len(json.dumps(data, allow_nan=False))
        if envelope_bytes + length > max_body_bytes:
            raise ValueError(
                f"message {index} is {length} bytes as JSON, more than this client's "
                f"max_body_bytes ({max_body_bytes}) allows in one request; shorten its content "
                "or metadata (nothing was sent)"
            )
        extra = length + (2 if current else 0)
        if current and (len(current) >= MAX_MESSAGES_PER_WRITE or size + extra > max_body_bytes):
            parts.append(current)
            current, size, extra = [], envelope_bytes, length
        current.append(data)
        size += extra
    if current:
        parts.append(current)
    return parts


def send_writes(calls: Sequence[Call[T]]) -> Flow[T]:
    """Send the chunks of one message write in order; return the last result.

    A failure of the first request raises its own error (nothing was stored). A failure of a
    later one raises :class:`~zep_integrations.errors.PartialWriteError`, saying how many
    messages the earlier requests stored, so the caller resends only the rest.
    """
    if not calls:
        raise ValueError("send_writes needs at least one call")
    total = sum(_count(call) for call in calls)
    stored = 0
    result: T
    for index, call in enumerate(calls):
        try:
            result = yield call
        except ZepError as exc:
            if index == 0:
                raise
            unconfirmed = _count(call) if isinstance(exc, (ZepConnectionError, ServerError)) else 0
            raise PartialWriteError(
                f"stored {stored} of {total} messages, then request {index + 1} of {len(calls)} "
                f"failed: {exc}. Resend only messages[{stored}:]"
                + (
                    f" (messages {stored}..{stored + unconfirmed - 1} may already be stored: the "
                    "failure came after they were sent)"
                    if unconfirmed
                    else ""
                ),
                stored_count=stored,
                total_count=total,
                unconfirmed_count=unconfirmed,
            ) from exc
        stored += _count(call)
    return result


def _count(call: Call[Any]) -> int:
    body = call.body
    return len(body["messages"]) if isinstance(body, dict) else 0
