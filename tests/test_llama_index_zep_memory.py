"""zep_memory() and ZepMemoryBlock with LlamaIndex 0.14 Memory and FunctionAgent (embedded server).

Request budget per agent turn on a known session, asserted below on v2, v3 and v4: **two writes
and no read** (the user's message, written with Zep's context returned, then the reply with its
tool calls).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from llama_index.core.agent.workflow import FunctionAgent
from llama_index.core.llms import ChatMessage, MessageRole
from llama_index.core.llms.mock import MockFunctionCallingLLMWithChatMemoryOfLastCall
from llama_index.core.memory import Memory
from llama_index.core.storage.chat_store.base_db import MessageStatus
from llama_index.core.utils import get_tokenizer

from tests.conftest import VERSIONS
from tests.llama_index_support import Counted, counted_clients, mock_settings
from tests.version_support import (
    context_kind,
    creation_kinds,
    owner,
    read_kind,
    stored_messages,
    write_kind,
)
from zep_integrations.llama_index import (
    ZepAgentMemory,
    ZepMemoryBlock,
    ZepMirrorChatStore,
    zep_memory,
)

ROOT = Path(__file__).resolve().parent.parent
POST, GET = "POST sessions/s1/memory", "GET sessions/s1/memory"
QUESTIONS = ["I live in Paris and love hiking", "My cat is called Tom", "Where do I live?"]

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:inspect")


@pytest.fixture(autouse=True)
def _mock_settings() -> Iterator[None]:
    with mock_settings():
        yield


@pytest.fixture
def zep(tmp_path: Path, version: str) -> Counted:
    return counted_clients(tmp_path / "z.db", version)


def memory_for(zep: Counted, **kwargs: Any) -> ZepAgentMemory:
    return zep_memory("s1", client=zep.client, async_client=zep.async_client, **kwargs)


def stored(zep: Counted, session: str = "s1") -> list[tuple[str | None, str]]:
    """The session's messages in Zep (this read is not counted as the adapters' traffic)."""
    before = len(zep.requests)
    out = [(m.role_type, m.content) for m in stored_messages(zep.client, session)]
    del zep.requests[before:]
    return out


def system_text(messages: list[ChatMessage]) -> str:
    return "\n".join(m.content or "" for m in messages if m.role is MessageRole.SYSTEM)


@pytest.mark.parametrize("version", VERSIONS)
async def test_agent_three_runs_store_every_message_and_see_context(zep: Counted) -> None:
    """Each run leaves every user and assistant message in Zep; Zep's context reaches the LLM.

    The budget is the same on v2, v3 and v4: two writes a turn, the first of which returns the
    context (v3/v4 ``return_context`` on ``POST threads/{id}/messages``), so no read.
    """
    llm = MockFunctionCallingLLMWithChatMemoryOfLastCall()
    agent = FunctionAgent(llm=llm, tools=[], system_prompt="You are helpful.")
    memory = memory_for(zep)
    expected: list[tuple[str | None, str]] = []
    for turn, question in enumerate(QUESTIONS):
        answer = await agent.run(question, memory=memory)
        requests = zep.take()
        expected += [("user", question), ("assistant", str(answer))]
        assert stored(zep) == expected
        seen = system_text(llm.last_chat_messages)
        # From the first turn on: Zep's context already covers the message of this very turn.
        assert "<zep_memory>" in seen and "Paris" in seen
        write = write_kind(zep.client, "s1")
        if turn:
            assert ("Tom" in seen) is (turn >= 1)
            assert requests == [write, write]  # the budget: two writes, no read
        elif zep.client.api_version != "v2":
            # v3/v4: the restore check finds no thread (v4: the non-UUID key is looked up);
            # a thread is never created by a write and always has a user, so the first write
            # creates both (without user_id, a user named like the session), then writes.
            check = (
                "POST threads/lookup"
                if zep.client.api_version == "v4"
                else "GET threads/s1/messages"
            )
            assert requests == [check, *creation_kinds(zep.client, new_user=True), write, write]
        else:
            # v2: the one-time restore check of a new key; the write creates the session.
            assert requests == [read_kind(zep.client, "s1"), write, write]


@pytest.mark.parametrize("version", VERSIONS)
async def test_user_owned_session_is_created_once(zep: Counted) -> None:
    """With user_id, the first turn creates user and session; later turns are two writes."""
    agent = FunctionAgent(llm=MockFunctionCallingLLMWithChatMemoryOfLastCall(), tools=[])
    memory = memory_for(zep, user_id="jane")
    await agent.run("hello", memory=memory)
    first = zep.take()
    write = write_kind(zep.client, "s1")
    assert "POST users" in first and first.count(write) == 2
    await agent.run("again", memory=memory)
    assert zep.take() == [write, write]
    assert owner(zep.client, "s1", "jane")


@pytest.mark.parametrize("version", VERSIONS)
async def test_fresh_process_continues_the_conversation(
    zep: Counted, tmp_path: Path, version: str
) -> None:
    """A new interpreter with the same session sees the earlier turns and adds its own once.

    On v4 the session is the thread UUID the app stored: the only name another process can
    reach a v4 thread by.
    """
    session = "s1"
    if version == "v4":
        session = zep.client.create_user_and_thread("jane").session_id
        zep.take()
    agent = FunctionAgent(llm=MockFunctionCallingLLMWithChatMemoryOfLastCall(), tools=[])
    memory = zep_memory(session, client=zep.client, async_client=zep.async_client)
    for question in QUESTIONS[:2]:
        await agent.run(question, memory=memory)
    script = textwrap.dedent(
        """
        import asyncio, json, sys
        from llama_index.core import Settings
        from llama_index.core.agent.workflow import FunctionAgent
        from llama_index.core.embeddings import MockEmbedding
        from llama_index.core.llms import MockLLM
        from llama_index.core.llms.mock import MockFunctionCallingLLMWithChatMemoryOfLastCall
        from zep_integrations import ZepClient
        from zep_integrations.llama_index import zep_memory

        Settings.llm, Settings.embed_model = MockLLM(), MockEmbedding(embed_dim=8)
        llm = MockFunctionCallingLLMWithChatMemoryOfLastCall()
        client = ZepClient(db_path=sys.argv[1], api_version=sys.argv[2])
        memory = zep_memory(sys.argv[3], client=client)

        async def main():
            await FunctionAgent(llm=llm, tools=[]).run("Where do I live?", memory=memory)

        asyncio.run(main())
        print(json.dumps([[m.role.value, m.content] for m in llm.last_chat_messages]))
        """
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "z.db"), version, session],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    seen = [(role, text) for role, text in json.loads(out.strip().splitlines()[-1])]
    dialogue = [(role, text) for role, text in seen if role != "system"]
    assert dialogue[:4] == [
        ("user", QUESTIONS[0]),
        ("assistant", QUESTIONS[0]),
        ("user", QUESTIONS[1]),
        ("assistant", QUESTIONS[1]),
    ]
    assert dialogue[-1] == ("user", "Where do I live?")
    assert "Paris" in "\n".join(text or "" for role, text in seen if role == "system")
    assert [text for _, text in stored(zep, session)] == [
        QUESTIONS[0],
        QUESTIONS[0],
        QUESTIONS[1],
        QUESTIONS[1],
        "Where do I live?",
        "Where do I live?",
    ]


TINY = {"token_limit": 60, "chat_history_token_ratio": 0.5, "token_flush_size": 20}


def chatter(n: int) -> list[ChatMessage]:
    return [
        ChatMessage(role="user" if i % 2 == 0 else "assistant", content=f"I live in Paris, tea {i}")
        for i in range(n)
    ]


@pytest.mark.parametrize("version", VERSIONS)
async def test_tiny_token_limit_flushes_without_storing_twice(zep: Counted) -> None:
    """Memory archives old turns locally while Zep holds each message exactly once."""
    memory = memory_for(zep, **TINY)
    for message in chatter(10):
        await memory.aput(message)
    assert await memory.sql_store.count_messages("s1", MessageStatus.ARCHIVED) > 0
    assert [text for _, text in stored(zep)] == [m.content for m in chatter(10)]


async def test_hand_built_memory_with_default_block_does_not_resend(zep: Counted) -> None:
    """A block that accepts flushes still sends nothing the mirror store already sent."""
    store = ZepMirrorChatStore(client=zep.client, async_client=zep.async_client)
    block = ZepMemoryBlock(client=zep.client, async_client=zep.async_client)
    assert block.accept_short_term_memory
    memory = Memory.from_defaults(session_id="s1", chat_store=store, memory_blocks=[block], **TINY)
    for message in chatter(10):
        await memory.aput(message)
    assert await store.count_messages("s1", MessageStatus.ARCHIVED) > 0
    assert [text for _, text in stored(zep)] == [m.content for m in chatter(10)]


@pytest.mark.parametrize("version", VERSIONS)
async def test_standalone_block_writes_flushed_messages_and_reads_once_a_turn(
    zep: Counted,
) -> None:
    """With LlamaIndex's own store, the block writes what Memory flushes and reads once a turn.

    The read is one request on every version: v3/v4 read the context block alone.
    """
    block = ZepMemoryBlock(client=zep.client, async_client=zep.async_client)
    memory = Memory.from_defaults(session_id="s1", memory_blocks=[block], **TINY)
    for message in chatter(10):
        await memory.aput(message)
    flushed = stored_messages(zep.client, "s1")
    assert flushed and [m.content for m in flushed] == [m.content for m in chatter(len(flushed))]
    assert all("session_id" not in json.dumps(m.metadata) for m in flushed)  # Memory's stamp
    zep.take()
    llm = MockFunctionCallingLLMWithChatMemoryOfLastCall()
    agent = FunctionAgent(llm=llm, tools=[])
    other = Memory.from_defaults(session_id="s1", memory_blocks=[block])
    for question in ("Where do I live?", "Where do I live?"):  # same text, two turns
        await agent.run(question, memory=other)
        # Memory.aget runs the block twice per turn; the cache keeps it to one read.
        read = GET if zep.client.api_version == "v2" else context_kind(zep.client, "s1")
        assert zep.take() == [read]
        assert "Paris" in system_text(llm.last_chat_messages)


async def test_block_takes_session_from_memory_and_needs_one(zep: Counted) -> None:
    """Without a fixed session the block uses Memory's; used alone without one it says so."""
    text = "I live in Lyon and grow tomatoes"
    zep.client.add_memory("s1", [{"role_type": "user", "content": text}])
    block = ZepMemoryBlock(client=zep.client, async_client=zep.async_client)
    memory = Memory.from_defaults(session_id="s1", memory_blocks=[block])
    assert "tomatoes" in system_text(await memory.aget())
    with pytest.raises(ValueError, match="session_id"):
        await block.aget([])


