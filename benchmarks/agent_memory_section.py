"""The LlamaIndex ``FunctionAgent`` + ``Memory`` section of ``peers_bench.py``.

A turn is ``await agent.run(text, memory=memory)`` with LlamaIndex's mock function-calling LLM
(no tools), ten turns per fresh session. Contenders, interleaved in one run:

* ``Memory.from_defaults()`` on LlamaIndex's default in-memory aiosqlite store (floor);
* ``Memory.from_defaults(async_database_uri="sqlite+aiosqlite:///file")`` (the peer: durable,
  no long-term memory);
* ``zep_memory()`` on the embedded server (durable, every message in Zep, Zep's context in the
  prompt), its short-term queue in LlamaIndex's default in-memory store.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from peers_bench import (
    SESSION_TURNS,
    Contender,
    Counter,
    counted_clients,
    per_turn,
    run_interleaved,
    table,
)


def agent_memory_section(tmp: Path, rounds: int, turns: int) -> str:
    """Measure a FunctionAgent turn with each memory; return the table."""
    from llama_index.core.agent.workflow import FunctionAgent
    from llama_index.core.llms.mock import MockFunctionCallingLLMWithChatMemoryOfLastCall
    from llama_index.core.memory import Memory
    from sqlalchemy import event
    from sqlalchemy.ext.asyncio import create_async_engine

    from zep_integrations import ZepClient
    from zep_integrations.llama_index import zep_memory

    agent = FunctionAgent(
        llm=MockFunctionCallingLLMWithChatMemoryOfLastCall(), tools=[], system_prompt="Be brief."
    )
    peer_engine = create_async_engine(f"sqlite+aiosqlite:///{tmp / 'li-memory-peer.db'}")
    sql_counter = Counter()
    event.listen(peer_engine.sync_engine, "before_cursor_execute", sql_counter.sql)
    embedded = ZepClient(db_path=tmp / "li-agent-embedded.db")
    counter = Counter()
    c, ac = counted_clients(counter, db_path=tmp / "li-agent-embedded.db")

    def floor(sid: str) -> Any:
        return Memory.from_defaults(session_id=sid)

    def peer(sid: str) -> Any:
        return Memory.from_defaults(session_id=sid, async_engine=peer_engine)

    def zep(client: ZepClient, aclient: Any = None) -> Callable[[str], Any]:
        return lambda sid: zep_memory(sid, client=client, async_client=aclient)

    def rounds_of(make: Callable[[str], Any]) -> Callable[[int], Awaitable[None]]:
        async def run(n: int) -> None:
            for start in range(0, n, SESSION_TURNS):
                memory = make(uuid.uuid4().hex)
                for i in range(min(SESSION_TURNS, n - start)):
                    await agent.run(f"My favourite number is {i}.", memory=memory)

        return run

    rows = [
        Contender("Memory, default in-memory store (floor)", round_async=rounds_of(floor)),
        Contender("Memory, aiosqlite file store (peer)", round_async=rounds_of(peer)),
        Contender("zep_memory(), embedded", round_async=rounds_of(zep(embedded))),
    ]
    rows[1].per_turn = per_turn(sql_counter, rounds_of(peer)) + " SQL"
    rows[2].per_turn = per_turn(counter, rounds_of(zep(c, ac)))
    run_interleaved(rows, rounds, turns)
    embedded.close()
    return table("LlamaIndex FunctionAgent turn (async)", "ms", rows, rows[1].name, rows[0].name)
