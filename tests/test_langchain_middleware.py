"""ZepMemoryMiddleware contract: offline on the embedded server, sync and async, fake model."""

from __future__ import annotations

import asyncio
import sqlite3
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from langchain.agents import create_agent
from langchain.agents.middleware import HumanInTheLoopMiddleware, SummarizationMiddleware
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from langchain_core.tools import tool
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command

from tests.agent_support import RecordingChatModel, scripted
from tests.conftest import VERSIONS
from tests.langchain_support import Wire, make_wire
from tests.test_faults import Faulty, clients, reply
from tests.version_support import creation_kinds, owner, read_kind, thread_of, write_kind
from tests.version_support import stored as version_stored
from zep_integrations import ServerError, _sessions
from zep_integrations.langchain import ZepMemoryMiddleware
from zep_integrations.server import ZepServer

FIRST = "My name is Jane and I love hiking in the Alps"
SECOND = "Where should I go hiking next summer?"


@pytest.fixture
def wire(tmp_path: Path, version: str) -> Wire:
    return make_wire(tmp_path / "zep.db", version)


def zmw(wire: Wire, **kwargs: Any) -> ZepMemoryMiddleware:
    """The middleware on the wire's recording sync and async clients."""
    return ZepMemoryMiddleware(wire.client, async_client=wire.aclient, **kwargs)


def cfg(thread: str = "t1") -> dict[str, Any]:
    return {"configurable": {"thread_id": thread}}


def run(mode: str, agent: Any, value: Any, config: dict[str, Any], **kwargs: Any) -> Any:
    """``invoke`` or ``ainvoke`` of the agent."""
    if mode == "sync":
        return agent.invoke(value, config, **kwargs)
    return asyncio.run(agent.ainvoke(value, config, **kwargs))


def say(text: str) -> dict[str, Any]:
    return {"messages": [HumanMessage(text)]}


def stored(wire: Wire, session: str = "t1") -> list[str]:
    return version_stored(wire.client, session)


@pytest.mark.parametrize("version", VERSIONS)
def test_two_turns_save_each_message_once_and_show_context(mode: str, wire: Wire) -> None:
    """Turn 1 saves input and reply; turn 2 shows the model Zep's context; budget then 2."""
    model = RecordingChatModel()
    memory = zmw(wire)
    agent = create_agent(
        model, system_prompt="Be brief.", middleware=[memory], checkpointer=InMemorySaver()
    )

    run(mode, agent, say(FIRST), cfg(), context={"user_id": "jane"})
    assert wire.clients_used() == {mode}
    # First turn of a new user: the session and its user are created (v2/v3: a session/thread
    # create answered "user not found", the user, the session again; v4: lookups of the thread
    # id and the user, then both created), then the input is saved with the context returned,
    # then the reply.
    write = write_kind(wire.client, "t1")
    assert wire.take() == [*creation_kinds(wire.client, new_user=True), write, write]
    out = run(mode, agent, say(SECOND), cfg(), context={"user_id": "jane"})
    # The documented budget of a turn once the session is known, on every version: two writes.
    assert wire.take() == [write, write]

    assert stored(wire) == [FIRST, f"reply 1: {FIRST}", SECOND, f"reply 2: {SECOND}"]
    assert owner(wire.client, "t1", "jane")
    system = model.seen[-1][0]
    assert isinstance(system, SystemMessage)
    assert system.text.startswith("Be brief.")
    assert "<ZEP_CONTEXT>" in system.text and "hiking in the Alps" in system.text
    # The context is shown to the model only: not in the history, not in the output.
    for message in out["messages"]:
        assert "ZEP_CONTEXT" not in message.text
    assert [m.type for m in out["messages"]] == ["human", "ai", "human", "ai"]
    assert set(out) == {"messages"}


def test_no_system_prompt_gets_one_with_the_context(mode: str, wire: Wire) -> None:
    """Without a system prompt the model still gets the context, as its own system message."""
    model = RecordingChatModel()
    agent = create_agent(model, middleware=[zmw(wire)], checkpointer=InMemorySaver())
    run(mode, agent, say(FIRST), cfg(), context={"user_id": "jane"})
    run(mode, agent, say(SECOND), cfg(), context={"user_id": "jane"})
    first, *rest = model.seen[-1]
    assert isinstance(first, SystemMessage) and first.text.startswith("<ZEP_CONTEXT>")
    assert [m.type for m in rest] == ["human", "ai", "human"]


