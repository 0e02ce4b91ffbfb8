"""Lexical search over the FTS5 tables, score normalisation, MMR, metadata filters and cosine.

Scores: FTS5's ``bm25()`` is negative, more negative meaning more relevant, and unbounded. A hit's
score is ``bm25(hit) / bm25(best hit)``: the best hit of a query scores 1.0 and the others the
fraction of its relevance they reach, so scores lie in ``(0, 1]`` and ``min_score=0.5`` keeps the
hits at least half as relevant as the best one. (When every bm25 is 0 every hit scores 1.0.)
Cosine scores over client-supplied embeddings are clamped to ``[0, 1]``.

MMR re-ranks candidates by ``lambda * relevance - (1 - lambda) * max similarity to the already
chosen hits``, with the Jaccard similarity of the hits' token sets standing in for embedding
similarity.
"""

from __future__ import annotations

import math
import re
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from zep_integrations.server.jsonpath import compile_where

__all__ = [
    "cosine",
    "fts_query",
    "jaccard",
    "matches_filter",
    "metadata_filter",
    "mmr",
    "normalise",
    "search_fts",
    "token_set",
    "tokens",
]

T = TypeVar("T")

_WORD = re.compile(r"\w+", re.UNICODE)

# Dropped from queries: OR-ing "the" would match, and rank, nearly every row.
_STOPWORD_TEXT = """
    a about all am an and any are as at be been but by can could did do does for from had has
    have he her hers him his how i if in into is it its just me my no not of on or our out she so
    than that the their them then there these they this to too up us was we were what when where
    which who whom why will with would you your yours"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())

MAX_QUERY_TERMS = 32


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens of ``text`` (Unicode-aware)."""
    return [token.lower() for token in _WORD.findall(text)]


def token_set(text: str) -> set[str]:
    """The distinct tokens of ``text`` (as :func:`tokens` spells them)."""
    if text.isascii():
        # Lower-casing first is the same for ASCII and lets the regex produce the final strings.
        return set(_WORD.findall(text.lower()))
    return {token.lower() for token in _WORD.findall(text)}


def fts_query(text: str, max_terms: int = MAX_QUERY_TERMS, *, newest: bool = False) -> str | None:
    """Turn free text into a safe FTS5 query: distinct quoted terms joined by ``OR``.

    Every term is a double-quoted string (inner quotes doubled), so no user text can be read as
    FTS5 syntax (``AND``, ``NEAR``, ``*``, ``:``, parentheses) and raise a syntax error. Stopwords
    are dropped unless nothing else is left. Returns ``None`` when the text has no word at all.

    At most ``max_terms`` terms are kept: the first ones, or with ``newest`` the ones occurring
    latest in the text (for a query made of a conversation, the newest messages' words), still
    in first-occurrence order. A query within the limit is the same either way.
    """
    all_tokens = tokens(text)
    words = list(dict.fromkeys(all_tokens))
    kept = [word for word in words if word not in STOPWORDS] or words
    if not kept:
        return None
    if newest and len(kept) > max_terms:
        candidates = set(kept)
        latest: dict[str, None] = {}
        for word in reversed(all_tokens):
            if word in candidates:
                latest[word] = None
                if len(latest) == max_terms:
                    break
        kept = [word for word in kept if word in latest]
    return " OR ".join('"' + word.replace('"', '""') + '"' for word in kept[:max_terms])


def scope_filter(scopes: Sequence[str]) -> str:
    """An FTS5 clause restricting a query to rows of the given scope tokens."""
    return "scope : (" + " OR ".join(f'"{scope}"' for scope in scopes) + ")"


def search_fts(
    conn: sqlite3.Connection,
    fts_table: str,
    text: str,
    scopes: Sequence[str] | None,
    limit: int,
    *,
    max_rowid: int | None = None,
    max_terms: int = MAX_QUERY_TERMS,
    newest: bool = False,
) -> list[tuple[int, float]]:
    """Rank rows of ``fts_table`` matching ``text``; returns ``(rowid, bm25)`` best first.

    Args:
        conn: The connection.
        fts_table: One of the ``*_fts`` tables.
        text: Free text (made safe by :func:`fts_query`).
        scopes: Scope tokens (``s<session rowid>``/``c<collection rowid>``) or ``None`` for all.
        limit: Maximum number of rows.
        max_rowid: Only rows with a smaller rowid (older messages).
        max_terms: At most this many query terms (see :func:`fts_query`).
        newest: Keep the terms occurring latest in ``text`` rather than the first ones.
    """
    query = fts_query(text, max_terms, newest=newest)
    if query is None or limit <= 0 or (scopes is not None and not scopes):
        return []
    # The terms match the content column only: unqualified, a word equal to a scope token
    # ("s3", "c1") would match the scope column of every row of that session or collection.
    query = f"content : ({query})"
    if scopes is not None:
        query = f"{query} AND {scope_filter(scopes)}"
    sql = (
        f"SELECT rowid, bm25({fts_table}, 1.0, 0.0) AS r FROM {fts_table} WHERE {fts_table} MATCH ?"
    )
    args: list[Any] = [query]
    if max_rowid is not None:
        sql += " AND rowid < ?"
        args.append(max_rowid)
    sql += " ORDER BY r LIMIT ?"
    args.append(limit)
    return [(int(row[0]), float(row[1])) for row in conn.execute(sql, args)]


