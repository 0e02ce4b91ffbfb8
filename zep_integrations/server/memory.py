"""Memory without an LLM: summaries, facts, classification, questions and the context block.

Everything here is deterministic and local. The language-level work sits behind the small
:class:`MemoryIntelligence` protocol, so a user can pass an LLM-backed implementation to
``ZepServer(intelligence=...)``; :class:`LocalIntelligence` is the default.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from zep_integrations._limits import MAX_BODY_DEPTH, MAX_SCHEMA_FIELDS, check_json_value
from zep_integrations.server import search
from zep_integrations.server.records import fact_json, message_json, summary_json

__all__ = [
    "DEFAULT_LASTN",
    "LocalIntelligence",
    "MemoryIntelligence",
    "Turn",
    "assemble_memory",
    "build_context",
]

DEFAULT_LASTN = 6
"""Messages returned by ``GET memory`` when ``lastn`` is absent or 0 (section 5)."""
RELEVANT_FACTS = 10
CONTEXT_MESSAGES = 5
QUERY_MESSAGES = 4
"""The latest messages whose text forms the relevance query (Zep uses "the latest ~4")."""
QUERY_TERMS = 8
"""Terms of the relevance query, newest words first. bm25 counts every term's matches across the
whole database (its IDF), ~0.1 ms per term at 1M messages, so the cap bounds ``GET memory``."""
SUMMARY_EVERY = 60
"""A new summary is written once this many messages have left the memory window unsummarised."""
SUMMARY_SENTENCES = 8

_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_SELF_STATEMENT = re.compile(
    r"^(i am|i'm|im|i live|i work|i like|i love|i hate|i prefer|i have|i've|i was|i will|"
    r"i want|i need|i moved|i own|i study|i speak|my|we|our)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Turn:
    """One message as the intelligence hooks see it."""

    role: str | None
    role_type: str
    content: str
    created_at: str


class MemoryIntelligence(Protocol):
    """The language work of the server; replace it with an LLM-backed implementation at will."""

    def summarize(self, previous: str | None, turns: Sequence[Turn]) -> str:
        """Return a new summary from the previous one and the turns it does not cover yet."""
        ...

    def extract_facts(self, turns: Sequence[Turn]) -> list[str]:
        """Return facts stated in newly added turns."""
        ...

    def classify(self, classes: Sequence[str], turns: Sequence[Turn]) -> str:
        """Return the one of ``classes`` that best describes the turns."""
        ...

    def synthesize_question(self, turns: Sequence[Turn]) -> str:
        """Return a standalone question capturing what the latest turns ask about."""
        ...

    def extract(
        self, schema: Mapping[str, Any], turns: Sequence[Turn], current_date_time: str | None
    ) -> dict[str, str]:
        """Return ``{field: value}`` for the properties of a JSON schema ("" when unknown)."""
        ...


def _first_sentence(text: str) -> str:
    return _SENTENCE.split(text.strip(), maxsplit=1)[0].strip()


def _speaker(turn: Turn) -> str:
    return turn.role or turn.role_type


def _salience(text: str) -> int:
    return len(search.token_set(text) - search.STOPWORDS)


class LocalIntelligence:
    """Deterministic keyword heuristics; no model, no network.

    * ``summarize``: extractive. Candidates are the previous summary's lines plus the first
      sentence of each new turn (``"speaker: sentence"``); the ``SUMMARY_SENTENCES`` most salient
      (most distinct non-stopword words) are kept in their original order, one per line.
    * ``extract_facts``: first-person statements of user turns ("I live in ...", "My ...") become
      ``"speaker: sentence"`` facts.
    * ``classify``: the class sharing most words with the turns; ties go to the first class.
    * ``synthesize_question``: the last user turn's first sentence, made a question.
    * ``extract``: per schema property, a ``name: value`` / ``name is value`` mention in the turns.
    """

    def summarize(self, previous: str | None, turns: Sequence[Turn]) -> str:
        """Extractive summary (see class docstring)."""
        lines = [line for line in (previous or "").splitlines() if line.strip()]
        lines += [
            f"{_speaker(t)}: {_first_sentence(t.content)}" for t in turns if t.content.strip()
        ]
        ranked = sorted(range(len(lines)), key=lambda i: (-_salience(lines[i]), i))
        keep = sorted(ranked[:SUMMARY_SENTENCES])
        return "\n".join(lines[i] for i in keep)

    def extract_facts(self, turns: Sequence[Turn]) -> list[str]:
        """First-person statements of user turns (see class docstring)."""
        facts: list[str] = []
        for turn in turns:
            if turn.role_type != "user":
                continue
            for sentence in _SENTENCE.split(turn.content.strip()):
                sentence = sentence.strip()
                if 3 <= len(sentence) <= 300 and _SELF_STATEMENT.match(sentence):
                    facts.append(f"{_speaker(turn)}: {sentence}")
        return facts

    def classify(self, classes: Sequence[str], turns: Sequence[Turn]) -> str:
        """Keyword overlap between each class and the turns (see class docstring)."""
        words = set()
        for turn in turns:
            words.update(search.tokens(turn.content))
        best, best_overlap = classes[0], -1
        for name in classes:
            overlap = len(set(search.tokens(name)) & words)
            if overlap > best_overlap:
                best, best_overlap = name, overlap
        return best

    def synthesize_question(self, turns: Sequence[Turn]) -> str:
        """The last user turn as a question (see class docstring)."""
        users = [t for t in turns if t.role_type == "user" and t.content.strip()] or list(turns)
        if not users:
            return ""
        sentence = _first_sentence(users[-1].content).rstrip(".!?").strip()
        if not sentence:
            return ""
        if sentence.endswith("?"):
            return sentence
        return f"What about: {sentence}?"

    def extract(
        self, schema: Mapping[str, Any], turns: Sequence[Turn], current_date_time: str | None
    ) -> dict[str, str]:
        """Regex extraction of schema properties from the turns (see class docstring)."""
        properties = schema.get("properties")
        names = list(properties) if isinstance(properties, Mapping) else []
        text = "\n".join(turn.content for turn in turns)
        out: dict[str, str] = {}
        for name in names:
            words = name.replace("_", " ").replace("-", " ").strip()
            pattern = rf"\b{re.escape(words)}\s*(?::|=|\bis\b)\s*([^\n.,;!?]+)"
            found = re.findall(pattern, text, flags=re.IGNORECASE)
            out[name] = found[-1].strip() if found else ""
        return out


def turns_of(rows: Sequence[sqlite3.Row]) -> list[Turn]:
    """Message rows to :class:`Turn` objects."""
    return [Turn(r["role"], r["role_type"], r["content"], r["created_at"]) for r in rows]


def parse_schema(text: str) -> dict[str, Any]:
    """Parse the ``model_schema`` JSON text of ``extract``; raises ``ValueError`` if unusable.

    Bounded like a request body: at most ``MAX_SCHEMA_FIELDS`` properties (the extraction loops
    over each against every turn) and the usual nesting, number and text limits.
    """
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise ValueError(f"it is nested more than {MAX_BODY_DEPTH} levels deep") from None
    check_json_value(value, "model_schema", max_depth=MAX_BODY_DEPTH)
    if not isinstance(value, dict):
        raise ValueError("model_schema must be a JSON object")
    properties = value.get("properties")
    if isinstance(properties, dict) and len(properties) > MAX_SCHEMA_FIELDS:
        raise ValueError(
            f"it has {len(properties)} properties; at most {MAX_SCHEMA_FIELDS} are extracted"
        )
    return value


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def last_messages(conn: sqlite3.Connection, session_rowid: int, n: int) -> list[sqlite3.Row]:
    """The last ``n`` messages of a session, oldest first."""
    rows = conn.execute(
        "SELECT * FROM messages WHERE session_id = ? ORDER BY id DESC LIMIT ?", (session_rowid, n)
    ).fetchall()
    rows.reverse()
    return rows


def fact_scopes(conn: sqlite3.Connection, session: sqlite3.Row) -> list[int]:
    """Rowids of the sessions whose facts count for ``session``: all of its user's, else itself."""
    if session["user_id"] is None:
        return [int(session["id"])]
    rows = conn.execute(
        "SELECT id FROM sessions WHERE user_id = ? ORDER BY id DESC LIMIT 200",
        (session["user_id"],),
    ).fetchall()
    return [int(r[0]) for r in rows] or [int(session["id"])]


