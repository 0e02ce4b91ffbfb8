"""``LocalQueue``: an in-process ``AsyncDBChatStore``, the default queue of ``ZepMirrorChatStore``.

LlamaIndex's default (``SQLAlchemyChatStore`` on an in-memory aiosqlite database) sends every
queue operation through a SQL statement and a thread hop, about six per agent turn, to keep data
that dies with the process anyway. With Zep holding the durable copy, the queue can live in
plain Python: same semantics (row ids, ACTIVE/ARCHIVED, oldest-first), checked by the same
behaviour suite as ``SQLAlchemyChatStore``. An app that wants its queue to outlive the process
passes a file or server ``SQLAlchemyChatStore`` instead.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass
from typing import Any

from llama_index.core.llms import ChatMessage
from llama_index.core.storage.chat_store.base_db import AsyncDBChatStore, MessageStatus
from pydantic import PrivateAttr

__all__ = ["LocalQueue"]


@dataclass
class _Row:
    id: int
    status: MessageStatus
    data: dict[str, Any]

    def message(self) -> ChatMessage:
        # A fresh object each read, as a database gives: Memory stamps the messages it flushes.
        return ChatMessage.model_validate(self.data)


class LocalQueue(AsyncDBChatStore):
    """Messages per key in process memory, with the semantics of ``SQLAlchemyChatStore``.

    Row ids are unique in the store and increase; ``delete_message(key, idx)`` takes such an id
    (as the SQL store does). Safe to use from several threads.

    Example:
        >>> import asyncio
        >>> queue = LocalQueue()
        >>> asyncio.run(queue.add_message("k", ChatMessage(role="user", content="Hi")))
        >>> asyncio.run(queue.count_messages("k"))
        1
    """

    _rows: dict[str, list[_Row]] = PrivateAttr(default_factory=dict)
    _ids: Any = PrivateAttr(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    @classmethod
    def class_name(cls) -> str:
        """Name used in LlamaIndex serialization."""
        return "LocalQueue"

    def _select(self, key: str, status: MessageStatus | None) -> list[_Row]:
        rows = self._rows.get(key, [])
        return [row for row in rows if status is None or row.status is status]

    def _add(self, key: str, messages: list[ChatMessage], status: MessageStatus) -> None:
        rows = [
            _Row(next(self._ids), MessageStatus(status), msg.model_dump(mode="json"))
            for msg in messages
        ]
        with self._lock:
            self._rows.setdefault(key, []).extend(rows)

    def _remove(self, key: str, doomed: list[_Row]) -> None:
        ids = {row.id for row in doomed}
        kept = [row for row in self._rows.get(key, []) if row.id not in ids]
        if kept:
            self._rows[key] = kept
        else:
            self._rows.pop(key, None)

    async def get_messages(
        self,
        key: str,
        status: MessageStatus | None = MessageStatus.ACTIVE,
        limit: int | None = None,
        offset: int | None = None,
    ) -> list[ChatMessage]:
        """Messages of ``key`` with ``status`` (all when ``None``), oldest first."""
        with self._lock:
            rows = self._select(key, status)
        start = offset or 0
        rows = rows[start : None if limit is None else start + limit]
        return [row.message() for row in rows]

    async def count_messages(
        self, key: str, status: MessageStatus | None = MessageStatus.ACTIVE
    ) -> int:
        """How many messages of ``key`` have ``status`` (all when ``None``)."""
        with self._lock:
            return len(self._select(key, status))

    async def add_message(
        self, key: str, message: ChatMessage, status: MessageStatus = MessageStatus.ACTIVE
    ) -> None:
        """Append ``message`` with ``status``."""
        self._add(key, [message], status)

    async def add_messages(
        self, key: str, messages: list[ChatMessage], status: MessageStatus = MessageStatus.ACTIVE
    ) -> None:
        """Append ``messages`` in order with ``status``."""
        self._add(key, list(messages), status)

    async def set_messages(
        self, key: str, messages: list[ChatMessage], status: MessageStatus = MessageStatus.ACTIVE
    ) -> None:
        """Replace every message of ``key`` (any status) with ``messages``."""
        with self._lock:
            self._rows.pop(key, None)
        self._add(key, list(messages), status)

    async def delete_message(self, key: str, idx: int) -> ChatMessage | None:
        """Delete the message with row id ``idx`` of ``key``; return it, or ``None``."""
        with self._lock:
            doomed = [row for row in self._rows.get(key, []) if row.id == idx]
            self._remove(key, doomed)
        return doomed[0].message() if doomed else None

    async def delete_messages(self, key: str, status: MessageStatus | None = None) -> None:
        """Delete the messages of ``key`` with ``status`` (all when ``None``)."""
        with self._lock:
            self._remove(key, self._select(key, status))

    async def delete_oldest_messages(self, key: str, n: int) -> list[ChatMessage]:
        """Delete the ``n`` oldest ACTIVE messages and return them."""
        with self._lock:
            doomed = self._select(key, MessageStatus.ACTIVE)[: max(0, n)]
            self._remove(key, doomed)
        return [row.message() for row in doomed]

    async def archive_oldest_messages(self, key: str, n: int) -> list[ChatMessage]:
        """Mark the ``n`` oldest ACTIVE messages ARCHIVED and return them."""
        with self._lock:
            rows = self._select(key, MessageStatus.ACTIVE)[: max(0, n)]
            for row in rows:
                row.status = MessageStatus.ARCHIVED
        return [row.message() for row in rows]

    async def get_keys(self) -> list[str]:
        """Keys holding at least one message, in the order they were first written."""
        with self._lock:
            return list(self._rows)
