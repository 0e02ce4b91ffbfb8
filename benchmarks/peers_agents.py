"""The ``create_agent`` section of ``peers_bench.py``: one agent turn with memory, three ways.

* floor: the agent with ``InMemorySaver`` only (no long-term memory);
* peer: the same agent with LangGraph's ``SqliteStore`` (``AsyncSqliteStore`` when async) and a
  hand-written memory middleware: load the thread's last 10 messages from the store before the
  agent, show them in the system message, save the turn's new messages after it (one batch);
* ours: the same agent with ``ZepMemoryMiddleware`` on the embedded default;
* a middleware with empty ``before_agent``/``after_agent`` hooks: what LangGraph charges for the
  two extra graph nodes alone, before any memory work.

All three use the same fake model, so the difference is the memory's cost. A round of N turns is
N/10 fresh threads of 10 turns, like the other chat sections.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from langchain.agents import create_agent
from langchain.agents.middleware import AgentMiddleware, AgentState, ModelRequest
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.store.base import BaseStore, PutOp
from langgraph.store.sqlite import SqliteStore
from langgraph.store.sqlite.aio import AsyncSqliteStore
from typing_extensions import NotRequired

from zep_integrations import ZepClient
from zep_integrations.langchain import ZepMemoryMiddleware

THREAD_TURNS = 10


class FixedModel(BaseChatModel):
    """Always answers the same; ``_agenerate`` keeps async runs on the event loop."""

    @property
    def _llm_type(self) -> str:
        return "fixed"

    def _generate(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=AIMessage("Noted, thanks."))])

    async def _agenerate(
        self, messages: list[BaseMessage], *args: Any, **kwargs: Any
    ) -> ChatResult:
        return self._generate(messages)

    def bind_tools(self, tools: Any, **kwargs: Any) -> FixedModel:  # type: ignore[override]
        return self


class PeerState(AgentState[Any]):
    """The loaded memory, kept in state between the load and the model call."""

    memory: NotRequired[str]


class NoopNodes(AgentMiddleware):  # type: ignore[type-arg]
    """Empty before/after-agent hooks: what the two extra graph nodes alone cost."""

    def before_agent(self, state: Any, runtime: Any) -> None:
        return None

    async def abefore_agent(self, state: Any, runtime: Any) -> None:
        return None

    def after_agent(self, state: Any, runtime: Any) -> None:
        return None

    async def aafter_agent(self, state: Any, runtime: Any) -> None:
        return None


class StoreMemory(AgentMiddleware):  # type: ignore[type-arg]
    """The peer: what a developer writes by hand on a LangGraph store."""

    state_schema = PeerState

    def __init__(self, store: BaseStore | None = None) -> None:
        super().__init__()
        self.store = store

    def _ns(self, runtime: Any) -> tuple[str, ...]:
        return ("chat", runtime.execution_info.thread_id)

    def _saves(self, state: Any, runtime: Any) -> list[PutOp]:
        ns = self._ns(runtime)
        return [
            PutOp(ns, m.id, {"type": m.type, "content": m.text})
            for m in state["messages"]
            if m.type in ("human", "ai")
        ]

    def before_agent(self, state: Any, runtime: Any) -> dict[str, Any]:
        items = runtime.store.search(self._ns(runtime), limit=10)
        return {"memory": "\n".join(i.value["content"] for i in items)}

    async def abefore_agent(self, state: Any, runtime: Any) -> dict[str, Any]:
        items = await runtime.store.asearch(self._ns(runtime), limit=10)
        return {"memory": "\n".join(i.value["content"] for i in items)}

    def _request(self, request: ModelRequest) -> ModelRequest:  # type: ignore[type-arg]
        text = (
            (request.system_message.text if request.system_message else "")
            + "\n"
            + (request.state.get("memory") or "")
        )
        return request.override(system_message=SystemMessage(text))

    def wrap_model_call(self, request: Any, handler: Any) -> Any:
        return handler(self._request(request))

    async def awrap_model_call(self, request: Any, handler: Any) -> Any:
        return await handler(self._request(request))

    def after_agent(self, state: Any, runtime: Any) -> None:
        runtime.store.batch(self._saves(state, runtime))

    async def aafter_agent(self, state: Any, runtime: Any) -> None:
        await runtime.store.abatch(self._saves(state, runtime))


def _turns_sync(agent: Any) -> Callable[[int], None]:
    def run(turns: int) -> None:
        for start in range(0, turns, THREAD_TURNS):
            config = {"configurable": {"thread_id": uuid.uuid4().hex}}
            for i in range(min(THREAD_TURNS, turns - start)):
                agent.invoke({"messages": [HumanMessage(f"My favourite number is {i}.")]}, config)

    return run


def _turns_async(make_agent: Callable[[], Awaitable[tuple[Any, Any]]]) -> Any:
    async def run(turns: int) -> None:
        agent, close = await make_agent()
        try:
            for start in range(0, turns, THREAD_TURNS):
                config = {"configurable": {"thread_id": uuid.uuid4().hex}}
                for i in range(min(THREAD_TURNS, turns - start)):
                    await agent.ainvoke(
                        {"messages": [HumanMessage(f"My favourite number is {i}.")]}, config
                    )
        finally:
            await close()

    return run


def agent_section(
    tmp: Path,
    rounds: int,
    turns: int,
    *,
    contender: Any,
    run_interleaved: Any,
    table: Any,
    counted_clients: Any,
    counter: Any,
    per_turn: Any,
) -> str:
    """Run the agent rows (sync and async) and return their tables."""
    model = FixedModel()
    conn = sqlite3.connect(tmp / "agent-store.db", check_same_thread=False, isolation_level=None)
    sqlite_store = SqliteStore(conn)
    sqlite_store.setup()
    embedded = ZepClient(db_path=tmp / "agent-embedded.db")

    floor = create_agent(model, checkpointer=InMemorySaver())
    peer = create_agent(
        model, middleware=[StoreMemory()], checkpointer=InMemorySaver(), store=sqlite_store
    )
    noop = create_agent(model, middleware=[NoopNodes()], checkpointer=InMemorySaver())
    ours = create_agent(
        model, middleware=[ZepMemoryMiddleware(embedded)], checkpointer=InMemorySaver()
    )

    async def nothing() -> None:
        return None

    async def floor_async() -> tuple[Any, Any]:
        return floor, nothing

    async def peer_async() -> tuple[Any, Any]:
        manager = AsyncSqliteStore.from_conn_string(str(tmp / "agent-astore.db"))
        store = await manager.__aenter__()
        await store.setup()
        agent = create_agent(
            model, middleware=[StoreMemory()], checkpointer=InMemorySaver(), store=store
        )

        async def close() -> None:
            await manager.__aexit__(None, None, None)

        return agent, close

    async def noop_async() -> tuple[Any, Any]:
        return noop, nothing

    async def ours_async() -> tuple[Any, Any]:
        return ours, nothing

    rows = [
        contender("create_agent + InMemorySaver (floor)", _turns_sync(floor)),
        contender("+ SqliteStore, hand-written load/save (peer)", _turns_sync(peer)),
        contender("+ empty before/after_agent hooks (no I/O)", _turns_sync(noop)),
        contender("+ ZepMemoryMiddleware, embedded", _turns_sync(ours)),
        contender(
            "async create_agent + InMemorySaver (floor)", round_async=_turns_async(floor_async)
        ),
        contender(
            "async + AsyncSqliteStore, hand-written (peer)", round_async=_turns_async(peer_async)
        ),
        contender("async + empty before/after_agent hooks", round_async=_turns_async(noop_async)),
        contender("async + ZepMemoryMiddleware, embedded", round_async=_turns_async(ours_async)),
    ]
    rows[1].per_turn = rows[5].per_turn = "1 search + 1 batch"
    rows[2].per_turn = rows[6].per_turn = "0"
    count = counter()
    c, ac = counted_clients(count, db_path=tmp / "agent-embedded.db")
    counted = create_agent(
        model,
        middleware=[ZepMemoryMiddleware(c, async_client=ac)],
        checkpointer=InMemorySaver(),
    )
    rows[3].per_turn = per_turn(count, _turns_sync(counted))

    async def counted_async() -> tuple[Any, Any]:
        return counted, nothing

    rows[7].per_turn = per_turn(count, _turns_async(counted_async))
    run_interleaved(rows, rounds, turns)
    sync_rows, async_rows = rows[:4], rows[4:]
    out = [
        table("Agent turn (sync)", "ms", sync_rows, sync_rows[1].name, sync_rows[0].name),
        "",
        table("Agent turn (async)", "ms", async_rows, async_rows[1].name, async_rows[0].name),
    ]
    embedded.close()
    conn.close()
    return "\n".join(out)
