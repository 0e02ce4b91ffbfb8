"""``zep_memory()``: a LlamaIndex ``Memory`` wired to Zep, and the subclass it returns."""

from __future__ import annotations

from typing import Any, cast

from llama_index.core.memory import Memory
from llama_index.core.memory.memory import (
    DEFAULT_MEMORY_BLOCKS_TEMPLATE,
    BaseMemoryBlock,
    InsertMethod,
)
from llama_index.core.storage.chat_store.base_db import AsyncDBChatStore
from llama_index.core.storage.chat_store.sql import SQLAlchemyChatStore
from sqlalchemy.engine import make_url

from zep_integrations.client import AsyncZepClient, ZepClient
from zep_integrations.llama_index._block import ZepMemoryBlock
from zep_integrations.llama_index._db_chat_store import ZepMirrorChatStore
from zep_integrations.llama_index._template import CompiledRichPromptTemplate

__all__ = ["ZepAgentMemory", "zep_memory"]

_SQL_KWARGS = ("table_name", "async_database_uri", "async_engine", "db_schema")
_PLAIN_FIELDS = (
    "session_id",
    "token_limit",
    "token_flush_size",
    "chat_history_token_ratio",
    "image_token_size_estimate",
    "audio_token_size_estimate",
    "video_token_size_estimate",
    "document_token_size_estimate",
)


class ZepAgentMemory(Memory):
    """The ``Memory`` that :func:`zep_memory` returns: serializable, without clients or keys.

    It behaves like ``Memory`` (its default memory template is compiled once). What it adds is
    a ``to_dict``/``from_dict`` pair that
    survives a workflow ``Context`` round trip (``ctx.to_dict(serializer=JsonSerializer(
    allowed_types=[ZepAgentMemory]))``; plain ``Memory`` cannot: its dump holds an enum JSON
    rejects, and its blocks come back as the abstract base class). The payload holds the session,
    the ``Memory`` settings, the Zep block and store settings and, for a local queue on a
    password-free database URL (a SQLite file), that URL; never a client, an API key or a
    password. The restored object builds its client from the environment (or the embedded
    default) on first use; an in-memory queue is restored from Zep on first read.

    Only the Zep block is serialized: a ``Memory`` with other blocks raises ``TypeError`` in
    ``to_dict`` rather than coming back without them.

    Example:
        >>> import os, tempfile
        >>> from zep_integrations import ZepClient
        >>> client = ZepClient(db_path=os.path.join(tempfile.mkdtemp(), "z.db"))
        >>> memory = zep_memory("s1", client=client)
        >>> payload = memory.to_dict()
        >>> restored = ZepAgentMemory.from_dict(payload, client=client)
        >>> restored.session_id, "api_key" in str(payload)
        ('s1', False)
    """

    @classmethod
    def class_name(cls) -> str:
        """Name used in LlamaIndex serialization."""
        return "ZepAgentMemory"

    def _zep_parts(self) -> tuple[ZepMirrorChatStore, ZepMemoryBlock]:
        others = [b.name for b in self.memory_blocks if not isinstance(b, ZepMemoryBlock)]
        blocks = [b for b in self.memory_blocks if isinstance(b, ZepMemoryBlock)]
        if others or len(blocks) != 1 or not isinstance(self.sql_store, ZepMirrorChatStore):
            raise TypeError(
                "ZepAgentMemory serializes only its Zep chat store and one ZepMemoryBlock; "
                f"it also has blocks {others}. Keep such a memory out of the workflow Context "
                "state, or rebuild its other blocks after restoring."
            )
        return self.sql_store, blocks[0]

    def to_dict(self, **kwargs: Any) -> dict[str, Any]:
        """A JSON-ready payload: settings only, no client, key, password or messages."""
        store, block = self._zep_parts()
        data: dict[str, Any] = {name: getattr(self, name) for name in _PLAIN_FIELDS}
        data["insert_method"] = self.insert_method.value
        data["memory_blocks_template"] = self.memory_blocks_template.template_str
        data["zep_block"] = block.model_dump(mode="json")
        data["zep_store"] = {
            "user_id": store.user_id,
            "restore_last": store.restore_last,
            "max_content_chars": store.max_content_chars,
            "inner": _inner_settings(store.inner),
        }
        data["class_name"] = self.class_name()
        return data

    @classmethod
    def from_dict(
        cls,
        data: dict[str, Any],
        *,
        client: ZepClient | None = None,
        async_client: AsyncZepClient | None = None,
        **kwargs: Any,
    ) -> ZepAgentMemory:
        """Rebuild from :meth:`to_dict` (clients: given, else from the environment on use)."""
        if client is None and async_client is None:
            client = ZepClient()  # one client for the store and the block; no I/O here
        data = {**data, **kwargs}
        store_data = dict(data["zep_store"])
        inner_data = store_data.pop("inner", None)
        store = ZepMirrorChatStore(
            SQLAlchemyChatStore(**inner_data) if inner_data else None,
            client=client,
            async_client=async_client,
            **store_data,
        )
        block = ZepMemoryBlock(client=client, async_client=async_client, **data["zep_block"])
        return cls(
            sql_store=store,
            memory_blocks=[block],
            insert_method=InsertMethod(data["insert_method"]),
            memory_blocks_template=CompiledRichPromptTemplate(data["memory_blocks_template"]),
            **{name: data[name] for name in _PLAIN_FIELDS if name in data},
        )


