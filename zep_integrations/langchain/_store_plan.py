"""How one ``ZepStore.batch`` is split between Zep and the backing store (pure, plus flows).

A batch runs in three steps, identical for ``batch`` and ``abatch``:

1. the searches with a ``query`` go to Zep (:meth:`BatchPlan.search_flow`);
2. one batch to the backing store holds every other op, in order, after the reads that check
   the Zep hits (:meth:`BatchPlan.backing_ops`); the backing store runs its reads before its
   writes, so the checks see the store as it was before the batch;
3. the batch's puts are written into the users' Zep memory (:meth:`BatchPlan.ingest_flow`).

Reads (steps 1 and 2) therefore all come before writes (steps 2 and 3), and
:meth:`BatchPlan.results` puts every result back at its op's position.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from zep_integrations import _sessions
from zep_integrations import models as m
from zep_integrations._api import Flow
from zep_integrations.langchain._agents import (
    GetOp,
    Item,
    Op,
    PutOp,
    Result,
    SearchItem,
    SearchOp,
    compare_values,
)
from zep_integrations.langchain._convert import DEFAULT_MAX_CONTENT_CHARS, content_text

__all__ = ["STORE_KEY", "BatchPlan", "UserFor", "item_text"]

STORE_KEY = "langgraph_store"
"""Zep message metadata key holding the ``namespace`` and ``key`` of the put it records."""

UserFor = Callable[[tuple[str, ...]], "str | None"]
"""Maps a namespace to the Zep user whose memory it belongs to (``None``: not in Zep)."""

_OVERFETCH = 3
"""Zep hits asked per result wanted: hits of deleted or replaced values are dropped."""
_MAX_HITS = 100


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, (str, dict)) for v in value):
        return content_text(value)
    return json.dumps(value, sort_keys=True, default=str)


def item_text(value: Mapping[str, Any], index: Sequence[str] | None) -> str:
    """The text Zep gets for a stored value: the indexed fields, ``content``, or the JSON."""
    if index:
        parts = [_text(value[name]) for name in index if name in value and name != "$"]
        if parts:
            return "\n".join(parts)
    if "content" in value:
        return _text(value["content"])
    return _text(dict(value))


def _time(text: str | None) -> datetime:
    if text:
        try:
            return datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            pass
    return datetime.now(timezone.utc)


def _matches(value: Mapping[str, Any], filter: Mapping[str, Any] | None) -> bool:
    if not filter:
        return True
    # The exact operator semantics of InMemoryStore ($eq, $ne, $gt, $gte, $lt, $lte).
    return all(compare_values(value.get(key), wanted) for key, wanted in filter.items())


def _address(hit: m.SessionSearchResult) -> tuple[tuple[str, ...], str] | None:
    meta = (hit.message.metadata or {}).get(STORE_KEY) if hit.message is not None else None
    if not isinstance(meta, Mapping):
        return None
    namespace, key = meta.get("namespace"), meta.get("key")
    if not isinstance(key, str) or not isinstance(namespace, list):
        return None
    if not all(isinstance(label, str) for label in namespace):
        return None
    return tuple(namespace), key


@dataclass
class BatchPlan:
    """One batch: which ops Zep answers, and how results are put back in op order."""

    ops: list[Op]
    user_for: UserFor
    search_scope: str
    session_for: Callable[[str], str]
    ingest: bool
    zep_searches: dict[int, str] = field(default_factory=dict)
    hits: dict[int, list[m.SessionSearchResult]] = field(default_factory=dict)
    checks: list[tuple[tuple[str, ...], str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        for index, op in enumerate(self.ops):
            if isinstance(op, SearchOp) and op.query:
                user = self.user_for(op.namespace_prefix)
                if user is not None:
                    self.zep_searches[index] = user

    # -- step 1 -----------------------------------------------------------------------------

    def search_flow(self) -> Flow[None]:
        """Run the query searches on Zep, one request each."""
        for index, user in self.zep_searches.items():
            op = self.ops[index]
            assert isinstance(op, SearchOp) and op.query
            wanted = max(op.offset, 0) + max(op.limit, 0)
            self.hits[index] = yield from _sessions.search_memory(
                op.query,
                user_id=user,
                search_scope=self.search_scope,
                limit=min(max(wanted * _OVERFETCH, 1), _MAX_HITS),
            )

    def fall_back(self) -> None:
        """Zep failed: answer the query searches from the backing store instead."""
        self.zep_searches.clear()
        self.hits.clear()

    # -- step 2 -----------------------------------------------------------------------------

    def backing_ops(self) -> list[Op]:
        """The checks of the Zep hits, then every op Zep does not answer, in order."""
        seen: set[tuple[tuple[str, ...], str]] = set()
        for index, hits in self.hits.items():
            op = self.ops[index]
            assert isinstance(op, SearchOp)
            prefix = op.namespace_prefix
            for hit in hits:
                address = _address(hit)
                if address and address[0][: len(prefix)] == prefix and address not in seen:
                    seen.add(address)
                    self.checks.append(address)
        own = [op for index, op in enumerate(self.ops) if index not in self.zep_searches]
        return [*(GetOp(namespace, key) for namespace, key in self.checks), *own]

    def results(self, backing: Sequence[Result]) -> list[Result]:
        """Every op's result at its position."""
        current = {
            address: item
            for address, item in zip(self.checks, backing[: len(self.checks)], strict=True)
        }
        rest = iter(backing[len(self.checks) :])
        out: list[Result] = []
        for index, op in enumerate(self.ops):
            if index in self.zep_searches:
                assert isinstance(op, SearchOp)
                out.append(self._search_items(op, self.hits.get(index, []), current))
            else:
                out.append(next(rest))
        return out

    def _search_items(
        self,
        op: SearchOp,
        hits: list[m.SessionSearchResult],
        current: Mapping[tuple[tuple[str, ...], str], Result],
    ) -> list[SearchItem]:
        items: list[SearchItem] = []
        seen: set[tuple[tuple[str, ...], str]] = set()
        for hit in hits:
            address = _address(hit)
            found: SearchItem | None
            if address is not None:
                item = current.get(address)
                if address in seen or not isinstance(item, Item):
                    continue  # deleted, replaced by a later hit, or outside the prefix
                seen.add(address)
                found = SearchItem(
                    item.namespace,
                    item.key,
                    item.value,
                    item.created_at,
                    item.updated_at,
                    hit.score,
                )
            else:
                found = self._zep_only(op.namespace_prefix, hit)
            if found is not None and _matches(found.value, op.filter):
                items.append(found)
        start = max(op.offset, 0)
        return items[start : start + max(op.limit, 0)]

    @staticmethod
    def _zep_only(prefix: tuple[str, ...], hit: m.SessionSearchResult) -> SearchItem | None:
        # Memory Zep has from elsewhere (chat messages, facts): no store key exists, so the
        # key is Zep's UUID and the namespace the searched prefix.
        if hit.message is not None:
            uuid, created = hit.message.uuid, hit.message.created_at
            value: dict[str, Any] = {"content": hit.message.content, "source": "zep"}
            value.update(role_type=hit.message.role_type, session_id=hit.session_id)
        elif hit.fact is not None:
            uuid, created = hit.fact.uuid, hit.fact.created_at
            value = {"content": hit.fact.text, "source": "zep", "kind": "fact"}
        elif hit.summary is not None:
            uuid, created = hit.summary.uuid, hit.summary.created_at
            value = {"content": hit.summary.content or "", "source": "zep", "kind": "summary"}
        else:
            return None
        if uuid is None:
            return None
        when = _time(created)
        return SearchItem(prefix, uuid, value, when, when, hit.score)

    # -- step 3 -----------------------------------------------------------------------------

    def ingest_flow(self, known: set[str]) -> Flow[None]:
        """Write the batch's puts into each user's Zep memory: one request per user."""
        if not self.ingest:
            return
        by_user: dict[str, list[dict[str, Any]]] = {}
        for op in self.ops:
            if not isinstance(op, PutOp) or op.value is None or op.index is False:
                continue
            user = self.user_for(op.namespace)
            if user is None:
                continue
            text = item_text(op.value, op.index) or op.key
            if len(text) > DEFAULT_MAX_CONTENT_CHARS:
                text = text[: DEFAULT_MAX_CONTENT_CHARS - 1] + "…"
            by_user.setdefault(user, []).append(
                {
                    "role_type": "user",
                    "role": "memory",
                    "content": text,
                    "metadata": {STORE_KEY: {"namespace": list(op.namespace), "key": op.key}},
                }
            )
        for user, messages in by_user.items():
            session = self.session_for(user)
            yield from _sessions.write_messages(
                session, messages, user_id=user, session_known=session in known
            )
            known.add(session)
