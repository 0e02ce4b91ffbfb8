"""One undecodable adapter payload degrades to the plain Zep message with a warning instead of
making the session unreadable; the LlamaIndex converter refuses values JSON would rewrite."""

from __future__ import annotations

import datetime
import warnings
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage
from llama_index.core.base.llms.types import ToolCallBlock
from llama_index.core.llms import ChatMessage

from tests.conftest import run_maybe_async
from tests.test_bad_input import snapshot
from zep_integrations import AsyncZepClient, ZepClient, ZepDataWarning
from zep_integrations.langchain import ZepChatMessageHistory
from zep_integrations.llama_index import ZepChatStore, ZepMemory

BAD_PAYLOADS: dict[str, dict[str, Any]] = {
    # A block type written by a newer llama-index.
    "li-unknown-block": {
        "llama_index": {"v": 1, "role": "user", "blocks": [{"block_type": "hologram", "x": 1}]}
    },
    "li-kwargs-not-a-mapping": {"llama_index": {"v": 1, "role": "user", "additional_kwargs": "x"}},
    "li-newer-version": {"llama_index": {"v": 7, "role": "user"}},
    "lc-tool-calls-string": {
        "langchain": {"v": 1, "message": {"type": "ai", "data": {"tool_calls": "abc"}}}
    },
    "lc-data-not-a-mapping": {"langchain": {"v": 1, "message": {"type": "ai", "data": "abc"}}},
}


def _session_with(db: Path, metadata: dict[str, Any]) -> None:
    client = ZepClient(db_path=db)
    client.add_memory(
        "s1",
        [
            {"role_type": "user", "content": "before"},
            {"role_type": "assistant", "content": "damaged", "metadata": metadata},
            {"role_type": "user", "content": "after"},
        ],
    )


def _read_everything(mode: str, db: Path) -> list[list[str]]:
    sync, asyn = ZepClient(db_path=db), AsyncZepClient(db_path=db)
    store = ZepChatStore(client=sync, async_client=asyn)
    memory = ZepMemory.from_defaults("s1", client=sync, async_client=asyn)
    history = ZepChatMessageHistory("s1", client=sync, async_client=asyn)
    window = ZepChatMessageHistory("s1", client=sync, async_client=asyn, window=3)

    def sync_reads() -> list[list[Any]]:
        return [
            store.get_messages("s1"),
            memory.get(),
            memory.get_all(),
            history.messages,
            window.messages,
        ]

    async def async_reads() -> list[list[Any]]:
        return [
            await store.aget_messages("s1"),
            await memory.aget(),
            await memory.aget_all(),
            await history.aget_messages(),
            await window.aget_messages(),
        ]

    reads = run_maybe_async(mode, sync_reads, async_reads)
    return [[str(msg.content) for msg in read] for read in reads]


@pytest.mark.parametrize("case", sorted(BAD_PAYLOADS))
def test_an_undecodable_payload_reads_as_the_plain_message(
    mode: str, tmp_path: Path, case: str
) -> None:
    """Every reader of both adapters returns the session, the bad message as role + content."""
    db = tmp_path / "z.db"
    _session_with(db, BAD_PAYLOADS[case])
    client = ZepClient(db_path=db)
    with pytest.warns(ZepDataWarning, match="cannot read"):
        reads = _read_everything(mode, db)
        assert ZepChatStore(client=client).get_messages("s1")[1].role.value == "assistant"
        assert isinstance(ZepChatMessageHistory("s1", client=client).messages[1], AIMessage)
    assert reads == [["before", "damaged", "after"]] * 5


def test_good_payloads_do_not_warn(tmp_path: Path) -> None:
    """Messages the adapters wrote themselves read back without any warning."""
    client = ZepClient(db_path=tmp_path / "z.db")
    ZepChatMessageHistory("s1", client=client).add_messages([HumanMessage("a"), AIMessage("b")])
    ZepChatStore(client=client).add_message("s1", ChatMessage(role="user", content="c"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert [str(m.content) for m in ZepChatStore(client=client).get_messages("s1")] == [
            "a",
            "b",
            "c",
        ]
        assert len(ZepChatMessageHistory("s1", client=client).messages) == 3


class Point:
    """Not JSON."""


@pytest.mark.parametrize(
    "value",
    [
        float("nan"),
        float("inf"),
        datetime.datetime(2026, 1, 1),
        {1, 2},
        b"raw",
        Point(),
        {"nested": [float("-inf")]},
        2**70,
    ],
    ids=["nan", "inf", "datetime", "set", "bytes", "object", "nested-inf", "int-past-64-bits"],
)
def test_llama_index_refuses_values_json_would_rewrite(
    mode: str, tmp_path: Path, value: Any
) -> None:
    """additional_kwargs that would not read back equal raise TypeError; nothing stored changes."""
    db = tmp_path / "z.db"
    sync, asyn = ZepClient(db_path=db), AsyncZepClient(db_path=db)
    store = ZepChatStore(client=sync, async_client=asyn)
    store.add_message("s1", ChatMessage(role="user", content="keep"))
    before = snapshot(db)
    bad = ChatMessage(role="user", content="x", additional_kwargs={"v": value})
    with pytest.raises(TypeError, match="would not read back the same"):
        run_maybe_async(
            mode, lambda: store.add_message("s1", bad), lambda: store.async_add_message("s1", bad)
        )
    with pytest.raises(TypeError, match="would not read back the same"):
        run_maybe_async(
            mode,
            lambda: store.set_messages("s1", [bad]),
            lambda: store.aset_messages("s1", [bad]),
        )
    assert snapshot(db) == before


def test_llama_index_refuses_nan_in_tool_call_arguments() -> None:
    """A tool call block whose arguments hold NaN is refused, not stored as null."""
    from zep_integrations.llama_index import message_to_zep

    block = ToolCallBlock(tool_name="f", tool_kwargs={"x": float("nan")})
    with pytest.raises(TypeError, match=r"blocks\[0\].tool_kwargs"):
        message_to_zep(ChatMessage(role="assistant", blocks=[block]))


def test_llama_index_keeps_exact_values_exact(tmp_path: Path) -> None:
    """JSON-exact additional_kwargs (and tool calls) round-trip unchanged."""
    store = ZepChatStore(client=ZepClient(db_path=tmp_path / "z.db"))
    kwargs = {"f": 1.5, "i": 2**62, "s": "é", "l": [1, None, True], "d": {"k": {"k": "v"}}}
    block = ToolCallBlock(tool_name="f", tool_kwargs={"x": 1})
    message = ChatMessage(role="assistant", blocks=[block], additional_kwargs=kwargs)
    store.add_message("s1", message)
    assert store.get_messages("s1") == [message]