def relevant_facts(
    conn: sqlite3.Connection, session: sqlite3.Row, query: str, min_rating: float | None
) -> list[sqlite3.Row]:
    """Facts ranked by FTS against ``query``, then the newest others, at most ``RELEVANT_FACTS``."""
    scopes = fact_scopes(conn, session)
    ranked = search.search_fts(
        conn,
        "facts_fts",
        query,
        [f"s{i}" for i in scopes],
        50,
        max_terms=QUERY_TERMS,
        newest=True,
    )
    marks = ",".join("?" * len(scopes))
    by_id = {
        int(r["id"]): r
        for r in conn.execute(
            f"SELECT * FROM facts WHERE session_id IN ({marks}) ORDER BY id DESC LIMIT 500", scopes
        )
    }
    order = [rowid for rowid, _ in ranked if rowid in by_id]
    order += [rowid for rowid in by_id if rowid not in set(order)]
    out = []
    for rowid in order:
        row = by_id[rowid]
        if min_rating is not None and row["rating"] is not None and row["rating"] < min_rating:
            continue
        out.append(row)
        if len(out) == RELEVANT_FACTS:
            break
    return out


def _when(timestamp: str) -> str:
    return timestamp[:19].replace("T", " ")


def build_context(facts: Sequence[sqlite3.Row], older: Sequence[sqlite3.Row]) -> str:
    """The prompt-ready context block; ``""`` when there are neither facts nor older messages.

    Exact format (dates are UTC, ``YYYY-MM-DD HH:MM:SS``; a section is omitted when empty)::

        FACTS and ENTITIES represent relevant context to the current conversation.

        # These are the most relevant facts and their valid date ranges
        # format: FACT (Date range: from - to)
        <FACTS>
          - Jane: I live in Paris (2024-06-01 09:00:00 - present)
        </FACTS>

        # These are older messages relevant to the current conversation
        <MESSAGES>
          - (2024-05-30 18:02:11) Jane [user]: I moved to Paris last year.
        </MESSAGES>
    """
    if not facts and not older:
        return ""
    parts = ["FACTS and ENTITIES represent relevant context to the current conversation."]
    if facts:
        lines = [f"  - {f['content']} ({_when(f['created_at'])} - present)" for f in facts]
        parts.append(
            "# These are the most relevant facts and their valid date ranges\n"
            "# format: FACT (Date range: from - to)\n<FACTS>\n" + "\n".join(lines) + "\n</FACTS>"
        )
    if older:
        lines = [
            f"  - ({_when(m['created_at'])}) {m['role'] or m['role_type']} [{m['role_type']}]: "
            f"{m['content']}"
            for m in older
        ]
        parts.append(
            "# These are older messages relevant to the current conversation\n<MESSAGES>\n"
            + "\n".join(lines)
            + "\n</MESSAGES>"
        )
    return "\n\n".join(parts)


