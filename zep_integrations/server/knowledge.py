"""Graph intelligence: entities, relation names, fact invalidation, user summary, context block.

The graph views of the v3/v4 APIs (``server/graph.py``) need a little more language work than
:class:`~zep_integrations.server.memory.MemoryIntelligence` offers. It lives in a second, separate
protocol, :class:`GraphIntelligence`, so every existing ``MemoryIntelligence`` keeps working: the
server uses the ``intelligence=`` object for graph work when it implements this protocol too
(:func:`graph_hooks`), and :class:`LocalGraphIntelligence` otherwise.

:class:`LocalGraphIntelligence` is deterministic and local: no model, no network.
"""

from __future__ import annotations

import calendar
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from zep_integrations.server import search
from zep_integrations.server.memory import LocalIntelligence, Turn

__all__ = [
    "ContextEntity",
    "ContextFact",
    "GraphIntelligence",
    "LocalGraphIntelligence",
    "graph_hooks",
]

_SPEAKER = re.compile(r"^[^:\n]{1,80}:\s+")
# A run of capitalised words (allowing "of", "de", "&" inside): "New York", "Bank of America".
_PROPER = re.compile(r"\b([A-Z][\w'-]*(?:\s+(?:of|de|du|van|von|&)?\s*[A-Z][\w'-]*)*)")
_NOT_ENTITIES = frozenset(
    {"I", "I'm", "I've", "I'll", "I'd", "My", "We", "Our", "The", "A", "An", "It", "This"}
    | {"That", "He", "She", "They", "You", "Yes", "No", "Hi", "Hello"}
    # Dates are when a fact holds, not what it is about.
    | set(calendar.month_name[1:])
    | set(calendar.day_name)
)
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_FIRST_PERSON = re.compile(r"^(i|i'm|im|i've|we|my|our)\b\s*", re.IGNORECASE)


@dataclass(frozen=True)
class ContextFact:
    """One fact line of a context block: the sentence and its validity dates (RFC 3339).

    Example:
        >>> ContextFact("Jane: I live in Lisbon.", "2024-06-01T09:00:00Z", None).invalid_at is None
        True
    """

    fact: str
    valid_at: str | None
    invalid_at: str | None


@dataclass(frozen=True)
class ContextEntity:
    """One entity of a context block.

    Example:
        >>> ContextEntity("Lisbon", "Jane: I live in Lisbon.").name
        'Lisbon'
    """

    name: str
    summary: str


@runtime_checkable
class GraphIntelligence(Protocol):
    """The language work behind graph views; implement it beside ``MemoryIntelligence``."""

    def extract_entities(self, fact: str) -> list[str]:
        """Return the names of the entities a fact is about (the speaker excluded)."""
        ...

    def relation_name(self, fact: str, entity: str | None) -> str:
        """Return an edge name such as ``LIVE_IN`` for a fact (and its first entity)."""
        ...

    def extract_data_facts(self, source: str, data: str) -> list[str]:
        """Return facts stated in data added to a graph (``source``: text, json or message)."""
        ...

    def summarize_user(self, name: str, facts: Sequence[str]) -> str:
        """Return the user summary from the user's name and their current facts, newest first."""
        ...

    def format_context(
        self,
        user_summary: str,
        facts: Sequence[ContextFact],
        entities: Sequence[ContextEntity],
    ) -> str:
        """Return the context block text."""
        ...


def _when(timestamp: str | None) -> str:
    """``2024-11-14T02:13:19.000000Z`` as ``2024-11-14 02:13:19+00:00`` (section 5.1)."""
    if not timestamp:
        return "present"
    return timestamp[:19].replace("T", " ") + "+00:00"


def _flatten(value: Any, path: str, out: list[str]) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _flatten(child, f"{path}.{key}" if path else str(key), out)
    elif isinstance(value, list):
        for child in value:
            _flatten(child, path, out)
    elif value is not None and path:
        out.append(f"{path.replace('_', ' ')}: {value}")


def _verb_words(text: str) -> list[str]:
    return [w for w in re.findall(r"[A-Za-z]+", text) if w.lower() not in ("a", "an", "the")]


def _first_person(fact: str) -> str:
    """``"Jane: I live in Rome"`` -> ``"I live in Rome"``; other facts stay whole."""
    body = _SPEAKER.sub("", fact, count=1)
    return body if _FIRST_PERSON.match(body) else fact


