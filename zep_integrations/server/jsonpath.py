"""The JSONPath metadata filter of Zep's search: ``{"where": {"jsonpath": "$[*] ? (...)"}}``.

Zep evaluates these with Postgres (``metadata @? '<path>'``). The documented subset, which this
module implements, is a filter over the metadata object::

    $[*] ? (@.author == "Ada" && (@.year >= 2020 || @.tags[*] == "draft"))

* paths ``@.key``, nested ``@.a.b``, quoted keys ``@."odd key"``, and ``[*]`` over arrays;
* comparisons ``==``, ``!=``, ``<``, ``<=``, ``>``, ``>=`` between a path and a string, number,
  ``true``, ``false`` or ``null`` literal (either side);
* ``&&``, ``||``, ``!`` and parentheses.

Semantics follow Postgres' lax mode: a path yields every value it reaches (arrays are unwrapped),
a comparison holds when any of them compares true, values of different types never compare (so a
missing key makes both ``==`` and ``!=`` false), and strings and numbers order among themselves.
The ``where`` object may also combine filters: ``{"and": [...]}`` / ``{"or": [...]}`` of further
``where`` objects. Anything else is refused with a ``ValueError`` naming the position: a filter
this server does not understand is an error, never silently ignored.

Hand-written (a small recursive-descent parser, bounded in length and nesting): no maintained
Python library parses this Postgres-flavoured JSONPath (``jsonpath-ng`` and friends implement
Goessner's syntax, with different filter operators and no ``&&``/``||`` at this level).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

__all__ = ["compile_jsonpath", "compile_where"]

MAX_FILTER_CHARS = 4_000
"""Longest JSONPath filter accepted."""

MAX_FILTER_NESTING = 16
"""Deepest nesting of parentheses and ``where`` combinators."""

Predicate = Callable[[Any], bool]

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>"(?:[^"\\]|\\.)*")
      | (?P<number>-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)
      | (?P<op>==|!=|<=|>=|<|>|&&|\|\||!|\(|\)|\[\*\]|\.|\$|@|\?)
      | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
    )""",
    re.VERBOSE,
)
_COMPARISONS = {"==", "!=", "<", "<=", ">", ">="}
_MIRROR = {"==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}


def _tokens(text: str) -> list[tuple[str, str, int]]:
    out: list[tuple[str, str, int]] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            raise ValueError(f"unexpected {text[pos:].strip()[:20]!r} at position {pos}")
        kind = match.lastgroup or ""
        out.append((kind, match.group(kind), match.start(kind)))
        pos = match.end()
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = _tokens(text)
        self.i = 0
        self.depth = 0

    def peek(self) -> tuple[str, str, int] | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def fail(self, expected: str) -> ValueError:
        tok = self.peek()
        where = f"{tok[1]!r} at position {tok[2]}" if tok else "the end"
        return ValueError(f"expected {expected}, found {where}")

    def take(self, value: str) -> None:
        tok = self.peek()
        if tok is None or tok[1] != value or tok[0] == "string":
            raise self.fail(repr(value))
        self.i += 1

    def accept(self, value: str) -> bool:
        tok = self.peek()
        if tok is not None and tok[1] == value and tok[0] != "string":
            self.i += 1
            return True
        return False

    def filter(self) -> Predicate:
        self.take("$")
        self.accept("[*]")
        self.take("?")
        self.take("(")
        predicate = self.disjunction()
        self.take(")")
        if self.peek() is not None:
            raise self.fail("the end of the filter")
        return predicate

    def disjunction(self) -> Predicate:
        parts = [self.conjunction()]
        while self.accept("||"):
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else (lambda doc: any(p(doc) for p in parts))

    def conjunction(self) -> Predicate:
        parts = [self.unary()]
        while self.accept("&&"):
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else (lambda doc: all(p(doc) for p in parts))

    def unary(self) -> Predicate:
        if self.accept("!"):
            self.take("(")
            inner = self.nested()
            return lambda doc: not inner(doc)
        if self.accept("("):
            return self.nested()
        return self.comparison()

    def nested(self) -> Predicate:
        self.depth += 1
        if self.depth > MAX_FILTER_NESTING:
            raise ValueError(f"parentheses are nested more than {MAX_FILTER_NESTING} deep")
        inner = self.disjunction()
        self.take(")")
        self.depth -= 1
        return inner

    def comparison(self) -> Predicate:
        tok = self.peek()
        if tok is not None and tok[1] == "@" and tok[0] == "op":
            path = self.path()
            op = self.operator()
            literal = self.literal()
        else:
            literal = self.literal()
            op = _MIRROR[self.operator()]
            path = self.path()
        return lambda doc: any(_compare(value, op, literal) for value in _walk(doc, path))

    def operator(self) -> str:
        tok = self.peek()
        if tok is None or tok[0] != "op" or tok[1] not in _COMPARISONS:
            raise self.fail("a comparison (==, !=, <, <=, >, >=)")
        self.i += 1
        return tok[1]

    def path(self) -> list[str | None]:
        self.take("@")
        steps: list[str | None] = []  # a key, or None for [*]
        while True:
            if self.accept("[*]"):
                steps.append(None)
            elif self.accept("."):
                tok = self.peek()
                if tok is None or tok[0] not in ("word", "string"):
                    raise self.fail("a key after '.'")
                self.i += 1
                steps.append(json.loads(tok[1]) if tok[0] == "string" else tok[1])
            else:
                break
        if not steps:
            raise self.fail("a key ('@.key')")
        return steps

    def literal(self) -> Any:
        tok = self.peek()
        if tok is None:
            raise self.fail("a value")
        kind, text, _ = tok
        if kind == "string":
            self.i += 1
            return json.loads(text)
        if kind == "number":
            self.i += 1
            return json.loads(text)
        if kind == "word" and text in ("true", "false", "null"):
            self.i += 1
            return {"true": True, "false": False, "null": None}[text]
        raise self.fail("a string, number, true, false or null")


def _walk(doc: Any, steps: list[str | None]) -> Iterator[Any]:
    values = [doc]
    for step in steps:
        nxt: list[Any] = []
        for value in values:
            # Lax mode: arrays are unwrapped before a key step and by [*]; [*] on a non-array
            # yields the value itself.
            items = value if isinstance(value, list) else [value]
            if step is None:
                nxt.extend(items)
            else:
                nxt.extend(v[step] for v in items if isinstance(v, dict) and step in v)
        values = nxt
    return iter(values)


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    return "container"


def _compare(left: Any, op: str, right: Any) -> bool:
    kind = _kind(left)
    if kind != _kind(right) or kind == "container":
        return False  # Postgres: unknown, which a filter treats as false
    if op == "==":
        return bool(left == right)
    if op == "!=":
        return bool(left != right)
    if kind not in ("number", "string"):
        return False  # booleans and null have no order
    return bool(
        {
            "<": left < right,
            "<=": left <= right,
            ">": left > right,
            ">=": left >= right,
        }[op]
    )


def compile_jsonpath(text: str) -> Predicate:
    """A predicate over a metadata value for one JSONPath filter; ``ValueError`` if unsupported.

    Example:
        >>> match = compile_jsonpath('$[*] ? (@.a.b == "x" && @.n > 2)')
        >>> match({"a": {"b": "x"}, "n": 3}), match({"a": {"b": "x"}, "n": 1})
        (True, False)
    """
    if not isinstance(text, str):
        raise ValueError("jsonpath must be a string")
    if len(text) > MAX_FILTER_CHARS:
        raise ValueError(f"jsonpath is longer than {MAX_FILTER_CHARS} characters")
    try:
        return _Parser(text).filter()
    except ValueError as exc:
        raise ValueError(
            f"unsupported jsonpath filter {text[:80]!r}: {exc}. Supported: "
            '$[*] ? (@.key == "value"), comparisons == != < <= > >=, && || ! and parentheses'
        ) from None


def compile_where(where: Any, depth: int = 0) -> Predicate:
    """A predicate for a ``where`` object: ``{"jsonpath": ...}``, ``{"and"|"or": [...]}``.

    Raises:
        ValueError: any other shape, or an unsupported filter.
    """
    if depth > MAX_FILTER_NESTING:
        raise ValueError(f"where is nested more than {MAX_FILTER_NESTING} deep")
    if not isinstance(where, Mapping) or len(where) != 1:
        raise ValueError(
            'where must be an object with exactly one of "jsonpath", "and" or "or", '
            f"got {json.dumps(where)[:80]}"
        )
    ((key, value),) = where.items()
    if key == "jsonpath":
        return compile_jsonpath(value)
    if key in ("and", "or"):
        if not isinstance(value, list) or not value:
            raise ValueError(f'where "{key}" must be a non-empty array of where objects')
        parts = [compile_where(item, depth + 1) for item in value]
        if key == "and":
            return lambda doc: all(p(doc) for p in parts)
        return lambda doc: any(p(doc) for p in parts)
    raise ValueError(f'unknown where key {key!r}: use "jsonpath", "and" or "or"')