def context_parts(
    conn: sqlite3.Connection,
    session: sqlite3.Row,
    window: Sequence[sqlite3.Row],
    min_rating: float | None,
) -> tuple[list[sqlite3.Row], str]:
    """Relevant facts and the context block for a session whose memory window is ``window``."""
    query = " ".join(row["content"] for row in window[-QUERY_MESSAGES:])
    facts = relevant_facts(conn, session, query, min_rating)
    older: list[sqlite3.Row] = []
    if window:
        hits = search.search_fts(
            conn,
            "messages_fts",
            query,
            [f"s{session['id']}"],
            CONTEXT_MESSAGES,
            max_rowid=int(window[0]["id"]),
            max_terms=QUERY_TERMS,
            newest=True,
        )
        if hits:
            marks = ",".join("?" * len(hits))
            older = conn.execute(
                f"SELECT * FROM messages WHERE id IN ({marks}) ORDER BY id",
                [rowid for rowid, _ in hits],
            ).fetchall()
    return facts, build_context(facts, older)


def assemble_memory(
    conn: sqlite3.Connection, session: sqlite3.Row, lastn: int, min_rating: float | None
) -> dict[str, Any]:
    """The ``GET sessions/{id}/memory`` body (section 5)."""
    window = last_messages(conn, int(session["id"]), lastn)
    facts, context = context_parts(conn, session, window, min_rating)
    summary = conn.execute(
        "SELECT * FROM summaries WHERE session_id = ? ORDER BY id DESC LIMIT 1", (session["id"],)
    ).fetchone()
    return {
        "messages": [message_json(row) for row in window],
        "relevant_facts": [fact_json(row) for row in facts],
        "facts": [row["content"] for row in facts],
        "summary": summary_json(summary) if summary is not None else None,
        "context": context,
        "metadata": {},
    }
