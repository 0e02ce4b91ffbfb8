"""``ZepMirrorChatStore``: an ``AsyncDBChatStore`` whose added messages also go to Zep at once.

Design (the question was: is Zep the store, or does it mirror a local store?). Zep mirrors:

* A local ``AsyncDBChatStore`` (``inner``; by default an in-process :class:`LocalQueue`, or
  any store such as LlamaIndex's ``SQLAlchemyChatStore`` on a file or server database) holds
  ``Memory``'s short-term queue: ACTIVE/ARCHIVED status, row ids, counts, oldest-first archiving
  and deletion keep exactly the semantics LlamaIndex tests against. Zep has no message status
  and cannot delete one message, and mapping the queue onto it would cost a request per
  ``Memory`` call (several per turn).
* Every message **added** (``add_message``, ``add_messages``, and what ``set_messages`` brings
  that the Zep session does not hold yet) is written to the Zep session named by the key
  *before* it is stored locally, so Zep sees every turn, not only what ``Memory`` flushes. A
  failed write raises and stores nothing anywhere.
* Queue bookkeeping stays local: ``archive_oldest_messages``, ``delete_oldest_messages``,
  ``delete_message`` and ``delete_messages(key, status=...)`` never touch Zep (Zep keeps the
  conversation). ``delete_messages(key)`` without a status (``Memory.reset()``) also deletes the
  Zep session, so a reset is a reset.
* Restart: with a file or server database as ``inner`` the queue survives as it is. With the
  in-process default, the first read of a key that is empty locally restores the last
  ``restore_last`` messages from Zep as ACTIVE (one read per key per process), so nothing is
  lost either way; ``Memory`` then trims them to its token limit.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

from llama_index.core.llms import ChatMessage, MessageRole
from llama_index.core.storage.chat_store.base_db import AsyncDBChatStore, MessageStatus
from pydantic import Field, PrivateAttr

from zep_integrations import _sessions
from zep_integrations._clients import ClientPair
from zep_integrations.client import AsyncZepClient, ZepClient
from zep_integrations.llama_index import _flows
from zep_integrations.llama_index._convert import (
    MAX_CONTENT_CHARS,
    message_to_zep,
    messages_from_zep,
)
from zep_integrations.llama_index._link import session_state
from zep_integrations.llama_index._queue import LocalQueue

__all__ = ["DEFAULT_RESTORE_LAST", "ZepMirrorChatStore"]

DEFAULT_RESTORE_LAST = 40
"""Messages restored from Zep into an empty local queue (``Memory`` trims them to its limit)."""


class ZepMirrorChatStore(AsyncDBChatStore):
    """A chat store for ``Memory`` that keeps its queue locally and sends every message to Zep.

    See the module docstring for the design. Keys are Zep session ids (``Memory`` uses its
    ``session_id`` as the key). Requests per call: ``add_message``/``add_messages`` one write
    (per 30 messages; the first write of an unknown session owned by ``user_id`` creates it
    first, one or three requests more); reads, counts, archiving and deletion none; the first
    read of a key that is empty locally one read; ``delete_messages(key)`` one delete;
    ``set_messages`` one read and one write of the messages Zep does not hold yet (none when
    it holds them all).

    When a batch contains a user message, the write asks Zep for the context of the session at
    that point, and a :class:`ZepMemoryBlock` on the same session uses it for the turn instead of
    reading it again.

    API versions: the same behaviour and budget on v2, v3 and v4 once a session exists (v3/v4
    return the context from ``POST threads/{id}/messages``). Creating a session differs: v2
    creates one on the first write; v3/v4 create the thread (and a user: ``user_id``, else one
    named like the key) before it. On v4 use thread UUIDs as keys for anything that must be
    restored in another process (a non-UUID key names a thread only for this client).

    Args:
        inner: The local store for the queue; default: an in-process :class:`LocalQueue`
            (restored from Zep after a restart). Pass a ``SQLAlchemyChatStore`` on a file or
            server database to keep the queue, archived messages included, as it is.
        client: Sync client (its async twin is derived); default: created on first use.
        async_client: Async client.
        user_id: Owner of the sessions this store creates.
        restore_last: Messages restored from Zep into an empty local queue (0: never).
        max_content_chars: Longer text is cut in Zep's ``content`` (kept whole in metadata).

    Example:
        >>> import asyncio, os, tempfile
        >>> from llama_index.core.llms import ChatMessage
        >>> from zep_integrations import ZepClient
        >>> client = ZepClient(db_path=os.path.join(tempfile.mkdtemp(), "z.db"))
        >>> store = ZepMirrorChatStore(client=client)
        >>> asyncio.run(store.add_message("s1", ChatMessage(role="user", content="Hi")))
        >>> [msg.content for msg in client.get_messages("s1").messages]
        ['Hi']
    """

    user_id: str | None = None
    restore_last: int = Field(default=DEFAULT_RESTORE_LAST, ge=0)
    max_content_chars: int = Field(default=MAX_CONTENT_CHARS, gt=1)

    _inner: AsyncDBChatStore = PrivateAttr()
    _clients: ClientPair = PrivateAttr()
    _checked: set[str] = PrivateAttr(default_factory=set)
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    def __init__(
        self,
        inner: AsyncDBChatStore | None = None,
        *,
        client: ZepClient | None = None,
        async_client: AsyncZepClient | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if inner is not None and not isinstance(inner, AsyncDBChatStore):
            raise TypeError(
                "inner must be a llama_index AsyncDBChatStore (for example SQLAlchemyChatStore), "
                f"got {type(inner).__name__}"
            )
        if isinstance(inner, ZepMirrorChatStore):
            raise TypeError("inner must be a local store, not another ZepMirrorChatStore")
        self._inner = inner if inner is not None else LocalQueue()
        self._clients = ClientPair(client, async_client)

    @classmethod
    def class_name(cls) -> str:
        """Name used in LlamaIndex serialization."""
        return "ZepMirrorChatStore"

    @property
    def inner(self) -> AsyncDBChatStore:
        """The local store holding the queue."""
        return self._inner

    @property
    def clients(self) -> ClientPair:
        """The client pair this store talks to Zep through."""
        return self._clients

    # -- Zep side ---------------------------------------------------------------------------

    def _first_touch(self, key: str) -> bool:
        with self._lock:
            if key in self._checked:
                return False
            self._checked.add(key)
            return True

    async def _restore(self, key: str) -> None:
        """Fill an empty local queue from Zep, once per key and process."""
        if not self._first_touch(key):
            return
        state = session_state(self._clients, key)
        state.mirrored = True
        try:
            if self.restore_last == 0 or await self._inner.count_messages(key, status=None):
                return
            stored = await self._clients.asynchronous.run(
                _sessions.read_messages(key, lastn=self.restore_last)
            )
            state.known = state.known or stored is not None
            restored = messages_from_zep(stored)
            if restored:
                await self._inner.add_messages(key, restored, status=MessageStatus.ACTIVE)
        except BaseException:
            self._forget(key)  # a failed restore is tried again on the next call
            raise

    def _forget(self, key: str) -> None:
        with self._lock:
            self._checked.discard(key)

    async def _send(self, key: str, messages: list[ChatMessage]) -> None:
        """Write ``messages`` to the Zep session ``key`` (asking for context after a user turn)."""
        if not messages:
            return
        state = session_state(self._clients, key)
        state.mirrored = True
        users = [i for i, msg in enumerate(messages) if msg.role is MessageRole.USER]
        wire = [message_to_zep(msg, max_content_chars=self.max_content_chars) for msg in messages]
        response = await self._clients.asynchronous.run(
            _flows.write(
                key,
                wire,
                user_id=self.user_id,
                session_known=state.known,
                return_context=True if users else None,
            )
        )
        state.known = True
        if users and response.context is not None:
            last = users[-1]
            marker = (messages[last].content or "", len(messages) - last - 1)
            state.remember(marker, response.context)

    # -- AsyncDBChatStore --------------------------------------------------------------------

    async def get_messages(
        self,
        key: str,
        status: MessageStatus | None = MessageStatus.ACTIVE,
        limit: int | None = None,
        offset: int | None = None,
    ) -> list[ChatMessage]:
        """Messages of ``key`` with ``status`` (all when ``None``), oldest first, from ``inner``."""
        await self._restore(key)
        return await self._inner.get_messages(key, status=status, limit=limit, offset=offset)

    async def count_messages(
        self, key: str, status: MessageStatus | None = MessageStatus.ACTIVE
    ) -> int:
        """How many messages of ``key`` have ``status`` (all when ``None``)."""
        await self._restore(key)
        return await self._inner.count_messages(key, status=status)

    async def add_message(
        self, key: str, message: ChatMessage, status: MessageStatus = MessageStatus.ACTIVE
    ) -> None:
        """Write ``message`` to Zep, then add it to the local queue with ``status``."""
        await self.add_messages(key, [message], status=status)

    async def add_messages(
        self,
        key: str,
        messages: list[ChatMessage],
        status: MessageStatus = MessageStatus.ACTIVE,
    ) -> None:
        """Write ``messages`` to Zep in one request (per 30), then add them locally."""
        messages = list(messages)
        await self._restore(key)
        await self._send(key, messages)
        if len(messages) == 1:
            await self._inner.add_message(key, messages[0], status=status)
        elif messages:
            await self._inner.add_messages(key, messages, status=status)

    async def set_messages(
        self,
        key: str,
        messages: list[ChatMessage],
        status: MessageStatus = MessageStatus.ACTIVE,
    ) -> None:
        """Replace the local messages of ``key``; send Zep only the ones it does not hold.

        Zep keeps the conversation (it cannot unsay a message), so this reads the session once
        and writes only the messages it lacks, matched by value as a multiset (a repeated "ok"
        is still sent once per new occurrence). An agent given its whole ``chat_history`` on
        every run therefore stores each message once.
        """
        messages = list(messages)
        with self._lock:
            self._checked.add(key)  # the new local content is the truth: nothing to restore
        stored = await self._clients.asynchronous.run(_flows.live_messages(key)) if messages else []
        held = Counter(_fingerprint(msg) for msg in messages_from_zep(stored))
        new: list[ChatMessage] = []
        for msg in messages:
            mark = _fingerprint(msg)
            if held[mark] > 0:
                held[mark] -= 1
            else:
                new.append(msg)
        await self._send(key, new)
        await self._inner.set_messages(key, messages, status=status)

    async def delete_message(self, key: str, idx: int) -> ChatMessage | None:
        """Delete the local message with row id ``idx`` (Zep keeps it)."""
        return await self._inner.delete_message(key, idx)

    async def delete_messages(self, key: str, status: MessageStatus | None = None) -> None:
        """Delete local messages of ``key`` with ``status``; with no status, the Zep session too."""
        if status is None:
            await self._clients.asynchronous.run(_sessions.delete_session(key))
            state = session_state(self._clients, key)
            state.known, state.context = False, None
            with self._lock:
                self._checked.add(key)  # nothing to restore: the reset emptied Zep as well
        await self._inner.delete_messages(key, status=status)

    async def delete_oldest_messages(self, key: str, n: int) -> list[ChatMessage]:
        """Delete the ``n`` oldest ACTIVE messages locally and return them (Zep keeps them)."""
        await self._restore(key)
        return await self._inner.delete_oldest_messages(key, n)

    async def archive_oldest_messages(self, key: str, n: int) -> list[ChatMessage]:
        """Mark the ``n`` oldest ACTIVE messages ARCHIVED locally and return them."""
        await self._restore(key)
        return await self._inner.archive_oldest_messages(key, n)

    async def get_keys(self) -> list[str]:
        """Keys of the local store."""
        return await self._inner.get_keys()


def _fingerprint(message: ChatMessage) -> str:
    # The same role, blocks and kwargs: what message_to_zep would store.
    return message.model_dump_json(exclude={"additional_kwargs": {"session_id"}})