async def test_block_is_truncated_not_dropped(zep: Counted) -> None:
    """When Memory must cut, the Zep block keeps its first lines instead of vanishing."""
    facts = [f"I like item number {i} very much" for i in range(30)]
    zep.client.add_memory("s1", [{"role_type": "user", "content": fact} for fact in facts])
    block = ZepMemoryBlock(client=zep.client, async_client=zep.async_client)
    full = await block.aget([], session_id="s1")
    assert len(full.splitlines()) > 10
    cut = await block.atruncate(full, 60)
    assert cut is not None
    items = [line for line in full.splitlines() if line.lstrip().startswith("- ")]
    kept = [line for line in cut.splitlines() if line.lstrip().startswith("- ")]
    headers = [line for line in full.splitlines() if line not in items]
    assert [line for line in cut.splitlines() if line not in kept] == headers  # structure stays
    assert 0 < len(kept) < len(items) and all(line in items for line in kept)
    tokens = get_tokenizer()
    assert len(tokens(full)) - len(tokens(cut)) >= 60
    assert await block.atruncate(full, 10**6) is None
    assert await block.atruncate(full, 0) == full
    memory = Memory.from_defaults(session_id="s1", memory_blocks=[block], token_limit=200)
    await memory.aput(ChatMessage(role="user", content="What do I like?"))
    shown = system_text(await memory.aget())
    assert "<zep_memory>" in shown and "item number" in shown
    assert len(shown) < len(full)


def test_priority_default_is_documented() -> None:
    """The default priority is 1 (truncatable), and the docstring says LlamaIndex cuts it first."""
    block = ZepMemoryBlock(session_id="s1")
    assert block.priority == 1
    assert "priority 1 is cut first" in " ".join((ZepMemoryBlock.__doc__ or "").split())


def test_zep_memory_rejects_an_empty_session() -> None:
    """An empty session id is a ValueError that says what to pass."""
    with pytest.raises(ValueError, match="non-empty session_id"):
        zep_memory("")