def test_without_a_checkpointer_each_turn_is_saved_once(mode: str, wire: Wire) -> None:
    """No checkpointer: each invoke's input and reply are saved once; the session is reused."""
    model = RecordingChatModel()
    agent = create_agent(model, middleware=[zmw(wire)])
    for text in (FIRST, SECOND, "third"):
        run(mode, agent, say(text), cfg("nock"))
    kinds = wire.take()
    assert stored(wire, "nock") == [
        FIRST,
        f"reply 1: {FIRST}",
        SECOND,
        f"reply 2: {SECOND}",
        "third",
        "reply 3: third",
    ]
    # Only the first turn created the session (no user: one request).
    assert kinds.count("POST sessions") == 1
    assert kinds.count("POST sessions/nock/memory") == 6


@pytest.mark.parametrize("version", VERSIONS)
def test_load_history_seeds_an_empty_thread_only(mode: str, wire: Wire) -> None:
    """load_history=N gives a checkpointer-less app the last N messages, marked as saved."""
    first = RecordingChatModel()
    agent = create_agent(first, middleware=[zmw(wire)])
    run(mode, agent, say(FIRST), cfg("h"))
    run(mode, agent, say(SECOND), cfg("h"))

    # A new process (new middleware, no checkpointer) continues the conversation.
    model = RecordingChatModel()
    memory = zmw(wire, load_history=3)
    agent = create_agent(model, middleware=[memory], checkpointer=InMemorySaver())
    wire.take()
    out = run(mode, agent, say("third"), cfg("h"))
    # One window read (no context read on v3/v4: the save returns it), then two writes.
    write = write_kind(wire.client, "h")
    assert wire.take() == [read_kind(wire.client, "h"), write, write]
    seen = [m.text for m in model.seen[-1] if not isinstance(m, SystemMessage)]
    assert seen == [f"reply 1: {FIRST}", SECOND, f"reply 2: {SECOND}", "third"]
    assert [m.text for m in out["messages"]] == [*seen, "reply 1: third"]
    # Loaded messages are not saved again.
    assert stored(wire, "h")[4:] == ["third", "reply 1: third"]
    assert len(stored(wire, "h")) == 6

    # The thread now has a history: the next turn loads nothing.
    wire.take()
    run(mode, agent, say("fourth"), cfg("h"))
    assert wire.take() == [write, write]
    assert len(stored(wire, "h")) == 8


def test_summarization_rewriting_history_loses_and_repeats_nothing(mode: str, wire: Wire) -> None:
    """SummarizationMiddleware replaces the history; every turn still reaches Zep exactly once."""
    model = RecordingChatModel()
    summarize = SummarizationMiddleware(
        model,
        trigger=("messages", 5),
        keep=("messages", 2),
        summarizer=lambda messages: f"summary of {len(messages)} messages",
    )
    agent = create_agent(
        model,
        middleware=[zmw(wire), summarize],
        checkpointer=InMemorySaver(),
    )
    for turn in range(1, 7):
        out = run(mode, agent, say(f"message {turn}"), cfg("sum"))
    assert any("summary of" in m.text for m in out["messages"])  # it did rewrite the history
    expected = []
    for turn in range(1, 7):
        expected += [f"message {turn}", f"reply {turn}: message {turn}"]
    assert stored(wire, "sum") == expected


@pytest.mark.parametrize("version", VERSIONS)
def test_interrupt_and_resume_save_each_message_once(mode: str, wire: Wire) -> None:
    """A human-in-the-loop pause saves the input; the resume saves the reply, nothing twice."""

    @tool
    def lookup(city: str) -> str:
        """Look up the weather of a city."""
        return f"sunny in {city}"

    call = AIMessage("", tool_calls=[{"name": "lookup", "args": {"city": "Bern"}, "id": "c1"}])
    model = RecordingChatModel(reply=scripted(call, AIMessage("It is sunny in Bern.")))
    agent = create_agent(
        model,
        tools=[lookup],
        middleware=[
            zmw(wire, save_tool_messages=True),
            HumanInTheLoopMiddleware(interrupt_on={"lookup": True}),
        ],
        checkpointer=InMemorySaver(),
    )
    paused = run(mode, agent, say("Weather in Bern?"), cfg("hitl"))
    assert "__interrupt__" in paused
    assert stored(wire, "hitl") == ["Weather in Bern?"]
    run(mode, agent, Command(resume={"decisions": [{"type": "approve"}]}), cfg("hitl"))
    assert stored(wire, "hitl") == [
        "Weather in Bern?",
        '[tool call: lookup({"city": "Bern"})]',
        "sunny in Bern",
        "It is sunny in Bern.",
    ]
    run(mode, agent, say("Thanks"), cfg("hitl"))
    assert stored(wire, "hitl")[4:] == ["Thanks", "reply 3: Thanks"]


