"""``ZepMemory``: a LlamaIndex ``BaseMemory`` over one Zep session (the block is in ``_block``)."""

from __future__ import annotations

import threading
from typing import Any

from llama_index.core.llms import ChatMessage, MessageRole
from llama_index.core.memory import BaseMemory
from pydantic import Field, PrivateAttr

from zep_integrations import _sessions
from zep_integrations._api import Flow
from zep_integrations._clients import ClientPair
from zep_integrations.client import AsyncZepClient, ZepClient
from zep_integrations.llama_index import _flows
from zep_integrations.llama_index._convert import (
    MAX_CONTENT_CHARS,
    context_text,
    message_to_zep,
    messages_from_zep,
    trim_window,
    with_context,
)

__all__ = ["ZepMemory"]

DEFAULT_WINDOW = 12
DEFAULT_CONTEXT_TEMPLATE = "Relevant context from long-term memory:\n{context}"


class ZepMemory(BaseMemory):
    """Chat memory backed by one Zep session: a recent window plus Zep's long-term context.

    :meth:`get` returns the last ``window`` messages, preceded by Zep's context (facts and
    what older messages said) as one leading system message; when the window starts with a system
    message the context is merged into it, never inserted mid-conversation. Works as the
    ``memory`` of LlamaIndex chat engines and agents (tool calls survive the round trip).

    Requests: a chat engine turn costs **3** requests by default (write the user's message,
    read the window and context, write the reply), so every ``get()`` sees what other writers
    (other processes, the LangChain adapter) stored, and the user's message is in Zep before the
    LLM is called. A brand-new session owned by a ``user_id`` is created once (one or three more
    requests, depending on whether the user exists).

    ``cache_window=True`` brings a turn to **2** requests for an object that is the only writer
    of its session while it lives (as an in-process ``ChatMemoryBuffer`` is): ``put(user)`` is
    kept until ``get()``, which writes it before returning (so an LLM failure still loses
    nothing), and later reads serve the window from what this object read and wrote. In that
    mode a user message ``put()`` without a following read stays pending until the next read,
    write or :meth:`flush`.

    Args:
        session_id: The Zep session (created on first write).
        user_id: Owner of the session, created with it when missing.
        window: How many recent messages :meth:`get` returns.
        context_as_system_message: Add Zep's context as a leading system message.
        context_template: Format of that message; ``{context}`` is replaced.
        cache_window: Serve the window locally after the first read (see above); off by
            default because it is only right for a single writer.
        max_content_chars: Longer text is cut in Zep's ``content`` (kept whole in metadata).

    Example:
        >>> import os, tempfile
        >>> from llama_index.core.chat_engine import SimpleChatEngine
        >>> from llama_index.core.llms import MockLLM
        >>> from zep_integrations import ZepClient
        >>> client = ZepClient(db_path=os.path.join(tempfile.mkdtemp(), "z.db"))
        >>> memory = ZepMemory.from_defaults(session_id="s1", client=client)
        >>> engine = SimpleChatEngine.from_defaults(llm=MockLLM(), memory=memory)
        >>> _ = engine.chat("Hi, I'm Jane")
        >>> [msg.role.value for msg in memory.get_all()]
        ['user', 'assistant']
    """

    session_id: str = Field(min_length=1)
    user_id: str | None = None
    window: int = Field(default=DEFAULT_WINDOW, gt=0)
    context_as_system_message: bool = True
    context_template: str = DEFAULT_CONTEXT_TEMPLATE
    cache_window: bool = False
    max_content_chars: int = Field(default=MAX_CONTENT_CHARS, gt=1)

    _clients: ClientPair = PrivateAttr()
    _lock: threading.RLock = PrivateAttr(default_factory=threading.RLock)
    _pending: list[ChatMessage] = PrivateAttr(default_factory=list)
    _cache: list[ChatMessage] | None = PrivateAttr(default=None)
    _context: str | None = PrivateAttr(default=None)
    _known: bool = PrivateAttr(default=False)

    def __init__(
        self,
        *,
        session_id: str,
        client: ZepClient | None = None,
        async_client: AsyncZepClient | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**{**kwargs, "session_id": session_id})
        self._clients = ClientPair(client, async_client)

    @classmethod
    def class_name(cls) -> str:
        """Name used in LlamaIndex serialization."""
        return "ZepMemory"

    @classmethod
    def from_defaults(  # type: ignore[override]
        cls,
        session_id: str,
        user_id: str | None = None,
        client: ZepClient | None = None,
        async_client: AsyncZepClient | None = None,
        window: int = DEFAULT_WINDOW,
        context_as_system_message: bool = True,
        **kwargs: Any,
    ) -> ZepMemory:
        """Create a memory for ``session_id`` (no request is made here)."""
        return cls(
            session_id=session_id,
            user_id=user_id,
            client=client,
            async_client=async_client,
            window=window,
            context_as_system_message=context_as_system_message,
            **kwargs,
        )

    # -- flows shared by the sync and async methods ------------------------------------------

    def _take_pending(self) -> list[ChatMessage]:
        with self._lock:
            pending, self._pending = self._pending, []
            return pending

    def _restore_pending(self, pending: list[ChatMessage]) -> None:
        with self._lock:
            self._pending[:0] = pending

    def _write_flow(self, messages: list[ChatMessage]) -> Flow[None]:
        """Write pending user messages plus ``messages`` (one request per 30)."""
        batch = self._take_pending() + [msg.model_copy(deep=True) for msg in messages]
        if not batch:
            return
        try:
            response = yield from _flows.write(
                self.session_id,
                [message_to_zep(msg, max_content_chars=self.max_content_chars) for msg in batch],
                user_id=self.user_id,
                session_known=self._known,
                # Only the cached window reuses the context a write returns; without the cache
                # the next get() reads it anyway, so asking for it would be wasted work.
                return_context=(self.cache_window and self.context_as_system_message) or None,
            )
        except BaseException:
            self._restore_pending(batch[: len(batch) - len(messages)])
            raise
        with self._lock:
            self._known = True
            if self._cache is not None:
                self._cache = (self._cache + batch)[-self.window :]
            if response.context:
                self._context = response.context

    def _get_flow(self) -> Flow[list[ChatMessage]]:
        with self._lock:
            cache = list(self._cache) if self.cache_window and self._cache is not None else None
            context = self._context
        if cache is None:
            memory = yield from _sessions.read_memory(self.session_id, lastn=self.window)
            with self._lock:
                self._known = memory is not None
                self._cache = messages_from_zep(memory.messages if memory else None)
                self._context = context_text(memory)
        # Written before the caller sends the window to an LLM, so an LLM failure loses nothing.
        yield from self._write_flow([])
        with self._lock:
            window = trim_window([msg.model_copy(deep=True) for msg in self._cache or []])
            context = self._context
        if self.context_as_system_message and context:
            return with_context(window, self.context_template.format(context=context))
        return window

    def _get_all_flow(self) -> Flow[list[ChatMessage]]:
        yield from self._write_flow([])
        messages = yield from _flows.live_messages(self.session_id)
        return messages_from_zep(messages)

    def _set_flow(self, messages: list[ChatMessage]) -> Flow[None]:
        self._take_pending()
        copies = [msg.model_copy(deep=True) for msg in messages]
        wire = [message_to_zep(msg, max_content_chars=self.max_content_chars) for msg in copies]
        with self._lock:
            known = self._known
            self._cache, self._context = None, None
        yield from _flows.replace(self.session_id, wire, user_id=self.user_id, session_known=known)
        with self._lock:
            self._known = bool(copies)
            self._cache = copies[-self.window :]

    def _reset_flow(self) -> Flow[None]:
        self._take_pending()
        yield from _sessions.delete_session(self.session_id)
        with self._lock:
            self._known = False
            self._cache, self._context = [], None

    def _put_now(self, message: ChatMessage) -> bool:
        """Keep a user message for the next read; ``False`` when it must be written now."""
        # Only the single-writer cache saves a request by deferring; otherwise write at once,
        # so a put() is never left pending.
        if self.cache_window and message.role is MessageRole.USER:
            with self._lock:
                self._pending.append(message.model_copy(deep=True))
            return True
        return False

    # -- sync ---------------------------------------------------------------------------------

    def get(self, input: str | None = None, **kwargs: Any) -> list[ChatMessage]:
        """Return Zep's context (as a leading system message) and the recent window."""
        with self._lock:
            return self._clients.sync.run(self._get_flow())

    def get_all(self) -> list[ChatMessage]:
        """Return every message of the session, oldest first."""
        with self._lock:
            return self._clients.sync.run(self._get_all_flow())

    def put(self, message: ChatMessage) -> None:
        """Store a message (a user message is written with the next read, see the class doc)."""
        if not self._put_now(message):
            with self._lock:
                self._clients.sync.run(self._write_flow([message]))

    def put_messages(self, messages: list[ChatMessage]) -> None:
        """Store messages in order: one request per 30."""
        with self._lock:
            self._clients.sync.run(self._write_flow(list(messages)))

    def flush(self) -> None:
        """Write user messages kept by :meth:`put` now."""
        with self._lock:
            self._clients.sync.run(self._write_flow([]))

    def set(self, messages: list[ChatMessage]) -> None:
        """Replace the session's history; if any request fails, the old history stays whole.

        The new messages are appended and the old ones retired when the last is stored (see
        :func:`zep_integrations._sessions.replace_messages`); ``set([])`` deletes the session.
        """
        with self._lock:
            self._clients.sync.run(self._set_flow(list(messages)))

    def reset(self) -> None:
        """Delete the session and everything in it; a missing session is fine."""
        with self._lock:
            self._clients.sync.run(self._reset_flow())

    # -- async --------------------------------------------------------------------------------

    async def aget(self, input: str | None = None, **kwargs: Any) -> list[ChatMessage]:
        """Async :meth:`get`."""
        return await self._clients.asynchronous.run(self._get_flow())

    async def aget_all(self) -> list[ChatMessage]:
        """Async :meth:`get_all`."""
        return await self._clients.asynchronous.run(self._get_all_flow())

    async def aput(self, message: ChatMessage) -> None:
        """Async :meth:`put`."""
        if not self._put_now(message):
            await self._clients.asynchronous.run(self._write_flow([message]))

    async def aput_messages(self, messages: list[ChatMessage]) -> None:
        """Async :meth:`put_messages`."""
        await self._clients.asynchronous.run(self._write_flow(list(messages)))

    async def aflush(self) -> None:
        """Async :meth:`flush`."""
        await self._clients.asynchronous.run(self._write_flow([]))

    async def aset(self, messages: list[ChatMessage]) -> None:
        """Async :meth:`set`."""
        await self._clients.asynchronous.run(self._set_flow(list(messages)))

    async def areset(self) -> None:
        """Async :meth:`reset`."""
        await self._clients.asynchronous.run(self._reset_flow())
