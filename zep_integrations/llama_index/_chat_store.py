"""``ZepChatStore``: a LlamaIndex ``BaseChatStore`` whose keys are Zep session IDs."""

from __future__ import annotations

import threading
from typing import Any

from llama_index.core.llms import ChatMessage
from llama_index.core.storage.chat_store import BaseChatStore
from pydantic import Field, PrivateAttr

from zep_integrations._clients import ClientPair
from zep_integrations.client import AsyncZepClient, ZepClient
from zep_integrations.llama_index import _flows
from zep_integrations.llama_index._convert import (
    MAX_CONTENT_CHARS,
    message_from_zep,
    message_to_zep,
    messages_from_zep,
)

__all__ = ["ZepChatStore"]


class ZepChatStore(BaseChatStore):
    """Chat store backed by Zep: each key is a Zep session, each message a Zep message.

    Sessions (and the user, when ``user_id`` is set) are created on the first write; reading a
    missing session gives ``[]``. Messages round-trip losslessly (roles, content blocks,
    ``additional_kwargs`` such as tool calls). Safe to share between threads.

    Request costs: ``add_message`` 1 (plus 1 to create the session, 3 if the user is new, the first
    time this store writes a key); ``get_messages`` 1; ``delete_message`` and
    ``delete_last_message`` 2 (read, then a metadata ``PATCH``: the Zep API cannot delete one
    message, so the message is tombstoned with metadata ``{"llama_index_deleted": true}`` and
    hidden from every read of this package, while staying in Zep's own search and facts);
    ``delete_messages`` 2 (read, delete session); ``set_messages`` 1..3 + one per 30 messages.

    ``set_messages`` never deletes first: it appends the new messages, tagged, and the request
    that stores the last one retires the old ones (see
    :func:`zep_integrations._sessions.replace_messages`). If any step fails, readers still see
    the old history, whole; once it completed they see the new one exactly once. The retired
    messages stay in Zep (its search, facts and context still draw on them, and the session
    grows by the messages written); ``delete_messages`` really deletes. ``set_messages(key, [])``
    deletes the session. Note that ``ChatSummaryMemoryBuffer.get()`` itself calls
    ``delete_messages`` before ``set_messages``, so with that buffer a failed write after its own
    delete still loses the history: prefer :class:`ZepMemory` there.

    The async methods use an :class:`~zep_integrations.AsyncZepClient` (given, or derived from
    ``client``); they never run the sync ones in a thread.

    Args:
        client: Sync client; default: a ``ZepClient()`` created on first use.
        async_client: Async client; default: ``client.as_async()``.
        user_id: Owner of the sessions this store creates; also limits :meth:`get_keys` to them.
        max_content_chars: Longer text is cut in Zep's ``content`` (the full message is kept in
            metadata).

    Example:
        >>> import os, tempfile
        >>> from llama_index.core.llms import ChatMessage
        >>> from zep_integrations import ZepClient
        >>> store = ZepChatStore(client=ZepClient(db_path=os.path.join(tempfile.mkdtemp(), "z.db")))
        >>> store.add_message("s1", ChatMessage(role="user", content="Hi"))
        >>> store.add_message("s1", ChatMessage(role="assistant", content="Hello!"))
        >>> store.delete_message("s1", 0).content
        'Hi'
        >>> [str(msg) for msg in store.get_messages("s1")]
        ['assistant: Hello!']
    """

    user_id: str | None = Field(default=None, description="Owner of the sessions.")
    max_content_chars: int = Field(default=MAX_CONTENT_CHARS, gt=1)

    _clients: ClientPair = PrivateAttr()
    _known: set[str] = PrivateAttr(default_factory=set)
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    def __init__(
        self,
        client: ZepClient | None = None,
        async_client: AsyncZepClient | None = None,
        user_id: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**{**kwargs, "user_id": user_id})
        self._clients = ClientPair(client, async_client)

    @classmethod
    def class_name(cls) -> str:
        """Name used in LlamaIndex serialization."""
        return "ZepChatStore"

    def _to_zep(self, messages: list[ChatMessage]) -> list[dict[str, Any]]:
        return [message_to_zep(msg, max_content_chars=self.max_content_chars) for msg in messages]

    def _is_known(self, key: str) -> bool:
        with self._lock:
            return key in self._known

    def _mark(self, key: str, known: bool) -> None:
        with self._lock:
            if known:
                self._known.add(key)
            else:
                self._known.discard(key)

    # -- sync --------------------------------------------------------------------------------

    def set_messages(self, key: str, messages: list[ChatMessage]) -> None:
        """Replace the session's messages; on any failure the old ones stay (see class doc)."""
        flow = _flows.replace(
            key, self._to_zep(messages), user_id=self.user_id, session_known=self._is_known(key)
        )
        self._clients.sync.run(flow)
        self._mark(key, bool(messages))

    def get_messages(self, key: str) -> list[ChatMessage]:
        """Return the session's messages oldest first; ``[]`` for a missing session."""
        messages = self._clients.sync.run(_flows.live_messages(key))
        return messages_from_zep(messages)

    def add_message(self, key: str, message: ChatMessage) -> None:
        """Append one message, creating the session on first write."""
        flow = _flows.write(
            key, self._to_zep([message]), user_id=self.user_id, session_known=self._is_known(key)
        )
        self._clients.sync.run(flow)
        self._mark(key, True)

    def delete_messages(self, key: str) -> list[ChatMessage] | None:
        """Delete the session; return its messages, or ``None`` if it did not exist."""
        self._mark(key, False)
        deleted = self._clients.sync.run(_flows.delete_all(key))
        return None if deleted is None else messages_from_zep(deleted)

    def delete_message(self, key: str, idx: int) -> ChatMessage | None:
        """Tombstone message ``idx``; return it, or ``None`` when there is no such message."""
        deleted = self._clients.sync.run(_flows.delete_at(key, idx))
        return None if deleted is None else message_from_zep(deleted)

    def delete_last_message(self, key: str) -> ChatMessage | None:
        """Tombstone the newest message; return it, or ``None`` when the session is empty."""
        return self.delete_message(key, -1)

    def get_keys(self) -> list[str]:
        """Session IDs, oldest first: of ``user_id`` when set, else every session on the server."""
        return self._clients.sync.run(_flows.session_ids(self.user_id))

    # -- async -------------------------------------------------------------------------------

    async def aset_messages(self, key: str, messages: list[ChatMessage]) -> None:
        """Async :meth:`set_messages`."""
        flow = _flows.replace(
            key, self._to_zep(messages), user_id=self.user_id, session_known=self._is_known(key)
        )
        await self._clients.asynchronous.run(flow)
        self._mark(key, bool(messages))

    async def aget_messages(self, key: str) -> list[ChatMessage]:
        """Async :meth:`get_messages`."""
        messages = await self._clients.asynchronous.run(_flows.live_messages(key))
        return messages_from_zep(messages)

    async def async_add_message(self, key: str, message: ChatMessage) -> None:
        """Async :meth:`add_message`."""
        flow = _flows.write(
            key, self._to_zep([message]), user_id=self.user_id, session_known=self._is_known(key)
        )
        await self._clients.asynchronous.run(flow)
        self._mark(key, True)

    async def adelete_messages(self, key: str) -> list[ChatMessage] | None:
        """Async :meth:`delete_messages`."""
        self._mark(key, False)
        deleted = await self._clients.asynchronous.run(_flows.delete_all(key))
        return None if deleted is None else messages_from_zep(deleted)

    async def adelete_message(self, key: str, idx: int) -> ChatMessage | None:
        """Async :meth:`delete_message`."""
        deleted = await self._clients.asynchronous.run(_flows.delete_at(key, idx))
        return None if deleted is None else message_from_zep(deleted)

    async def adelete_last_message(self, key: str) -> ChatMessage | None:
        """Async :meth:`delete_last_message`."""
        return await self.adelete_message(key, -1)

    async def aget_keys(self) -> list[str]:
        """Async :meth:`get_keys`."""
        return await self._clients.asynchronous.run(_flows.session_ids(self.user_id))