def test_tool_messages_are_not_saved_unless_asked(mode: str, wire: Wire) -> None:
    """By default only human and AI text reaches Zep, not tool calls and results."""

    @tool
    def lookup(city: str) -> str:
        """Look up the weather of a city."""
        return f"sunny in {city}"

    call = AIMessage("", tool_calls=[{"name": "lookup", "args": {"city": "Bern"}, "id": "c1"}])
    model = RecordingChatModel(reply=scripted(call, AIMessage("Sunny.")))
    agent = create_agent(
        model,
        tools=[lookup],
        middleware=[zmw(wire)],
        checkpointer=InMemorySaver(),
    )
    run(mode, agent, say("Weather?"), cfg("tools"))
    assert stored(wire, "tools") == ["Weather?", "Sunny."]


@dataclass
class UserContext:
    user_id: str
    tenant: str = "acme"


@pytest.mark.parametrize("version", VERSIONS)
def test_identity_from_context_schema_and_resolvers(mode: str, wire: Wire) -> None:
    """The user comes from the context schema; resolvers can derive both ids per request."""
    model = RecordingChatModel()
    agent = create_agent(
        model,
        middleware=[zmw(wire)],
        context_schema=UserContext,
        checkpointer=InMemorySaver(),
    )
    run(mode, agent, say("hi"), cfg("ctx"), context=UserContext(user_id="ann"))
    assert owner(wire.client, "ctx", "ann")

    resolved = zmw(
        wire,
        session_id=lambda rt: f"{rt.context.tenant}-{rt.context.user_id}",
        user_id=lambda rt: f"{rt.context.tenant}:{rt.context.user_id}",
    )
    agent = create_agent(model, middleware=[resolved], context_schema=UserContext)
    run(mode, agent, say("hello"), cfg("ignored"), context=UserContext(user_id="bob"))
    assert owner(wire.client, "acme-bob", "acme:bob")
    assert stored(wire, "acme-bob") == ["hello", "reply 2: hello"]


@pytest.mark.parametrize("version", VERSIONS)
def test_fixed_ids_and_one_instance_for_many_users(mode: str, wire: Wire) -> None:
    """Fixed strings pin the ids; a default instance keeps concurrent users apart."""
    model = RecordingChatModel()
    fixed = zmw(wire, session_id="fixed", user_id="pat")
    run(mode, create_agent(model, middleware=[fixed]), say("pinned"), cfg("x"))
    assert owner(wire.client, "fixed", "pat")

    shared = zmw(wire)
    agent = create_agent(RecordingChatModel(), middleware=[shared], checkpointer=InMemorySaver())
    users = [f"user{i}" for i in range(4)]

    async def all_async() -> None:
        await asyncio.gather(
            *(agent.ainvoke(say(f"I am {u}"), cfg(u), context={"user_id": u}) for u in users)
        )

    if mode == "sync":
        for u in users:
            agent.invoke(say(f"I am {u}"), cfg(u), context={"user_id": u})
    else:
        asyncio.run(all_async())
    for u in users:
        assert owner(wire.client, u, u)
        texts = stored(wire, u)
        assert texts[0] == f"I am {u}" and len(texts) == 2


def test_missing_session_is_a_clear_error(wire: Wire) -> None:
    """No thread id and no session_id: a ValueError that says what to pass."""
    agent = create_agent(RecordingChatModel(), middleware=[zmw(wire)])
    with pytest.raises(ValueError, match="thread_id"):
        agent.invoke(say("hi"))


def test_private_fields_are_absent_from_schemas_and_output(mode: str, wire: Wire) -> None:
    """zep_* bookkeeping is checkpointed but not in the input/output schema or the result."""
    agent = create_agent(
        RecordingChatModel(),
        middleware=[zmw(wire)],
        checkpointer=InMemorySaver(),
    )
    inputs = agent.get_input_jsonschema()["properties"]
    outputs = agent.get_output_jsonschema()["properties"]
    assert not [key for key in [*inputs, *outputs] if key.startswith("zep")]
    out = run(mode, agent, say("hi"), cfg("p"))
    assert set(out) == {"messages"}
    state = agent.get_state(cfg("p")).values
    assert state["zep_session"] == "p"
    assert state["zep_saved_ids"] == [m.id for m in out["messages"]]


