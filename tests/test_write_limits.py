"""Chunked writes are checked whole before the first request (body size, encodability, nesting,
numbers, length), a later failure says how many messages were stored, and IDs are checked before
they travel."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import HumanMessage

from tests.conftest import run_maybe_async
from tests.test_bad_input import snapshot
from tests.test_client_calls import Recorder, call, make_clients
from tests.test_faults import Faulty, after, clients, contents, reply
from zep_integrations import AsyncZepClient, PartialWriteError, ServerError, ZepClient, _limits
from zep_integrations.langchain import ZepChatMessageHistory
from zep_integrations.server import ZepServer

MB = 1024 * 1024


def _messages(n: int) -> list[dict[str, Any]]:
    return [{"role_type": "user", "content": f"m{i}"} for i in range(n)]


BAD_31ST = {
    "5MB-metadata": ({"blob": "x" * (5 * MB)}, "max_body_bytes"),
    "lone-surrogate": ({"t": "caf\ud800"}, "lone surrogate"),
    "too-deep": ({"d": json.loads("[" * 40 + "]" * 40)}, "nested more than"),
    "nan": ({"n": float("nan")}, "JSON cannot carry"),
    "inf": ({"n": float("inf")}, "JSON cannot carry"),
    "int-past-64-bits": ({"n": 2**70}, "beyond 64 bits"),
}


@pytest.mark.parametrize("case", sorted(BAD_31ST))
def test_a_bad_31st_message_fails_the_write_before_any_request(
    mode: str, tmp_path: Path, case: str
) -> None:
    """31 messages whose last one the server would refuse: ValueError, nothing sent or stored."""
    metadata, match = BAD_31ST[case]
    wire = [*_messages(30), {"role_type": "user", "content": "last", "metadata": metadata}]
    recorder = Recorder()
    with pytest.raises(ValueError, match=match):
        call(mode, make_clients(recorder), "add_memory", "s1", wire)
    assert recorder.requests == []
    db = tmp_path / "z.db"
    sync, asyn = ZepClient(db_path=db), AsyncZepClient(db_path=db)
    sync.add_memory("s1", _messages(1))
    before = snapshot(db)
    with pytest.raises(ValueError, match=match):
        run_maybe_async(
            mode, lambda: sync.add_memory("s1", wire), lambda: asyn.add_memory("s1", wire)
        )
    assert snapshot(db) == before


def test_lone_surrogate_in_content_is_refused_before_sending(mode: str) -> None:
    """Text that is not valid Unicode fails on the client, naming the message."""
    recorder = Recorder()
    wire = [*_messages(40), {"role_type": "user", "content": "bad \udfff"}]
    with pytest.raises(ValueError, match="message 40 contains a lone surrogate"):
        call(mode, make_clients(recorder), "add_memory", "s1", wire)
    assert recorder.requests == []


def test_big_messages_are_split_so_every_request_fits(mode: str, tmp_path: Path) -> None:
    """Thirty 1 MB messages go out in requests under max_body_bytes, stored in order, once."""
    wire = [
        {"role_type": "user", "content": f"m{i}", "metadata": {"blob": "y" * MB}} for i in range(30)
    ]
    recorder = Recorder()
    call(mode, make_clients(recorder), "add_memory", "s1", wire)
    sizes = [len(r.content) for r in recorder.requests]
    assert len(sizes) == 8 and max(sizes) <= 5 * MB  # four 1 MB messages fit in 5 MiB
    sent = [msg["content"] for r in recorder.requests for msg in json.loads(r.content)["messages"]]
    assert sent == [f"m{i}" for i in range(30)]
    db = tmp_path / "z.db"
    sync, asyn = ZepClient(db_path=db), AsyncZepClient(db_path=db)
    run_maybe_async(mode, lambda: sync.add_memory("s1", wire), lambda: asyn.add_memory("s1", wire))
    assert [m.content for m in sync.get_messages("s1").messages] == [f"m{i}" for i in range(30)]


def test_max_body_bytes_none_disables_the_split() -> None:
    """With max_body_bytes=None the write is split by count only."""
    wire = [{"role_type": "user", "content": "m", "metadata": {"b": "z" * MB}} for _ in range(8)]
    recorder = Recorder()
    make_clients(recorder, max_body_bytes=None)[0].add_memory("s1", wire)
    assert len(recorder.requests) == 1


WRITE = "POST sessions/s1/memory"


@pytest.mark.parametrize(
    ("action", "unconfirmed"), [(reply(429), 0), (after(500), 15)], ids=["refused", "applied"]
)
def test_a_later_chunk_failing_says_how_many_were_stored(
    mode: str, tmp_path: Path, action: Any, unconfirmed: int
) -> None:
    """The second of two requests fails: PartialWriteError with stored_count=30, cause kept."""
    server = ZepServer(tmp_path / "z.db")
    faulty = Faulty(server, WRITE, [])
    original = faulty._pick

    def second_fails(request: Any) -> Any:
        original(request)
        return action if faulty.count(WRITE) == 2 else None

    faulty._pick = second_fails  # type: ignore[method-assign]
    sync, asyn = clients(server, faulty, max_retries=0)
    wire = _messages(45)
    with pytest.raises(PartialWriteError) as info:
        run_maybe_async(
            mode, lambda: sync.add_memory("s1", wire), lambda: asyn.add_memory("s1", wire)
        )
    error = info.value
    assert (error.stored_count, error.total_count, error.unconfirmed_count) == (30, 45, unconfirmed)
    assert "stored 30 of 45 messages" in str(error) and "messages[30:]" in str(error)
    assert isinstance(error.__cause__, ServerError) == (unconfirmed > 0)
    stored = contents(server, "s1")
    assert stored[:30] == [f"m{i}" for i in range(30)]
    assert len(stored) == 30 + unconfirmed


def test_adapter_write_reports_a_partial_write(mode: str, tmp_path: Path) -> None:
    """Through ZepChatMessageHistory, a 45-message write failing on its second request says so."""
    server = ZepServer(tmp_path / "z.db")
    faulty = Faulty(server, WRITE, [])
    original = faulty._pick

    def second_fails(request: Any) -> Any:
        original(request)
        return reply(500) if faulty.count(WRITE) == 2 else None

    faulty._pick = second_fails  # type: ignore[method-assign]
    sync, asyn = clients(server, faulty, max_retries=0)
    history = ZepChatMessageHistory("s1", client=sync, async_client=asyn)
    turn = [HumanMessage(f"h{i}") for i in range(45)]
    with pytest.raises(PartialWriteError) as info:
        run_maybe_async(
            mode, lambda: history.add_messages(turn), lambda: history.aadd_messages(turn)
        )
    assert info.value.stored_count == 30


LONG = "s" * (_limits.MAX_ID_CHARS + 1)
SURROGATE = "caf\udce9"


@pytest.mark.parametrize("bad", [LONG, SURROGATE], ids=["too-long", "lone-surrogate"])
@pytest.mark.parametrize(
    ("name", "args", "kwargs"),
    [
        ("add_session", ("{id}",), {}),
        ("add_session", ("ok",), {"user_id": "{id}"}),
        ("get_memory", ("{id}",), {}),
        ("add_memory", ("{id}", [{"role_type": "user", "content": "x"}]), {}),
        ("delete_session", ("{id}",), {}),
        ("add_user", ("{id}",), {}),
        ("end_sessions", (["ok", "{id}"],), {}),
        ("search_sessions", ("q",), {"session_ids": ["{id}"]}),
        ("batch_get_documents", ("docs",), {"document_ids": ["{id}"]}),
    ],
)
def test_bad_ids_are_refused_before_any_request(
    mode: str, bad: str, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    """An ID past MAX_ID_CHARS or with a lone surrogate, in a path or body: a clear ValueError."""

    def fill(value: Any) -> Any:
        if value == "{id}":
            return bad
        if isinstance(value, list):
            return [fill(v) for v in value]
        return value

    recorder = Recorder()
    match = "at most 500" if bad == LONG else "lone surrogate"
    with pytest.raises(ValueError, match=match):
        call(
            mode,
            make_clients(recorder),
            name,
            *[fill(a) for a in args],
            **{k: fill(v) for k, v in kwargs.items()},
        )
    assert recorder.requests == []
