"""``ZepChatMessageHistory``: LangChain chat history stored in a Zep session."""

from __future__ import annotations

from collections.abc import Sequence

from langchain_core.chat_history import BaseChatMessageHistory
from langchain_core.messages import BaseMessage

from zep_integrations import _sessions
from zep_integrations import models as m
from zep_integrations._api import Flow
from zep_integrations._clients import ClientPair
from zep_integrations.client import AsyncZepClient, ZepClient
from zep_integrations.langchain import _unstored
from zep_integrations.langchain._convert import (
    DEFAULT_MAX_CONTENT_CHARS,
    drop_orphan_tool_messages,
    messages_from_zep,
    messages_to_zep,
    prepend_context,
)

__all__ = ["ZepChatMessageHistory"]

_EVERYTHING = 1_000_000
"""``lastn`` that means "all messages": GET memory defaults to the last 6 (section 5)."""


class ZepChatMessageHistory(BaseChatMessageHistory):
    """Chat message history stored in a Zep session, for ``RunnableWithMessageHistory``.

    Every LangChain message class round-trips exactly (see :func:`message_to_zep`), while Zep
    sees readable text with the right ``role_type``. The sync methods use a :class:`ZepClient`,
    the async ones an :class:`AsyncZepClient` (really async, no threads). With only ``client``
    given, the async client is ``client.as_async()``; with neither, both come from the
    environment (``ZEP_API_KEY``/``ZEP_API_URL``) or the embedded offline server. Clients are
    created on first use; the constructor does no I/O.

    Requests: a read is one request; a write is one request per 30 messages, plus the creation
    of the session (and of ``user_id`` when it is missing) unless a read already found the
    session. One ``RunnableWithMessageHistory`` turn is therefore one read and one write.

    Messages written by other clients (the official SDKs, the LlamaIndex adapter) read back as
    the class their ``role_type`` names, with their own metadata, Zep UUID and timestamp in
    ``response_metadata["zep"]`` (see :func:`message_from_zep`); messages the LlamaIndex chat
    store deleted are skipped.

    Reading a session that does not exist returns ``[]``; :meth:`clear` is idempotent; writing
    to an ended session raises :class:`~zep_integrations.ConflictError`.

    Inside ``RunnableWithMessageHistory`` a failed write cannot raise: LangChain writes the turn
    from an end listener and its tracer catches and only logs what that raises, so the caller
    gets the model's answer while the turn is not stored. This history then logs a warning
    (logger ``zep_integrations``) and the next read of the same session in this process, the
    read that starts the next turn, raises the error (same class, for example
    :class:`~zep_integrations.ConflictError` for an ended session, message starting "the
    previous turn of session ... was not stored") before the model runs. Writes made directly
    (``add_messages``) raise at once and are not reported again.

    Zep's context, relevant facts and summary: :meth:`get_memory` / :meth:`aget_memory` fetch
    them; reads that go through ``GET memory`` (``window`` or ``context_as_system_message`` set)
    also leave them in :attr:`last_memory` at no extra cost.

    Args:
        session_id: The Zep session to read and write.
        user_id: Owner of the session, created with it when missing.
        client: Sync client; also the source of the async client when ``async_client`` is None.
        async_client: Async client for the ``a*`` methods.
        window: Read only the last ``window`` messages (``GET memory?lastn=``). Tool results
            whose AI message fell outside the window are dropped from the start.
        context_as_system_message: Put Zep's ``context`` in one leading system message (merged
            into an existing leading system message), fetched in the same single read.
        max_content_chars: Longest text handed to Zep as ``content`` (Zep CE rejects more than
            2,500); longer messages are shortened there and kept whole in the metadata.

    Example:
        >>> import tempfile, os
        >>> from langchain_core.messages import AIMessage, HumanMessage
        >>> from zep_integrations import ZepClient
        >>> client = ZepClient(db_path=os.path.join(tempfile.mkdtemp(), "zep.db"))
        >>> history = ZepChatMessageHistory("session-1", user_id="jane", client=client)
        >>> history.add_messages([HumanMessage("Hi, I'm Jane"), AIMessage("Hello Jane!")])
        >>> [msg.content for msg in history.messages]
        ["Hi, I'm Jane", 'Hello Jane!']
        >>> history.clear()
        >>> history.messages
        []
    """

    def __init__(
        self,
        session_id: str,
        *,
        user_id: str | None = None,
        client: ZepClient | None = None,
        async_client: AsyncZepClient | None = None,
        window: int | None = None,
        context_as_system_message: bool = False,
        max_content_chars: int | None = DEFAULT_MAX_CONTENT_CHARS,
    ) -> None:
        super().__init__()
        if not isinstance(session_id, str) or not session_id:
            raise ValueError(f"session_id must be a non-empty string, got {session_id!r}")
        if user_id is not None and (not isinstance(user_id, str) or not user_id):
            raise ValueError(f"user_id must be a non-empty string or None, got {user_id!r}")
        if window is not None and (
            isinstance(window, bool) or not isinstance(window, int) or window < 1
        ):
            raise ValueError(f"window must be a positive int or None, got {window!r}")
        if max_content_chars is not None and max_content_chars < 1:
            raise ValueError(f"max_content_chars must be positive or None, got {max_content_chars}")
        self.session_id = session_id
        self.user_id = user_id
        self.window = window
        self.context_as_system_message = context_as_system_message
        self.max_content_chars = max_content_chars
        self._clients = ClientPair(client, async_client)
        self._session_known = False
        self._last_memory: m.Memory | None = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(session_id={self.session_id!r}, user_id={self.user_id!r})"

    @property
    def last_memory(self) -> m.Memory | None:
        """The Zep memory (context, relevant facts, summary) from the last ``GET memory`` read.

        ``None`` before such a read, or when the session did not exist.
        """
        return self._last_memory

    # -- flows: the logic, written once for both clients ----------------------------------

    def _read(self, target: str) -> Flow[list[BaseMessage]]:
        unstored = _unstored.take(target, self.session_id)
        if unstored is not None:
            raise unstored
        memory: m.Memory | None = None
        if self.window is None and not self.context_as_system_message:
            stored = yield from _sessions.read_messages(self.session_id)
        else:
            memory = yield from _sessions.read_memory(
                self.session_id, lastn=self.window or _EVERYTHING
            )
            stored = None if memory is None else (memory.messages or [])
        self._last_memory = memory
        # A read that found messages proves the session exists, so the next write can skip
        # creating it. An empty answer proves nothing: Zep CE answers 200 with no messages for an
        # unknown session (section 4.2 notes), and skipping creation would lose ``user_id``.
        self._session_known = bool(stored)
        messages = messages_from_zep(stored or [])
        if self.window is not None:
            messages = drop_orphan_tool_messages(messages)
        if self.context_as_system_message and memory is not None:
            messages = prepend_context(messages, memory.context)
        return messages

    def _write(self, messages: Sequence[BaseMessage]) -> Flow[None]:
        payload = messages_to_zep(messages, max_content_chars=self.max_content_chars)
        if not payload:
            return
        yield from _sessions.write_messages(
            self.session_id,
            payload,
            user_id=self.user_id,
            session_known=self._session_known,
        )
        self._session_known = True

    def _clear(self) -> Flow[None]:
        yield from _sessions.delete_session(self.session_id)
        self._session_known = False
        self._last_memory = None

    def _memory(self) -> Flow[m.Memory]:
        memory = yield from _sessions.read_memory(self.session_id, lastn=self.window)
        self._session_known = bool(memory is not None and memory.messages)
        self._last_memory = memory
        return memory if memory is not None else m.Memory(messages=[])

    # -- BaseChatMessageHistory -------------------------------------------------------------

    @property
    def messages(self) -> list[BaseMessage]:  # type: ignore[override]
        """The stored messages, oldest first (the last ``window`` when set); ``[]`` if none."""
        client = self._clients.sync
        return client.run(self._read(client.settings.target))

    async def aget_messages(self) -> list[BaseMessage]:
        """Async :attr:`messages`."""
        client = self._clients.asynchronous
        return await client.run(self._read(client.settings.target))

    def add_messages(self, messages: Sequence[BaseMessage]) -> None:
        """Append ``messages`` in order (one request per 30), creating the session if needed.

        Raises:
            ConflictError: the session has ended.
            TypeError: a message field is not JSON-serializable.
        """
        client = self._clients.sync
        try:
            client.run(self._write(messages))
        except Exception as exc:
            self._unstored(client.settings.target, exc)
            raise

    async def aadd_messages(self, messages: Sequence[BaseMessage]) -> None:
        """Async :meth:`add_messages`."""
        client = self._clients.asynchronous
        try:
            await client.run(self._write(messages))
        except Exception as exc:
            self._unstored(client.settings.target, exc)
            raise

    def _unstored(self, target: str, error: Exception) -> None:
        # LangChain swallows errors of RunnableWithMessageHistory's end listener: keep this one
        # for the next read of the session (see the class docstring).
        if _unstored.inside_history_listener():
            _unstored.remember(target, self.session_id, error)

    def clear(self) -> None:
        """Delete the session and its messages; a missing session is fine."""
        self._clients.sync.run(self._clear())

    async def aclear(self) -> None:
        """Async :meth:`clear`."""
        await self._clients.asynchronous.run(self._clear())

    # -- Zep extras -------------------------------------------------------------------------

    def get_memory(self) -> m.Memory:
        """Fetch Zep's memory: recent messages with ``context``, ``relevant_facts``, ``summary``.

        The messages are the last ``window`` (Zep's default of 6 when unset). A missing session
        gives an empty :class:`~zep_integrations.models.Memory`.
        """
        return self._clients.sync.run(self._memory())

    async def aget_memory(self) -> m.Memory:
        """Async :meth:`get_memory`."""
        return await self._clients.asynchronous.run(self._memory())