def normalise(ranked: Sequence[tuple[int, float]]) -> list[tuple[int, float]]:
    """Map bm25 values to scores in ``(0, 1]`` relative to the best hit (see module docstring)."""
    if not ranked:
        return []
    best = min(rank for _, rank in ranked)
    if best >= 0:
        return [(rowid, 1.0) for rowid, _ in ranked]
    return [(rowid, max(0.0, min(1.0, rank / best))) for rowid, rank in ranked]


def ranked_rows(
    conn: sqlite3.Connection, table: str, ranked: Sequence[tuple[int, float]]
) -> list[tuple[sqlite3.Row, float]]:
    """Load the rows of ``table`` behind ``(rowid, score)`` hits, keeping the hits' order."""
    if not ranked:
        return []
    marks = ",".join("?" * len(ranked))
    rows = {
        int(row["id"]): row
        for row in conn.execute(
            f"SELECT * FROM {table} WHERE id IN ({marks})", [rowid for rowid, _ in ranked]
        )
    }
    return [(rows[rowid], score) for rowid, score in ranked if rowid in rows]


def jaccard(left: frozenset[str], right: frozenset[str]) -> float:
    """Jaccard similarity of two token sets (0 when both are empty)."""
    if not left and not right:
        return 0.0
    return len(left & right) / len(left | right)


def mmr(
    items: Sequence[T],
    scores: Sequence[float],
    text_of: Callable[[T], str],
    limit: int,
    mmr_lambda: float = 0.5,
) -> list[tuple[T, float]]:
    """Maximal-marginal-relevance re-ranking over token-set Jaccard similarity.

    Returns up to ``limit`` ``(item, original score)`` pairs in MMR order.

    Incremental, O(k * n) similarities for k picks over n candidates: each candidate keeps its
    largest similarity to the hits chosen so far, and a pick only adds the similarities to the
    one new hit. (Recomputing every candidate against every chosen hit on every pick was
    O(k^2 * n): limit 200 over 1,000 candidates took 45 s.) Ties keep the earlier candidate, as
    before, so the order is unchanged.
    """
    sets = [frozenset(tokens(text_of(item))) for item in items]
    redundancy = [0.0] * len(items)
    remaining = list(range(len(items)))
    chosen: list[int] = []
    while remaining and len(chosen) < limit:
        best_pos, best_value = 0, -math.inf
        for pos, index in enumerate(remaining):
            value = mmr_lambda * scores[index] - (1.0 - mmr_lambda) * redundancy[index]
            if value > best_value:
                best_pos, best_value = pos, value
        picked = remaining.pop(best_pos)
        chosen.append(picked)
        picked_set = sets[picked]
        for index in remaining:
            similarity = jaccard(sets[index], picked_set)
            if similarity > redundancy[index]:
                redundancy[index] = similarity
    return [(items[index], scores[index]) for index in chosen]


def metadata_filter(
    wanted: Mapping[str, Any] | None,
) -> Callable[[Mapping[str, Any] | None], bool]:
    """Compile a search's metadata filter into a predicate over a row's metadata.

    Two forms: Zep's ``{"where": {"jsonpath": ...}}`` (also ``{"where": {"and"|"or": [...]}}``,
    see :mod:`.jsonpath`), and a plain object matched by equality on each of its top-level keys.
    A ``where`` filter this server cannot evaluate raises ``ValueError`` (the routes answer 400):
    ignoring it would silently return unfiltered results.
    """
    if not wanted:
        return lambda metadata: True
    if "where" in wanted and isinstance(wanted["where"], Mapping):
        if len(wanted) != 1:
            raise ValueError("a where filter cannot be combined with other metadata keys")
        predicate = compile_where(wanted["where"])
        return lambda metadata: predicate(metadata or {})
    items = list(wanted.items())

    def equal(metadata: Mapping[str, Any] | None) -> bool:
        have = metadata or {}
        return all(key in have and have[key] == value for key, value in items)

    return equal


def matches_filter(metadata: Mapping[str, Any] | None, wanted: Mapping[str, Any] | None) -> bool:
    """Whether ``metadata`` passes the filter ``wanted`` (see :func:`metadata_filter`)."""
    return metadata_filter(wanted)(metadata)


def cosine(left: Sequence[float], right: Sequence[float]) -> float:
    """Cosine similarity clamped to ``[0, 1]`` (0 for mismatched or zero vectors)."""
    if len(left) != len(right) or not left:
        return 0.0
    dot = sum(a * b for a, b in zip(left, right, strict=True))
    norm = math.sqrt(sum(a * a for a in left)) * math.sqrt(sum(b * b for b in right))
    if norm == 0.0:
        return 0.0
    return max(0.0, min(1.0, dot / norm))


def select(
    hits: Sequence[tuple[T, float]],
    *,
    text_of: Callable[[T], str],
    limit: int | None,
    min_score: float | None,
    search_type: str | None,
    mmr_lambda: float | None,
) -> list[tuple[T, float]]:
    """Apply ``min_score``, then MMR (when asked) and ``limit`` to scored hits, best first."""
    kept = [(item, score) for item, score in hits if min_score is None or score >= min_score]
    size = len(kept) if limit is None else limit
    if search_type == "mmr" and kept:
        return mmr(
            [item for item, _ in kept],
            [score for _, score in kept],
            text_of,
            size,
            0.5 if mmr_lambda is None else mmr_lambda,
        )
    return kept[:size]
