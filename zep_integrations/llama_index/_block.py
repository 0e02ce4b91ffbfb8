"""``ZepMemoryBlock``: Zep's context as a block of ``llama_index.core.memory.Memory``."""

from __future__ import annotations

from typing import Any

from llama_index.core.llms import ChatMessage
from llama_index.core.memory.memory import BaseMemoryBlock
from llama_index.core.utils import get_tokenizer
from pydantic import Field, PrivateAttr

from zep_integrations import _sessions
from zep_integrations._clients import ClientPair
from zep_integrations.client import AsyncZepClient, ZepClient
from zep_integrations.llama_index import _flows
from zep_integrations.llama_index._convert import MAX_CONTENT_CHARS, context_text, message_to_zep
from zep_integrations.llama_index._link import session_state, turn_marker

__all__ = ["DEFAULT_PRIORITY", "ZepMemoryBlock"]

DEFAULT_PRIORITY = 1
"""Truncatable (0 would mean "never truncate"). LlamaIndex trims blocks in ascending priority,
skipping 0, so a priority-1 block is trimmed **first**, whatever the field's description says."""


class ZepMemoryBlock(BaseMemoryBlock[str]):
    """A ``Memory`` block that returns Zep's context for the session, read at most once a turn.

    Session: ``session_id`` when given, else the ``session_id`` that ``Memory`` passes to every
    block (its own), so one block serves any ``Memory``.

    Reads: ``Memory.aget`` runs every block on each LLM call (twice per agent turn, more with
    tools). The context is cached per turn (the last user message and what follows it), so a turn
    costs at most one read, and none when a :class:`ZepMirrorChatStore` already received Zep's
    context with the user's message.

    Writes: messages ``Memory`` flushes out of its short-term queue are written to Zep, unless a
    :class:`ZepMirrorChatStore` in this process already sent the session's messages as they were
    added (then a flush sends nothing). :func:`zep_memory` also sets
    ``accept_short_term_memory=False``, so flushes never reach the block at all.

    Truncation: when ``Memory`` must cut, :meth:`atruncate` drops the context's least relevant
    items (Zep lists the most relevant first) instead of the whole block. ``priority`` defaults to
    :data:`DEFAULT_PRIORITY` (1): truncatable. Note that LlamaIndex truncates blocks in
    *ascending* priority, skipping 0, so priority 1 is cut first; use 0 to never cut this block,
    or a higher number to cut it after other blocks.

    API versions: a read is one request everywhere: ``GET threads/{id}/context`` on v3/v4
    (none when this client's last write of the session returned the context), the memory read
    ``GET sessions/{id}/memory?lastn=1`` on v2.

    Args:
        session_id: The Zep session; default: the one ``Memory`` passes.
        user_id: Owner of a session this block creates (only when it writes flushed messages).
        client: Sync client (its async twin is derived); default: created on first use.
        async_client: Async client.
        name: Block name shown in the memory template.
        max_content_chars: Longer text is cut in Zep's ``content`` (kept whole in metadata).

    Example:
        >>> import asyncio, os, tempfile
        >>> from llama_index.core.memory import Memory
        >>> from zep_integrations import ZepClient
        >>> client = ZepClient(db_path=os.path.join(tempfile.mkdtemp(), "z.db"))
        >>> memory = Memory.from_defaults(
        ...     session_id="s1", memory_blocks=[ZepMemoryBlock(client=client)]
        ... )
        >>> [msg.role.value for msg in asyncio.run(memory.aget())]
        []
    """

    name: str = "zep_memory"
    priority: int = DEFAULT_PRIORITY
    session_id: str | None = Field(default=None, min_length=1)
    user_id: str | None = None
    max_content_chars: int = Field(default=MAX_CONTENT_CHARS, gt=1)

    _clients: ClientPair = PrivateAttr()

    def __init__(
        self,
        *,
        client: ZepClient | None = None,
        async_client: AsyncZepClient | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._clients = ClientPair(client, async_client)

    def _session(self, block_kwargs: dict[str, Any]) -> str:
        session = self.session_id or block_kwargs.get("session_id")
        if not isinstance(session, str) or not session:
            raise ValueError(
                "ZepMemoryBlock has no session: pass session_id= to the block, or use it in a "
                "llama_index.core.memory.Memory (which passes its own session_id)"
            )
        return session

    async def _aget(self, messages: list[ChatMessage] | None = None, **block_kwargs: Any) -> str:
        session = self._session(block_kwargs)
        state = session_state(self._clients, session)
        marker = turn_marker(messages)
        cached = state.cached(marker)
        if cached is not None:
            return cached
        # Only the context is used; a missing session has none (and no 404 escapes).
        memory = await self._clients.asynchronous.run(_sessions.read_context(session))
        state.known = state.known or memory is not None
        context = context_text(memory) or ""
        state.remember(marker, context)
        return context

    async def _aput(self, messages: list[ChatMessage]) -> None:
        session = self.session_id or _stamped_session(messages)
        if not messages or session is None:
            return
        state = session_state(self._clients, session)
        if state.mirrored:
            return  # the chat store wrote these when they were added: never send them twice
        wire = [
            message_to_zep(_unstamped(msg), max_content_chars=self.max_content_chars)
            for msg in messages
        ]
        await self._clients.asynchronous.run(
            _flows.write(session, wire, user_id=self.user_id, session_known=state.known)
        )
        state.known = True

    async def atruncate(self, content: str, tokens_to_truncate: int) -> str | None:
        """Drop the least relevant items until ``tokens_to_truncate`` tokens are gone.

        Zep lists facts and messages most relevant first, one ``- `` item per line between
        fixed headers: items are removed from the end of the text, headers stay. Text without
        items (a summary) is cut at its end instead. Returns ``None`` (drop the block) only when
        not even one item fits. Tokens are counted with LlamaIndex's default tokenizer, the one
        ``Memory`` uses unless it is given another.
        """
        if tokens_to_truncate <= 0:
            return content
        count = get_tokenizer()
        budget = len(count(content)) - tokens_to_truncate
        if budget <= 0:
            return None
        lines = content.splitlines()
        items = [i for i, line in enumerate(lines) if line.lstrip().startswith("- ")]
        if items:
            while items and len(count("\n".join(lines))) > budget:
                del lines[items.pop()]
            return "\n".join(lines) if items else None
        kept = content
        while kept and len(count(kept)) > budget:
            # Cut proportionally, then re-measure (tokens are not characters).
            kept = kept[: max(0, len(kept) * budget // max(1, len(count(kept))) - 1)]
        return kept or None


def _stamped_session(messages: list[ChatMessage]) -> str | None:
    # BaseMemoryBlock.aput stamps Memory's session_id on each flushed message.
    for msg in messages:
        session = msg.additional_kwargs.get("session_id")
        if isinstance(session, str) and session:
            return session
    return None


def _unstamped(message: ChatMessage) -> ChatMessage:
    # BaseMemoryBlock.aput overwrites additional_kwargs["session_id"] with Memory's session on
    # every flushed message: bookkeeping of Memory, not part of what the user or the LLM wrote.
    if "session_id" not in message.additional_kwargs:
        return message
    extra = {k: v for k, v in message.additional_kwargs.items() if k != "session_id"}
    return message.model_copy(update={"additional_kwargs": extra})