def test_ten_turns_store_each_message_exactly_once(mode: str, wire: Wire) -> None:
    """Ten turns on one thread: 20 messages in Zep, in order, none twice; 2 requests a turn."""
    agent = create_agent(
        RecordingChatModel(),
        middleware=[zmw(wire)],
        checkpointer=InMemorySaver(),
    )
    expected: list[str] = []
    for turn in range(1, 11):
        run(mode, agent, say(f"turn {turn}"), cfg("ten"))
        expected += [f"turn {turn}", f"reply {turn}: turn {turn}"]
        requests = wire.take()
        assert len(requests) == (3 if turn == 1 else 2)
    assert stored(wire, "ten") == expected


def test_stream_and_astream_work(mode: str, wire: Wire) -> None:
    """stream/astream run the same hooks."""
    agent = create_agent(
        RecordingChatModel(),
        middleware=[zmw(wire)],
        checkpointer=InMemorySaver(),
    )
    if mode == "sync":
        chunks = list(agent.stream(say("streamed"), cfg("st")))
    else:

        async def collect() -> list[Any]:
            return [chunk async for chunk in agent.astream(say("streamed"), cfg("st"))]

        chunks = asyncio.run(collect())
    assert chunks
    assert wire.clients_used() == {mode}
    assert stored(wire, "st") == ["streamed", "reply 1: streamed"]


WRITE = "POST sessions/s/memory"


@pytest.mark.parametrize("version", VERSIONS)
def test_on_error_warn_answers_without_memory_then_catches_up(
    mode: str, tmp_path: Path, version: str
) -> None:
    """A failing Zep warns, the model still answers; the unsaved messages are saved next turn."""
    server = ZepServer(tmp_path / "faults.db")
    faulty = Faulty(server, "", [])
    sync, asyn = clients(server, faulty, api_version=version)
    asyn._info = sync._info
    # The thread exists (v4: as the app stores it, by UUID); its writes fail twice with a 500.
    session = sync.create_user_and_thread("jane").session_id if version == "v4" else "s"
    sync.run(_sessions.ensure_session(session, "jane"))
    path = write_kind(sync, session).split(" ", 1)[1]
    faulty.match = f"POST {'/api/v4/' if version == 'v4' else ''}{path}"
    faulty.actions = [reply(500), reply(500)]
    model = RecordingChatModel()
    agent = create_agent(
        model,
        middleware=[ZepMemoryMiddleware(sync, async_client=asyn)],
        checkpointer=InMemorySaver(),
    )
    with pytest.warns(RuntimeWarning, match="Zep memory unavailable"):
        out = run(mode, agent, say("first"), cfg(session))
    assert faulty.actions == []  # both writes of the turn failed
    assert out["messages"][-1].text == "reply 1: first"
    assert not any(isinstance(m, SystemMessage) for m in model.seen[0])
    run(mode, agent, say("second"), cfg(session))
    assert version_stored(sync, session) == [
        "first",
        "reply 1: first",
        "second",
        "reply 2: second",
    ]


def test_on_error_raise_propagates(mode: str, tmp_path: Path) -> None:
    """on_error='raise': the Zep error reaches the caller and the model is not called."""
    server = ZepServer(tmp_path / "faults.db")
    faulty = Faulty(server, WRITE, [reply(500)])
    sync, asyn = clients(server, faulty)
    model = RecordingChatModel()
    memory = ZepMemoryMiddleware(sync, async_client=asyn, on_error="raise")
    agent = create_agent(model, middleware=[memory], checkpointer=InMemorySaver())
    with pytest.raises(ServerError):
        run(mode, agent, say("first"), cfg("s"))
    assert model.seen == []


def test_bad_arguments_are_clear_errors() -> None:
    """Misconfiguration fails at construction with a message saying what to pass."""
    with pytest.raises(ValueError, match="on_error"):
        ZepMemoryMiddleware(on_error="ignore")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="load_history"):
        ZepMemoryMiddleware(load_history=0)
    with pytest.raises(TypeError, match="session_id"):
        ZepMemoryMiddleware(session_id="")
    with pytest.raises(ValueError, match="context"):
        ZepMemoryMiddleware(context_template="no placeholder")


