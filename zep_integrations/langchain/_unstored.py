"""Turns whose write failed where LangChain swallows the error, kept to be raised on the next read.

``RunnableWithMessageHistory`` writes a turn from an end listener, and LangChain's tracer catches
whatever that listener raises and only logs it: a write that fails there (the session has ended,
the server refused the body, Zep was unreachable) would be lost silently. The history therefore
records such a failure here, keyed by target and session, and the next read of that session (the
read that starts the next turn, before the model runs) raises it. Writes made directly, outside
that listener, raise as usual and are not recorded.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections import OrderedDict
from types import FrameType

from zep_integrations.errors import PartialWriteError, ZepAPIError

__all__ = ["inside_history_listener", "remember", "take"]

logger = logging.getLogger("zep_integrations")
_MAX_KEPT = 1024
_failures: OrderedDict[tuple[str, str], BaseException] = OrderedDict()
_lock = threading.Lock()


def _listener_codes() -> frozenset[object]:
    try:
        from langchain_core.runnables.history import RunnableWithMessageHistory
    except ImportError:  # pragma: no cover - langchain-core without the runnable
        return frozenset()
    return frozenset(
        (
            RunnableWithMessageHistory._exit_history.__code__,
            RunnableWithMessageHistory._aexit_history.__code__,
        )
    )


def inside_history_listener() -> bool:
    """Whether the caller runs inside ``RunnableWithMessageHistory``'s end listener."""
    codes = _listener_codes()
    frame: FrameType | None = sys._getframe(1)
    depth = 0
    while frame is not None and depth < 64:
        if frame.f_code in codes:
            return True
        frame, depth = frame.f_back, depth + 1
    return False


def remember(target: str, session_id: str, error: BaseException) -> None:
    """Keep ``error`` for the next read of ``session_id`` on ``target`` (bounded, oldest go)."""
    logger.warning(
        "zep_integrations: the turn of session %r was not stored (%s: %s); LangChain's "
        "RunnableWithMessageHistory swallows this error, so the next read of the session raises it",
        session_id,
        type(error).__name__,
        error,
    )
    with _lock:
        _failures[(target, session_id)] = error
        _failures.move_to_end((target, session_id))
        while len(_failures) > _MAX_KEPT:
            _failures.popitem(last=False)


def take(target: str, session_id: str) -> BaseException | None:
    """The error a swallowed write of this session left, once, as an error of the same type."""
    with _lock:
        error = _failures.pop((target, session_id), None)
    if error is None:
        return None
    note = f"the previous turn of session {session_id!r} was not stored"
    try:
        if isinstance(error, ZepAPIError):
            return type(error)(f"{note}: {error.message}", response=error.response, body=error.body)
        if isinstance(error, PartialWriteError):
            return PartialWriteError(
                f"{note}: {error}",
                stored_count=error.stored_count,
                total_count=error.total_count,
                unconfirmed_count=error.unconfirmed_count,
            )
        return type(error)(f"{note}: {error}")
    except TypeError:  # an exception class with another constructor: raise it as it was
        return error
