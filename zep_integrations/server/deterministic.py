"""A fixed clock and sequential UUIDs, so recordings of the server are byte-for-byte repeatable.

Used by ``zep-integrations serve --deterministic`` when recording cassettes, and by the tests that
replay the same scenarios live against the in-process server and compare the wire traffic.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

EPOCH = datetime(2024, 1, 1, tzinfo=timezone.utc)


def fixed_clock(
    start: datetime = EPOCH, step: timedelta = timedelta(seconds=1)
) -> Callable[[], datetime]:
    """Return a clock that starts at ``start`` and advances ``step`` on every call."""
    counter = itertools.count()
    lock = threading.Lock()

    def now() -> datetime:
        with lock:
            return start + step * next(counter)

    return now


def sequential_uuids() -> Callable[[], str]:
    """Return a UUID factory yielding ``00000000-0000-4000-8000-000000000001``, ``...02``, ..."""
    counter = itertools.count(1)
    lock = threading.Lock()

    def new_uuid() -> str:
        with lock:
            return f"00000000-0000-4000-8000-{next(counter):012d}"

    return new_uuid