def test_importing_without_langchain_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without langchain>=1.5 the agent adapters raise an ImportError naming the extra."""
    for name in list(sys.modules):
        if name.startswith("zep_integrations.langchain._"):
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "langchain.agents.middleware", None)
    import zep_integrations.langchain as adapters

    monkeypatch.delitem(adapters.__dict__, "ZepMemoryMiddleware", raising=False)
    with pytest.raises(ImportError, match=r"zep-integrations\[langchain\]"):
        adapters.ZepMemoryMiddleware  # noqa: B018
    # The chat history still imports with langchain-core alone.
    from zep_integrations.langchain._history import ZepChatMessageHistory

    assert ZepChatMessageHistory.__name__ == "ZepChatMessageHistory"


def _messages(out: dict[str, Any]) -> list[BaseMessage]:
    return list(out["messages"])


@pytest.mark.parametrize("version", VERSIONS)
def test_processes_sharing_a_checkpointer_save_each_message_once(
    mode: str, wire: Wire, version: str, tmp_path: Path
) -> None:
    """Two 'processes' (own middleware, own clients, own SQLite checkpointer connection)
    alternate turns; on v4 the checkpointed thread UUID leads both to the same Zep thread."""
    db = str(tmp_path / "checkpoints.db")
    # The second process: its own clients (own ID cache) on the same Zep database.
    other = make_wire(tmp_path / "zep.db", version)
    wires = [other, wire]

    def agent_on(index: int, saver: Any) -> Any:
        middleware = zmw(wires[index])
        return create_agent(RecordingChatModel(), middleware=[middleware], checkpointer=saver)

    # The first turn creates the session (v3/v4: and a user named like it; v4 after lookups).
    first = 2 + len(creation_kinds(wire.client, new_user=version != "v2"))

    def check(turn: int) -> None:
        requests = wire.take() + other.take()
        # The checkpoint tells the other process the session exists (v4: its thread UUID): no
        # creation or lookup request.
        assert len(requests) == (first if turn == 1 else 2), requests

    if mode == "sync":
        from langgraph.checkpoint.sqlite import SqliteSaver

        conns = [sqlite3.connect(db, check_same_thread=False) for _ in range(2)]
        agents = [agent_on(i, SqliteSaver(conn)) for i, conn in enumerate(conns)]
        for turn in range(1, 5):
            agents[turn % 2].invoke(say(f"turn {turn}"), cfg("shared"))
            check(turn)
        for conn in conns:
            conn.close()
    else:
        import aiosqlite
        from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

        async def scenario() -> None:
            aconns = [await aiosqlite.connect(db) for _ in range(2)]
            aagents = [agent_on(i, AsyncSqliteSaver(conn)) for i, conn in enumerate(aconns)]
            for turn in range(1, 5):
                await aagents[turn % 2].ainvoke(say(f"turn {turn}"), cfg("shared"))
                check(turn)
            for conn in aconns:
                await conn.close()

        asyncio.run(scenario())
    # Each model counts its own calls: process 1 answered turns 1 and 3, process 0 turns 2, 4.
    assert stored(wire, "shared") == [
        text
        for turn in range(1, 5)
        for text in (f"turn {turn}", f"reply {(turn + 1) // 2}: turn {turn}")
    ]
    assert thread_of(other.client, "shared") == thread_of(wire.client, "shared")


def test_a_session_deleted_since_the_last_turn_is_created_again(mode: str, tmp_path: Path) -> None:
    """A 404 on a known session's write creates the session (with its user) and writes once."""
    server = ZepServer(tmp_path / "faults.db")
    faulty = Faulty(server, WRITE, [])
    sync, asyn = clients(server, faulty)
    agent = create_agent(
        RecordingChatModel(),
        middleware=[ZepMemoryMiddleware(sync, async_client=asyn, user_id="ann")],
        checkpointer=InMemorySaver(),
    )
    run(mode, agent, say("first"), cfg("s"))
    created = faulty.count("POST sessions")
    faulty.actions = [reply(404)]
    run(mode, agent, say("second"), cfg("s"))
    assert faulty.count("POST sessions") == created + 1  # created again after the 404
    assert [m.content for m in sync.get_messages("s").messages] == [
        "first",
        "reply 1: first",
        "second",
        "reply 2: second",
    ]
