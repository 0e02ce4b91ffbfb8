"""ZepMemory and zep_memory() survive a workflow Context to_dict/from_dict round trip.

The payload goes through ``JsonSerializer(allowed_types=[...])`` and plain JSON; it must hold no
client and no API key, and the restored memory must keep working (llama_index issue 19228 is the
failure to avoid). The restored objects build their client from the environment, which the
``conftest`` points at a private embedded database.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from llama_index.core.agent.workflow import FunctionAgent
from llama_index.core.llms.mock import MockFunctionCallingLLMWithChatMemoryOfLastCall
from llama_index.core.memory import Memory
from llama_index.core.memory.memory_blocks import StaticMemoryBlock
from llama_index.core.storage.chat_store.sql import SQLAlchemyChatStore
from llama_index.core.workflow import Context, JsonSerializer

from tests.conftest import VERSIONS
from tests.llama_index_support import mock_settings
from tests.version_support import stored
from zep_integrations import ZepClient
from zep_integrations.llama_index import ZepAgentMemory, ZepMemory, ZepMirrorChatStore, zep_memory
from zep_integrations.server import embedded_server

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:inspect")
SECRET = "z_secret-key-that-must-not-leak"


@pytest.fixture(autouse=True)
def _mock_settings() -> Iterator[None]:
    with mock_settings():
        yield


def agent() -> FunctionAgent:
    return FunctionAgent(llm=MockFunctionCallingLLMWithChatMemoryOfLastCall(), tools=[])


async def round_trip(memory: Any, allowed: list[type[Any]]) -> tuple[Any, str]:
    """Run one turn with ``memory`` in a Context, serialize it, restore it; return memory + JSON."""
    workflow = agent()
    ctx = Context(workflow)
    await workflow.run("I live in Paris and love hiking", memory=memory, ctx=ctx)
    serializer = JsonSerializer(allowed_types=allowed)
    payload = json.dumps(ctx.to_dict(serializer=serializer))
    restored = Context.from_dict(workflow, json.loads(payload), serializer=serializer)
    return await restored.store.get("memory"), payload


def history(zep: ZepClient, session: str) -> list[str]:
    return stored(zep, session)


@pytest.mark.parametrize("version", VERSIONS)
async def test_zep_memory_result_round_trips_and_works(
    monkeypatch: pytest.MonkeyPatch, version: str
) -> None:
    """The restored zep_memory() keeps its settings and goes on storing and reading Zep.

    The restored object builds its client from the environment, so the API version comes from
    ``ZEP_API_VERSION`` there. On v4 the session is the thread UUID the app stored (a v4
    thread has no other name a new process could find it by).
    """
    monkeypatch.setenv("ZEP_API_VERSION", version)
    session = "s1"
    if version == "v4":
        session = ZepClient().create_user_and_thread("jane").session_id
    memory = zep_memory(session, token_limit=5000, user_id="jane")
    restored, payload = await round_trip(memory, [ZepAgentMemory])
    assert isinstance(restored, ZepAgentMemory) and restored is not memory
    assert restored.session_id == session and restored.token_limit == 5000
    assert isinstance(restored.sql_store, ZepMirrorChatStore)
    assert restored.sql_store.user_id == "jane"
    assert "ZepClient" not in payload and "api_key" not in payload
    # The in-memory queue was not in the payload: the restored store restores it from Zep.
    llm = MockFunctionCallingLLMWithChatMemoryOfLastCall()
    await FunctionAgent(llm=llm, tools=[]).run("Where do I live?", memory=restored)
    assert [m.content for m in llm.last_chat_messages if m.role.value != "system"] == [
        "I live in Paris and love hiking",
        "I live in Paris and love hiking",
        "Where do I live?",
    ]
    assert "Paris" in (llm.last_chat_messages[0].content or "")
    assert len(history(ZepClient(), session)) == 4


async def test_file_queue_url_is_kept_but_never_a_password(tmp_path: Path) -> None:
    """A SQLite-file queue reopens after restore; a URL with a password is left out."""
    uri = f"sqlite+aiosqlite:///{tmp_path / 'queue.db'}"
    memory = zep_memory("s2", async_database_uri=uri)
    restored, _ = await round_trip(memory, [ZepAgentMemory])
    inner = restored.sql_store.inner
    assert isinstance(inner, SQLAlchemyChatStore) and inner.async_database_uri == uri
    assert len(await restored.aget_all()) == 2
    guarded = zep_memory("s3", async_database_uri="postgresql+asyncpg://u:hunter2@db/x")
    data = guarded.to_dict()
    assert "hunter2" not in json.dumps(data) and data["zep_store"]["inner"] is None


def test_payload_never_holds_the_api_key(tmp_path: Path) -> None:
    """A memory whose client carries a key serializes without it (and without the client)."""
    server = embedded_server(tmp_path / "z.db")
    client = ZepClient(
        api_key=SECRET,
        base_url="http://zep.test",
        http_client=httpx.Client(transport=server.transport()),
    )
    payload = json.dumps(JsonSerializer().serialize_value(zep_memory("s1", client=client)))
    assert SECRET not in payload and "zep.test" not in payload


async def test_zep_memory_with_other_blocks_refuses_to_serialize() -> None:
    """Blocks that cannot be rebuilt make to_dict fail loudly instead of being dropped."""
    memory = zep_memory("s1", memory_blocks=[StaticMemoryBlock(name="st", static_content="x")])
    with pytest.raises(TypeError, match="other blocks"):
        memory.to_dict()


async def test_zep_memory_not_allowed_is_refused() -> None:
    """Without ZepAgentMemory in allowed_types the payload does not deserialize."""
    workflow = agent()
    ctx = Context(workflow)
    await workflow.run("hi", memory=zep_memory("s1"), ctx=ctx)
    data = ctx.to_dict(serializer=JsonSerializer(allowed_types=[Memory]))
    restored = Context.from_dict(workflow, data, serializer=JsonSerializer(allowed_types=[Memory]))
    with pytest.raises(ValueError, match="allowed types"):
        await restored.store.get("memory")


async def test_legacy_zep_memory_round_trips_and_works() -> None:
    """ZepMemory (the BaseMemory) survives the round trip and reads the same session."""
    memory = ZepMemory.from_defaults(session_id="legacy")
    restored, payload = await round_trip(memory, [ZepMemory])
    assert isinstance(restored, ZepMemory) and restored.session_id == "legacy"
    assert "ZepClient" not in payload and "api_key" not in payload
    messages = await restored.aget_all()
    assert messages[0].content == "I live in Paris and love hiking"