def _inner_settings(inner: AsyncDBChatStore) -> dict[str, Any] | None:
    """How to reopen a file/server queue; ``None`` when Zep must restore it instead."""
    if not isinstance(inner, SQLAlchemyChatStore):
        return None
    uri = str(inner.async_database_uri)
    if SQLAlchemyChatStore._is_in_memory_uri(uri) or make_url(uri).password is not None:
        return None  # an in-memory queue is restored from Zep; a password never goes in a payload
    return {"table_name": inner.table_name, "async_database_uri": uri, "db_schema": inner.db_schema}


def zep_memory(
    session_id: str,
    *,
    user_id: str | None = None,
    client: ZepClient | None = None,
    async_client: AsyncZepClient | None = None,
    **memory_kwargs: Any,
) -> ZepAgentMemory:
    """A ``Memory`` whose every message reaches Zep and whose prompt carries Zep's context.

    Wires :class:`ZepMirrorChatStore` (the short-term queue, mirrored to Zep as messages are
    added) and :class:`ZepMemoryBlock` (Zep's context, once per turn, with
    ``accept_short_term_memory=False`` because the store already sent every message) into
    ``Memory.from_defaults``, with LlamaIndex's memory template compiled once instead of on
    every LLM call. Use it as ``agent.run(..., memory=zep_memory("s1"))`` with
    ``FunctionAgent``/``AgentWorkflow``, or as ``memory=`` of a chat engine.

    Requests per agent turn on a known session, the same on v2, v3 and v4: **2** (the user's
    message, written with Zep's context returned, and the reply with its tool calls) and no
    read (v2 ``POST sessions/{id}/memory``; v3/v4 ``POST threads/{id}/messages`` with
    ``return_context``). Once per session and process: a restore check (one read; on v4 a
    non-UUID session is looked up instead), and for a new session its creation: v2 none
    without ``user_id`` (the write creates it) and one to three requests with one; v3 three
    (a thread needs a user: without ``user_id`` one named like the session); v4 three or four
    for a non-UUID session (lookups, user, thread), none for a thread UUID.

    On v4 pass the thread UUID the app stored (``create_user_and_thread``) as ``session_id``:
    any other id names a thread only for this client, so a restored ``ZepAgentMemory`` or a
    fresh process would start a new thread. The restored object's client comes from the
    environment, so set ``ZEP_API_VERSION`` there (or pass ``client=`` to ``from_dict``).

    Args:
        session_id: The Zep session, also ``Memory``'s key.
        user_id: Owner of the session, created with it when missing.
        client: Sync client; default: a ``ZepClient()`` from the environment or the embedded
            default, created without I/O.
        async_client: Async client.
        **memory_kwargs: Passed to ``Memory.from_defaults`` (``token_limit``, ``chat_history``,
            ...). ``memory_blocks`` are added after the Zep block. ``chat_store`` (an
            ``AsyncDBChatStore``) or the ``table_name``/``async_database_uri``/``async_engine``/
            ``db_schema`` of a ``SQLAlchemyChatStore`` choose the local queue (a
            ``ZepMirrorChatStore`` is used as it is). ``restore_last`` goes to the store.

    Raises:
        ValueError: ``session_id`` is empty.

    Example:
        >>> import asyncio, os, tempfile
        >>> from llama_index.core.llms import ChatMessage
        >>> from zep_integrations import ZepClient
        >>> client = ZepClient(db_path=os.path.join(tempfile.mkdtemp(), "z.db"))
        >>> memory = zep_memory("s1", client=client)
        >>> asyncio.run(memory.aput(ChatMessage(role="user", content="I live in Paris")))
        >>> [msg.content for msg in client.get_messages("s1").messages]
        ['I live in Paris']
    """
    if not isinstance(session_id, str) or not session_id:
        raise ValueError("zep_memory needs a non-empty session_id string (the Zep session)")
    if client is None and async_client is None:
        client = ZepClient()  # shared by the store and the block; no I/O here
    store = memory_kwargs.pop("chat_store", None)
    restore = {k: memory_kwargs.pop(k) for k in ("restore_last",) if k in memory_kwargs}
    sql = {name: memory_kwargs.pop(name) for name in _SQL_KWARGS if name in memory_kwargs}
    if not isinstance(store, ZepMirrorChatStore):
        if store is None and sql:
            sql.setdefault("table_name", "llama_index_memory")
            store = SQLAlchemyChatStore(**sql)
        store = ZepMirrorChatStore(
            store, client=client, async_client=async_client, user_id=user_id, **restore
        )
    block = ZepMemoryBlock(
        client=client,
        async_client=async_client,
        user_id=user_id,
        accept_short_term_memory=False,
    )
    extra: list[BaseMemoryBlock[Any]] = list(memory_kwargs.pop("memory_blocks", None) or [])
    # The same template, compiled once: LlamaIndex recompiles it on every LLM call otherwise.
    memory_kwargs.setdefault(
        "memory_blocks_template",
        CompiledRichPromptTemplate(DEFAULT_MEMORY_BLOCKS_TEMPLATE.template_str),
    )
    memory = ZepAgentMemory.from_defaults(
        session_id=session_id,
        chat_store=store,
        memory_blocks=[block, *extra],
        **memory_kwargs,
    )
    return cast(ZepAgentMemory, memory)  # from_defaults builds cls(...)
