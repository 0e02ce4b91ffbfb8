"""``ZepStore``: a LangGraph ``BaseStore`` whose semantic search is Zep's, over a durable store."""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from typing import Literal

from zep_integrations._clients import ClientPair
from zep_integrations.client import AsyncZepClient, ZepClient
from zep_integrations.errors import ZepError
from zep_integrations.langchain._agents import BaseStore, Op, Result, validate_op_namespace
from zep_integrations.langchain._store_plan import STORE_KEY, BatchPlan, UserFor

__all__ = ["STORE_KEY", "ZepStore"]


def last_label(namespace: tuple[str, ...]) -> str | None:
    """The default user of a namespace: its last label (langmem's ``("memories", user)``)."""
    return namespace[-1] if namespace else None


class ZepStore(BaseStore):
    """A LangGraph store for ``create_agent(store=...)`` and langmem, searched through Zep.

    * ``get``, ``put``, ``delete``, ``list_namespaces`` and query-less ``search`` are exactly
      the backing store's (pass a durable one: ``SqliteStore``, ``PostgresStore``, ...).
    * Every ``put`` is also written into the Zep memory of the namespace's user, so Zep's
      facts and search know it; ``index=False`` keeps a value out of Zep.
    * ``search`` with a ``query`` goes to Zep (the user's memory, all sessions). A hit that
      records a put comes back as that item (real namespace, key, current value), checked
      against the backing store in the same batch, so deleted or replaced values never come
      back; other memory (chat messages, facts) comes back under the searched prefix with
      Zep's UUID as key. ``filter``, ``offset`` and ``limit`` apply to those results.
    * Within one ``batch`` reads come before writes, and results come back in op order.
      Namespaces are validated like ``InMemoryStore`` does (and raw ops too).

    Zep keeps the text of values later deleted or replaced (a Zep v2 message cannot be
    deleted); the check against the backing store hides them from searches.

    Requests: a batch makes one Zep search per query search, and one write per user for its
    puts (plus the user's store session creation, once per process); other ops cost no Zep
    request. The backing store gets one ``batch`` per ``batch``. The same on v2, v3 and v4:
    searches are user-wide (v3/v4 graph search over episodes or edges), and the
    ``{"langgraph_store": {"namespace": [...], "key": ...}}`` record on each Zep message is
    stored as a JSON string on v3/v4 (their message metadata holds only scalars) and read back
    as the same dict. On v4 the store session ``f"{session_prefix}{user}"`` is not a UUID, so
    each process writes its puts into a thread it creates for the user (a warning is logged
    once); searches cover all of the user's threads, so nothing is lost.

    Args:
        client: Sync client; also the source of the async one.
        async_client: Async client for ``abatch``.
        backing: The store holding the values (required: Zep is the index, not the source
            of truth).
        user_for: Maps a namespace to its Zep user (``None``: the namespace stays out of Zep);
            default: the namespace's last label.
        search_scope: What Zep searches: ``"messages"`` (maps hits back to keys) or
            ``"facts"``.
        ingest_on_put: Write puts into Zep.
        session_prefix: Puts of user ``u`` go to the Zep session ``f"{session_prefix}{u}"``.
        on_error: ``"warn"``: a Zep failure warns, searches fall back to the backing store and
            the values stay stored; ``"raise"``: it propagates (after the backing write).

    Example:
        >>> import os, tempfile
        >>> from langgraph.store.memory import InMemoryStore
        >>> from zep_integrations import ZepClient
        >>> client = ZepClient(db_path=os.path.join(tempfile.mkdtemp(), "zep.db"))
        >>> store = ZepStore(client, backing=InMemoryStore())
        >>> store.put(("memories", "jane"), "k1", {"content": "Jane loves hiking in the Alps"})
        >>> store.put(("memories", "jane"), "k2", {"content": "Jane's cat is called Momo"})
        >>> [(item.key, item.value["content"]) for item in store.search(
        ...     ("memories", "jane"), query="hiking"
        ... )]
        [('k1', 'Jane loves hiking in the Alps')]
    """

    def __init__(
        self,
        client: ZepClient | None = None,
        *,
        async_client: AsyncZepClient | None = None,
        backing: BaseStore,
        user_for: UserFor = last_label,
        search_scope: Literal["messages", "facts"] = "messages",
        ingest_on_put: bool = True,
        session_prefix: str = "langgraph-store-",
        on_error: Literal["warn", "raise"] = "warn",
    ) -> None:
        if not isinstance(backing, BaseStore):
            raise TypeError(
                "backing must be a LangGraph BaseStore (InMemoryStore, SqliteStore, "
                f"PostgresStore, ...), got {type(backing).__name__}"
            )
        if isinstance(backing, ZepStore):
            raise TypeError("backing must be a plain store, not another ZepStore")
        if search_scope not in ("messages", "facts"):
            raise ValueError(f"search_scope must be 'messages' or 'facts', got {search_scope!r}")
        if on_error not in ("warn", "raise"):
            raise ValueError(f"on_error must be 'warn' or 'raise', got {on_error!r}")
        if not callable(user_for):
            raise TypeError("user_for must be a function of the namespace")
        self._clients = ClientPair(client, async_client)
        self.backing = backing
        self.user_for = user_for
        self.search_scope = search_scope
        self.ingest_on_put = ingest_on_put
        self.session_prefix = session_prefix
        self.on_error = on_error
        # TTL is the backing store's business: mirror what it supports.
        self.supports_ttl = backing.supports_ttl
        self.ttl_config = backing.ttl_config
        self._known: set[str] = set()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(backing={type(self.backing).__name__})"

    def _plan(self, ops: Iterable[Op]) -> BatchPlan:
        listed = list(ops)
        for op in listed:
            validate_op_namespace(op)
        return BatchPlan(
            ops=listed,
            user_for=self.user_for,
            search_scope=self.search_scope,
            session_for=lambda user: f"{self.session_prefix}{user}",
            ingest=self.ingest_on_put,
        )

    def _failed(self, what: str, exc: ZepError) -> None:
        if self.on_error == "raise":
            raise exc
        warnings.warn(f"ZepStore: {what} failed, {exc}", RuntimeWarning, stacklevel=4)

    def batch(self, ops: Iterable[Op]) -> list[Result]:
        """Run ``ops``: query searches on Zep, the rest on the backing store, puts into Zep."""
        plan = self._plan(ops)
        if plan.zep_searches:
            try:
                self._clients.sync.run(plan.search_flow())
            except ZepError as exc:
                self._failed("Zep search (answered by the backing store)", exc)
                plan.fall_back()
        results = plan.results(self.backing.batch(plan.backing_ops()))
        try:
            self._clients.sync.run(plan.ingest_flow(self._known))
        except ZepError as exc:
            self._failed("writing the puts into Zep (they are in the backing store)", exc)
        return results

    async def abatch(self, ops: Iterable[Op]) -> list[Result]:
        """Async :meth:`batch` (the backing store's ``abatch``, the async client)."""
        plan = self._plan(ops)
        if plan.zep_searches:
            try:
                await self._clients.asynchronous.run(plan.search_flow())
            except ZepError as exc:
                self._failed("Zep search (answered by the backing store)", exc)
                plan.fall_back()
        results = plan.results(await self.backing.abatch(plan.backing_ops()))
        try:
            await self._clients.asynchronous.run(plan.ingest_flow(self._known))
        except ZepError as exc:
            self._failed("writing the puts into Zep (they are in the backing store)", exc)
        return results
