"""Replacing a conversation (ZepChatStore.set_messages, ZepMemory.set) with a failure injected at
every request: readers see the old history whole until the replacement completed, then the new
history exactly once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from langchain_core.messages import BaseMessage
from llama_index.core.llms import ChatMessage

from tests.conftest import run_maybe_async
from tests.test_faults import Action, Faulty, after, reply, timeout_after
from zep_integrations import AsyncZepClient, PartialWriteError, ZepClient, ZepError, _sessions
from zep_integrations import models as m
from zep_integrations.langchain import ZepChatMessageHistory
from zep_integrations.llama_index import ZepChatStore, ZepMemory
from zep_integrations.server import ZepServer

OLD = ["old-0", "old-1"]
NEW = [f"new-{i}" for i in range(35)]  # two write requests: 30 + 5


class FailNth(Faulty):
    """Lets requests through, except the ``nth`` one (0-based), which gets ``action``."""

    def __init__(self, server: ZepServer, nth: int | None, action: Action | None) -> None:
        super().__init__(server, "", [])
        self.nth = nth
        self.action = action
        self.armed = False

    def _pick(self, request: httpx.Request) -> Action | None:
        if not self.armed:
            return None
        self.seen.append(f"{request.method} {request.url.path.removeprefix('/api/v2/')}")
        if len(self.seen) - 1 == self.nth:
            return self.action
        return None


def _setup(tmp_path: Path, nth: int | None, action: Action | None) -> tuple[Any, ...]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    server = ZepServer(tmp_path / "z.db")
    faulty = FailNth(server, nth, action)
    sync = ZepClient(db_path=server.db_path, http_client=httpx.Client(transport=faulty))
    asyn = AsyncZepClient(db_path=server.db_path, http_client=httpx.AsyncClient(transport=faulty))
    store = ZepChatStore(client=sync, async_client=asyn, user_id="jane")
    for text in OLD:
        store.add_message("s1", ChatMessage(role="user", content=text))
    return server, faulty, store


def _seen_by_every_reader(server: ZepServer) -> list[list[str]]:
    """What the chat store, ZepMemory and the LangChain history read, through a clean client."""
    client = ZepClient(db_path=server.db_path)
    store = [m.content for m in ZepChatStore(client=client).get_messages("s1")]
    memory = [m.content for m in ZepMemory.from_defaults("s1", client=client).get_all()]
    langchain: list[BaseMessage] = ZepChatMessageHistory("s1", client=client).messages
    window = ZepChatMessageHistory("s1", client=client, window=40).messages
    return [store, memory, [str(m.content) for m in langchain], [str(m.content) for m in window]]


def _replace_store(mode: str, store: ZepChatStore, texts: list[str]) -> None:
    messages = [ChatMessage(role="assistant", content=text) for text in texts]
    run_maybe_async(
        mode,
        lambda: store.set_messages("s1", messages),
        lambda: store.aset_messages("s1", messages),
    )


def _replace_memory(mode: str, store: ZepChatStore, texts: list[str]) -> None:
    clients = store._clients
    memory = ZepMemory.from_defaults(
        "s1", user_id="jane", client=clients.sync, async_client=clients.asynchronous
    )
    messages = [ChatMessage(role="assistant", content=text) for text in texts]
    run_maybe_async(mode, lambda: memory.set(messages), lambda: memory.aset(messages))


REPLACERS: dict[str, Callable[[str, ZepChatStore, list[str]], None]] = {
    "chat-store": _replace_store,
    "memory": _replace_memory,
}
ACTIONS: dict[str, Action] = {
    "refused-500": reply(500),
    "applied-then-500": after(500),
    "applied-then-timeout": timeout_after,
    "refused-413": reply(413),
}


def _requests_of_a_replacement(tmp_path: Path, replacer: str) -> list[str]:
    server, faulty, store = _setup(tmp_path / "dry", None, None)
    faulty.armed = True
    REPLACERS[replacer]("sync", store, NEW)
    assert _seen_by_every_reader(server) == [NEW] * 4
    return faulty.seen


@pytest.mark.parametrize("replacer", sorted(REPLACERS))
@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_replacement_with_a_failure_at_every_step_loses_nothing(
    mode: str, tmp_path: Path, replacer: str, action: str
) -> None:
    """Whichever request fails, and however, every reader sees the old or the new history whole."""
    requests = _requests_of_a_replacement(tmp_path, replacer)
    assert requests.count("POST sessions/s1/memory") == 2  # the test covers a chunked write
    for nth, kind in enumerate(requests):
        server, faulty, store = _setup(tmp_path / f"{nth}", nth, ACTIONS[action])
        faulty.armed = True
        with pytest.raises(ZepError) as info:
            REPLACERS[replacer](mode, store, NEW)
        completed = nth == len(requests) - 1 and action.startswith("applied")
        expected = NEW if completed else OLD
        assert _seen_by_every_reader(server) == [expected] * 4, (nth, kind, action)
        if kind == "POST sessions/s1/memory" and nth != requests.index(kind):
            assert isinstance(info.value, PartialWriteError)
            assert info.value.stored_count == 30
        # The caller's retry completes the replacement: the new history, exactly once.
        faulty.armed = False
        REPLACERS[replacer](mode, store, NEW)
        assert _seen_by_every_reader(server) == [NEW] * 4


def test_replacing_with_nothing_deletes_the_session(mode: str, tmp_path: Path) -> None:
    """set_messages(key, []) empties the session (a delete: one request, atomic)."""
    server, _, store = _setup(tmp_path, None, None)
    _replace_store(mode, store, [])
    assert _seen_by_every_reader(server) == [[]] * 4


def test_appends_after_a_replacement_stay_visible(mode: str, tmp_path: Path) -> None:
    """Messages added after a replacement follow the new history; a second replacement wins."""
    server, _, store = _setup(tmp_path, None, None)
    _replace_store(mode, store, ["a", "b"])
    store.add_message("s1", ChatMessage(role="user", content="c"))
    assert _seen_by_every_reader(server)[0] == ["a", "b", "c"]
    _replace_store(mode, store, ["x"])
    assert _seen_by_every_reader(server) == [["x"]] * 4


def _msg(text: str, tag: str | None = None, end: bool = False) -> m.Message:
    metadata: dict[str, Any] = {}
    if tag is not None:
        metadata[_sessions.REPLACEMENT_KEY] = tag
    if end:
        metadata[_sessions.REPLACEMENT_END_KEY] = True
    return m.Message(role_type="user", content=text, metadata=metadata or None)


def test_visible_picks_the_last_completed_replacement() -> None:
    """Interleaved, unfinished and superseded replacements resolve to one history, windows too."""
    stored = [
        _msg("old"),
        _msg("a1", "A"),  # A starts
        _msg("b1", "B"),  # B starts, interleaved
        _msg("a2", "A", end=True),  # A completes first
        _msg("b2", "B", end=True),  # B completes last: B wins
        _msg("later"),
        _msg("c1", "C"),  # C never completes
        _msg("tail"),
    ]
    assert [x.content for x in _sessions.visible(stored)] == ["b1", "b2", "later", "tail"]
    assert [x.content for x in _sessions.visible(stored[4:])] == ["b2", "later", "tail"]
    assert [x.content for x in _sessions.visible(stored[5:])] == ["later", "tail"]
    assert [x.content for x in _sessions.visible(stored[:3])] == ["old"]