class LocalGraphIntelligence:
    """Deterministic heuristics for the graph views.

    * ``extract_entities``: runs of capitalised words after the first word of the sentence
      (``"Jane: I moved to New York"`` -> ``["New York"]``), pronouns excluded.
    * ``relation_name``: the words between a first-person subject and the entity, upper snake
      case (``LIVE_IN``); ``STATES`` when there is no entity.
    * ``extract_data_facts``: text: every sentence of 3 to 300 characters; message: the
      first-person statements of ``"speaker: content"``; json: one ``"path: value"`` per leaf.
    * ``summarize_user``: the name followed by up to five of the user's current facts (``""``
      while there are none).
    * ``format_context``: the v3 default block (``<USER_SUMMARY>``, ``<FACTS>``, ``<ENTITIES>``).

    Example:
        >>> hooks = LocalGraphIntelligence()
        >>> hooks.extract_entities("Jane: I moved to New York in May")
        ['New York']
        >>> hooks.relation_name("Jane: I moved to New York in May", "New York")
        'MOVED_TO'
    """

    def extract_entities(self, fact: str) -> list[str]:
        """Capitalised word runs (see class docstring)."""
        body = _SPEAKER.sub("", fact, count=1)
        found: list[str] = []
        for sentence in _SENTENCE.split(body):
            words = sentence.split(maxsplit=1)
            # A sentence's first word is capitalised anyway: it is an entity only when it is
            # not a common word ("Paris is ..." yes, "Where is ..." no).
            first = words[0].strip(".,;:!?'\"").lower() if words else ""
            offset = 0 if first and first not in search.STOPWORDS else len(words[0]) if words else 0
            for match in _PROPER.finditer(sentence, offset):
                name = match.group(1).strip(" '-")
                if name and name not in _NOT_ENTITIES and name not in found:
                    found.append(name)
        return found

    def relation_name(self, fact: str, entity: str | None) -> str:
        """Upper-snake verb phrase (see class docstring)."""
        if not entity:
            return "STATES"
        body = _SPEAKER.sub("", fact, count=1)
        before, _, after = body.partition(entity)
        words = _verb_words(_FIRST_PERSON.sub("", before.strip()))[-3:]
        if not words:
            # The entity is the subject ("Paris is the capital of France"): the words after it.
            following = _PROPER.split(after.strip(), maxsplit=1)[0]
            words = _verb_words(following)[:3]
        return "_".join(w.upper() for w in words) or "RELATES_TO"

    def extract_data_facts(self, source: str, data: str) -> list[str]:
        """Facts in added data (see class docstring)."""
        if source == "json":
            out: list[str] = []
            _flatten(json.loads(data), "", out)
            return [fact for fact in out if len(fact) <= 300]
        if source == "message":
            speaker, _, content = data.partition(":")
            if not content:
                speaker, content = "", data
            turn = Turn(speaker.strip() or None, "user", content.strip(), "")
            return LocalIntelligence().extract_facts([turn])
        sentences = (s.strip() for s in _SENTENCE.split(data.strip()))
        return [s for s in sentences if 3 <= len(s) <= 300]

    def summarize_user(self, name: str, facts: Sequence[str]) -> str:
        """Name plus recent facts (see class docstring)."""
        stated = [_first_person(fact).rstrip(".") for fact in facts[:5]]
        if not stated:
            return ""  # nothing is known yet: no summary rather than an empty sentence
        return f"{name} is a user. Recent facts: " + "; ".join(stated) + "."

    def format_context(
        self,
        user_summary: str,
        facts: Sequence[ContextFact],
        entities: Sequence[ContextEntity],
    ) -> str:
        """The v3 default context block (section 5.1); sections without content are left out."""
        parts = []
        if user_summary:
            parts.append(
                "# This is the user summary\n<USER_SUMMARY>\n" + user_summary + "\n</USER_SUMMARY>"
            )
        if facts:
            lines = [f"  - {f.fact} ({_when(f.valid_at)} - {_when(f.invalid_at)})" for f in facts]
            parts.append(
                "# These are the most relevant facts and their valid date ranges\n"
                "# format: FACT (Date range: from - to)\n<FACTS>\n"
                + "\n".join(lines)
                + "\n</FACTS>"
            )
        if entities:
            lines = [f"  - {e.name}: {e.summary}" for e in entities]
            parts.append(
                "# These are the most relevant entities\n# ENTITY_NAME: entity summary\n"
                "<ENTITIES>\n" + "\n".join(lines) + "\n</ENTITIES>"
            )
        return "\n\n".join(parts)


_LOCAL = LocalGraphIntelligence()


def graph_hooks(intelligence: object) -> GraphIntelligence:
    """``intelligence`` when it implements :class:`GraphIntelligence`, else the local one."""
    if isinstance(intelligence, GraphIntelligence):
        return intelligence
    return _LOCAL
