"""What a ``ZepMirrorChatStore`` and a ``ZepMemoryBlock`` on the same Zep session share.

``Memory`` never introduces its chat store to its memory blocks, so they meet here: a small,
bounded, process-wide table keyed by (Zep target, session id). The store records that it sends
the session's messages (so the block never sends flushed ones again) and primes the per-turn
context cache with the context Zep returned for the user's message (so the block needs no read).
Nothing here is serialized or shared between processes: losing it costs at most one read.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from llama_index.core.llms import ChatMessage, MessageRole

from zep_integrations._clients import ClientPair

__all__ = ["SessionState", "session_state", "turn_marker"]

MAX_SESSIONS = 4096
"""Sessions remembered per process; the oldest are forgotten first (a forgotten one re-reads)."""


@dataclass
class SessionState:
    """Per-session facts shared by the store and the block of one process.

    Attributes:
        known: the session exists in Zep (a write or a read succeeded).
        mirrored: a ``ZepMirrorChatStore`` writes this session's messages as they are added.
        turn_text: text of the user message the cached ``context`` belongs to.
        turn_tail: messages after that user message when the context was cached.
        context: Zep's context for that turn (``None``: nothing cached).
    """

    known: bool = False
    mirrored: bool = False
    turn_text: str | None = None
    turn_tail: int = 0
    context: str | None = None

    def cached(self, marker: tuple[str | None, int]) -> str | None:
        """The cached context when ``marker`` is the same turn (or later in it), else ``None``."""
        text, tail = marker
        if self.context is None or text != self.turn_text or tail < self.turn_tail:
            return None
        # Later in the same turn (tool calls, the reply) the tail only grows.
        self.turn_tail = tail
        return self.context

    def remember(self, marker: tuple[str | None, int], context: str) -> None:
        """Cache ``context`` for the turn ``marker``."""
        self.turn_text, self.turn_tail = marker
        self.context = context


_LOCK = threading.Lock()
_STATES: OrderedDict[tuple[object, str], SessionState] = OrderedDict()


def _target(clients: ClientPair) -> object:
    settings = clients.sync.settings
    # The key stays in this process's memory only; it tells two Zep projects apart. The API
    # version too: on one server a v4 session id "s1" names another thread than v2/v3's "s1".
    return (settings.root, settings.db_path, settings.api_key, settings.api_version)


def session_state(clients: ClientPair, session_id: str) -> SessionState:
    """The shared state of ``session_id`` on the Zep target of ``clients`` (created on demand)."""
    key = (_target(clients), session_id)
    with _LOCK:
        state = _STATES.get(key)
        if state is None:
            state = _STATES[key] = SessionState()
            while len(_STATES) > MAX_SESSIONS:
                _STATES.popitem(last=False)
        else:
            _STATES.move_to_end(key)
        return state


def turn_marker(messages: Sequence[ChatMessage] | None) -> tuple[str | None, int]:
    """Identify the turn of ``messages``: the last user message's text and how many follow it.

    Within one agent turn the text stays and the tail grows (tool calls, the reply); the next
    turn starts with a new user message and a tail of zero, even when its text repeats.
    """
    messages = list(messages or [])
    for index in range(len(messages) - 1, -1, -1):
        if messages[index].role is MessageRole.USER:
            return messages[index].content or "", len(messages) - index - 1
    return None, len(messages)
