"""Limits the client checks before sending and the embedded server enforces on arrival.

One module, so the two sides cannot disagree: a value the client lets through is one the server
stores, and one the server refuses is refused by the client first, with the same words.
Pure functions, no I/O; the checks raise ``ValueError`` / ``TypeError`` whose message says how to
fix the input (the server turns them into 400).
"""

from __future__ import annotations

import math
from typing import Any

MAX_ID_CHARS = 500
"""Longest user, session, thread, collection or document ID. Zep v4 documents 500 characters for
``user_id``; a longer ID cannot travel in a URL path anyway (httpx refuses long paths)."""

MAX_JSON_DEPTH = 32
"""Deepest nesting of metadata and other JSON values (objects and arrays count one level each).
Deeper values are refused on write, so a stored value is always one every reader can decode."""

MAX_JSON_INT = 2**63 - 1
"""Largest integer magnitude stored: SQLite's and most JSON readers' 64-bit limit."""

MAX_BODY_DEPTH = MAX_JSON_DEPTH + 8
"""Deepest nesting of a whole request body: :data:`MAX_JSON_DEPTH` for the values inside it plus
the few levels of the envelope around them (``{"messages": [{"metadata": ...}]}``)."""

MAX_BATCH_ITEMS = 10_000
"""Most items in one array of a request: documents per add, IDs per batch get, delete or end,
sessions per search, classes per classification. Larger batches are split by the caller; the
bound keeps every per-request loop (and the time one request holds the write lock) short."""

MAX_SCHEMA_FIELDS = 100
"""Most fields in one ``extract`` schema (Zep's structured extraction is meant for a handful)."""

MAX_SEARCH_LIMIT = 1_000
"""Largest ``limit`` of a search: more hits than this are a listing, not a search."""


def check_id(value: Any, what: str = "id") -> str:
    """Return ``value`` when it is a usable ID, else raise with a message saying why.

    Raises:
        TypeError: not a string.
        ValueError: empty, longer than :data:`MAX_ID_CHARS`, or not encodable as UTF-8 (a lone
            surrogate).
    """
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a str, got {type(value).__name__}")
    if not value:
        raise ValueError(f"{what} must be a non-empty string")
    if len(value) > MAX_ID_CHARS:
        raise ValueError(
            f"{what} is {len(value)} characters long; IDs may have at most {MAX_ID_CHARS}"
        )
    check_text(value, what)
    return value


def check_text(value: str, what: str) -> None:
    """Raise ``ValueError`` when ``value`` cannot be stored as UTF-8 (it holds a lone surrogate)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(
            f"{what} contains a lone surrogate ({value[exc.start : exc.end]!r} at position "
            f"{exc.start}), which is not valid Unicode text; fix the text's encoding"
        ) from exc


def check_json_value(value: Any, what: str, *, max_depth: int = MAX_JSON_DEPTH) -> None:
    """Raise when ``value`` is not JSON that every Zep reader can round-trip.

    Refused: nesting deeper than ``max_depth`` (:data:`MAX_JSON_DEPTH`), NaN and infinities,
    integers beyond 64 bits, lone surrogates in strings or keys, non-string keys and non-JSON
    types. Iterative, so a hostile depth cannot exhaust the interpreter stack.

    Raises:
        TypeError: a value or key of a type JSON cannot carry.
        ValueError: too deep, a non-finite or over-long number, or invalid text.
    """
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            check_text(item, what)
        elif isinstance(item, bool) or item is None:
            continue
        elif isinstance(item, int):
            if abs(item) > MAX_JSON_INT:
                raise ValueError(
                    f"{what} holds the integer {item}, beyond 64 bits; store it as a string"
                )
        elif isinstance(item, float):
            if not math.isfinite(item):
                raise ValueError(
                    f"{what} holds {item!r}, which JSON cannot carry; use null or a string"
                )
        elif isinstance(item, (dict, list, tuple)):
            if depth > max_depth:
                raise ValueError(f"{what} is nested more than {max_depth} levels deep; flatten it")
            if isinstance(item, dict):
                for key, child in item.items():
                    if not isinstance(key, str):
                        raise TypeError(
                            f"{what} has a key of type {type(key).__name__}; JSON keys are strings"
                        )
                    check_text(key, what)
                    stack.append((child, depth + 1))
            else:
                stack.extend((child, depth + 1) for child in item)
        else:
            raise TypeError(
                f"{what} holds a {type(item).__name__}, which is not JSON "
                "(use str, int, float, bool, None, list or dict)"
            )
