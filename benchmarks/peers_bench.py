"""Side-by-side benchmark of zep-integrations against its peers, measured in one run.

    python benchmarks/peers_bench.py            # the default run (~2 minutes), prints a table

Every contender of a section runs in the same process and the same run, and their rounds are
interleaved (A B C D, B C D A, ...) so a noisy shared machine slows them alike. Each figure is the
median over rounds of the mean time per turn (or per operation) in that round; ratios are
against the peer named in the section, computed from those medians.

Sections:
  * LangChain ``RunnableWithMessageHistory`` turn (prompt | fake model): ``ZepChatMessageHistory``
    on the embedded default and on ``zep-integrations serve`` over loopback, against
    ``InMemoryChatMessageHistory`` (floor) and ``SQLChatMessageHistory`` on SQLite (peer);
    sync and async (the async SQL peer uses aiosqlite).
  * LlamaIndex ``SimpleChatEngine`` turn with ``MockLLM``: ``ZepMemory`` and
    ``ChatMemoryBuffer(chat_store=ZepChatStore)`` against ``ChatMemoryBuffer`` on
    ``SimpleChatStore`` (floor) and ``llama-index-storage-chat-store-sqlite`` (peer); sync, async.
  * LlamaIndex ``FunctionAgent`` turn (mock function-calling LLM): ``zep_memory()`` on the
    embedded server against ``Memory.from_defaults()`` on a file-backed aiosqlite store (peer)
    and on LlamaIndex's in-memory default (floor); async (see ``agent_memory_section.py``).
  * Transport: the same add-memory + get-memory requests to the same ``serve`` through
    ``ZepClient``, raw ``httpx.Client`` (peer) and the official ``zep-cloud`` SDK.
  * LangChain ``create_agent`` turn: ``ZepMemoryMiddleware`` on the embedded default against the
    same agent with ``InMemorySaver`` only (floor) and with ``SqliteStore`` plus a hand-written
    load/save middleware (peer); sync and async. See ``peers_agents.py``.
  * Cold import: ``import X`` timed inside a fresh interpreter.
  * API versions: the LangChain and LlamaIndex turns on the embedded server speaking v2, v3 and
    v4 (``--only versions``), each against the v2 row of the same run (target: within 1.15x).

Requests per turn are counted in a separate, untimed pass (httpx event hooks on our client; SQL
statements via SQLAlchemy's ``before_cursor_execute`` for the SQL peers).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

warnings.filterwarnings("ignore", category=DeprecationWarning)
warnings.filterwarnings("ignore", message=".*(sunset|deprecated).*")

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from zep_integrations import AsyncZepClient, ZepClient  # noqa: E402
from zep_integrations.server.process import serve_process  # noqa: E402

# -- helpers ---------------------------------------------------------------------------------


@dataclass
class Contender:
    """One thing being measured: a round runs ``turns`` turns and returns nothing."""

    name: str
    round_sync: Callable[[int], None] | None = None
    round_async: Callable[[int], Awaitable[None]] | None = None
    per_turn: str = "n/a"
    """Requests (or SQL statements) per turn, counted in an untimed pass."""
    times: list[float] = field(default_factory=list)


def run_interleaved(contenders: list[Contender], rounds: int, turns: int) -> None:
    """Warm every contender up once, then run ``rounds`` rounds in a rotating order.

    Objects left by earlier sections are frozen out of the garbage collector first: otherwise
    every collection walks them, which taxes allocation-heavy contenders (pydantic models) more
    than the others and makes a section's ratios depend on what ran before it.
    """
    gc.collect()
    gc.freeze()
    order = list(contenders)
    for contender in order:
        _run_one(contender, max(2, turns // 5))
    for r in range(rounds):
        shift = r % len(order)
        for contender in order[shift:] + order[:shift]:
            start = time.perf_counter()
            _run_one(contender, turns)
            contender.times.append((time.perf_counter() - start) / turns)


def _run_one(contender: Contender, turns: int) -> None:
    if contender.round_sync is not None:
        contender.round_sync(turns)
    else:
        assert contender.round_async is not None
        asyncio.run(contender.round_async(turns))


def table(title: str, unit: str, rows: list[Contender], peer: str, floor: str | None) -> str:
    med = {c.name: statistics.median(c.times) for c in rows}
    head = f"| {title} | median {unit} | vs {peer} |"
    sep = "|---|---:|---:|"
    if floor:
        head += f" vs {floor} |"
        sep += "---:|"
    head += " requests / turn |"
    sep += "---:|"
    lines = [head, sep]
    for c in rows:
        scale = 1e3 if unit == "ms" else 1e6
        line = f"| {c.name} | {med[c.name] * scale:,.3g} | {med[c.name] / med[peer]:.2f}x |"
        if floor:
            line += f" {med[c.name] / med[floor]:.1f}x |"
        line += f" {c.per_turn} |"
        lines.append(line)
    return "\n".join(lines)


class Counter:
    """Counts httpx requests (via event hooks) or SQL statements (via SQLAlchemy events)."""

    def __init__(self) -> None:
        self.n = 0

    def hook(self, request: httpx.Request) -> None:
        self.n += 1

    async def ahook(self, request: httpx.Request) -> None:
        self.n += 1

    def sql(self, *args: Any) -> None:
        self.n += 1


def counted_clients(
    counter: Counter,
    *,
    db_path: Path | None = None,
    base_url: str | None = None,
    api_version: str | None = None,
) -> tuple[ZepClient, AsyncZepClient]:
    """A sync/async client pair (embedded on ``db_path`` or served at ``base_url``) with hooks."""
    if db_path is not None:
        from zep_integrations.server import embedded_server

        server = embedded_server(db_path)
        sync_http = httpx.Client(
            transport=server.transport(), event_hooks={"request": [counter.hook]}
        )
        async_http = httpx.AsyncClient(
            transport=server.async_transport(), event_hooks={"request": [counter.ahook]}
        )
        return (
            ZepClient(db_path=db_path, http_client=sync_http, api_version=api_version),
            AsyncZepClient(db_path=db_path, http_client=async_http, api_version=api_version),
        )
    sync_http = httpx.Client(event_hooks={"request": [counter.hook]})
    async_http = httpx.AsyncClient(event_hooks={"request": [counter.ahook]})
    return (
        ZepClient(base_url=base_url, http_client=sync_http),
        AsyncZepClient(base_url=base_url, http_client=async_http),
    )


def per_turn(counter: Counter, run: Callable[[int], Any], turns: int = 20) -> str:
    counter.n = 0
    result = run(turns)
    if asyncio.iscoroutine(result):
        asyncio.run(result)
    return f"{counter.n / turns:.2f}"


# -- LangChain -------------------------------------------------------------------------------

SESSION_TURNS = 10
"""Turns per conversation: a round of N turns is N/10 fresh sessions of 10 turns."""


def langchain_section(tmp: Path, serve_url: str, rounds: int, turns: int) -> str:
    from langchain_community.chat_message_histories import SQLChatMessageHistory
    from langchain_core.chat_history import BaseChatMessageHistory, InMemoryChatMessageHistory
    from langchain_core.language_models import GenericFakeChatModel
    from langchain_core.messages import AIMessage
    from langchain_core.prompts import ChatPromptTemplate, MessagesPlaceholder
    from langchain_core.runnables.history import RunnableWithMessageHistory
    from sqlalchemy import create_engine, event
    from sqlalchemy.ext.asyncio import create_async_engine

    from zep_integrations.langchain import ZepChatMessageHistory

    # langchain-core installs its own warning filters on import: silence its deprecations after.
    warnings.filterwarnings("ignore", message=".*deprecated.*")
    prompt = ChatPromptTemplate.from_messages(
        [("system", "You are terse."), MessagesPlaceholder("history"), ("human", "{input}")]
    )

    def chain_for(factory: Callable[[str], BaseChatMessageHistory]) -> RunnableWithMessageHistory:
        model = GenericFakeChatModel(messages=itertools.cycle([AIMessage("Noted, thanks.")]))
        return RunnableWithMessageHistory(
            prompt | model,
            factory,
            input_messages_key="input",
            history_messages_key="history",
        )

    def sync_round(chain: RunnableWithMessageHistory) -> Callable[[int], None]:
        def run(turns: int) -> None:
            for start in range(0, turns, SESSION_TURNS):
                sid = uuid.uuid4().hex
                for i in range(min(SESSION_TURNS, turns - start)):
                    chain.invoke(
                        {"input": f"My favourite number is {i}."},
                        {"configurable": {"session_id": sid}},
                    )

        return run

    def async_round(chain: RunnableWithMessageHistory) -> Callable[[int], Awaitable[None]]:
        async def run(turns: int) -> None:
            for start in range(0, turns, SESSION_TURNS):
                sid = uuid.uuid4().hex
                for i in range(min(SESSION_TURNS, turns - start)):
                    await chain.ainvoke(
                        {"input": f"My favourite number is {i}."},
                        {"configurable": {"session_id": sid}},
                    )

        return run

    store: dict[str, InMemoryChatMessageHistory] = {}

    def in_memory(sid: str) -> BaseChatMessageHistory:
        return store.setdefault(sid, InMemoryChatMessageHistory())

    sql_counter = Counter()
    engine = create_engine(f"sqlite:///{tmp / 'lc-sql.db'}")
    event.listen(engine, "before_cursor_execute", sql_counter.sql)
    aengine = create_async_engine(f"sqlite+aiosqlite:///{tmp / 'lc-asql.db'}")
    event.listen(aengine.sync_engine, "before_cursor_execute", sql_counter.sql)

    def sql(sid: str) -> BaseChatMessageHistory:
        return SQLChatMessageHistory(sid, connection=engine)

    def asql(sid: str) -> BaseChatMessageHistory:
        return SQLChatMessageHistory(sid, connection=aengine, async_mode=True)

    # Timed clients: the embedded default (no hooks) and a plain served client.
    embedded = ZepClient(db_path=tmp / "lc-embedded.db")
    served = ZepClient(base_url=serve_url)

    def zep_factory(client: ZepClient) -> Callable[[str], BaseChatMessageHistory]:
        return lambda sid: ZepChatMessageHistory(sid, client=client)

    emb_counter, srv_counter = Counter(), Counter()
    emb_c, emb_ac = counted_clients(emb_counter, db_path=tmp / "lc-embedded.db")
    srv_c, srv_ac = counted_clients(srv_counter, base_url=serve_url)

    def zep_counted(c: ZepClient, ac: AsyncZepClient) -> Callable[[str], BaseChatMessageHistory]:
        return lambda sid: ZepChatMessageHistory(sid, client=c, async_client=ac)

    # aiosqlite needs the table to exist before the first async use.
    asyncio.run(SQLChatMessageHistory("warm", connection=aengine, async_mode=True).aclear())

    rows = [
        Contender("InMemoryChatMessageHistory (floor)", sync_round(chain_for(in_memory))),
        Contender("SQLChatMessageHistory, SQLite (peer)", sync_round(chain_for(sql))),
        Contender("ZepChatMessageHistory, embedded", sync_round(chain_for(zep_factory(embedded)))),
        Contender("ZepChatMessageHistory, serve", sync_round(chain_for(zep_factory(served)))),
        Contender(
            "async InMemoryChatMessageHistory (floor)",
            round_async=async_round(chain_for(in_memory)),
        ),
        Contender(
            "async SQLChatMessageHistory, aiosqlite (peer)",
            round_async=async_round(chain_for(asql)),
        ),
        Contender(
            "async ZepChatMessageHistory, embedded",
            round_async=async_round(chain_for(zep_factory(embedded))),
        ),
        Contender(
            "async ZepChatMessageHistory, serve",
            round_async=async_round(chain_for(zep_factory(served))),
        ),
    ]
    rows[1].per_turn = per_turn(sql_counter, sync_round(chain_for(sql))) + " SQL"
    rows[2].per_turn = per_turn(emb_counter, sync_round(chain_for(zep_counted(emb_c, emb_ac))))
    rows[3].per_turn = per_turn(srv_counter, sync_round(chain_for(zep_counted(srv_c, srv_ac))))
    rows[5].per_turn = per_turn(sql_counter, async_round(chain_for(asql))) + " SQL"
    rows[6].per_turn = per_turn(emb_counter, async_round(chain_for(zep_counted(emb_c, emb_ac))))
    rows[7].per_turn = per_turn(srv_counter, async_round(chain_for(zep_counted(srv_c, srv_ac))))
    run_interleaved(rows, rounds, turns)
    sync_rows, async_rows = rows[:4], rows[4:]
    out = [
        table("LangChain turn (sync)", "ms", sync_rows, sync_rows[1].name, sync_rows[0].name),
        "",
        table("LangChain turn (async)", "ms", async_rows, async_rows[1].name, async_rows[0].name),
    ]
    embedded.close()
    served.close()
    return "\n".join(out)


# -- LlamaIndex ------------------------------------------------------------------------------


def llama_index_section(tmp: Path, rounds: int, turns: int) -> str:
    from llama_index.core.chat_engine import SimpleChatEngine
    from llama_index.core.llms import MockLLM
    from llama_index.core.memory import ChatMemoryBuffer
    from llama_index.core.storage.chat_store import BaseChatStore, SimpleChatStore
    from llama_index.storage.chat_store.sqlite import SQLiteChatStore
    from sqlalchemy import event

    from zep_integrations.llama_index import ZepChatStore, ZepMemory

    llm = MockLLM(max_tokens=8)

    def buffer_engine(store: BaseChatStore) -> Callable[[str], SimpleChatEngine]:
        def make(sid: str) -> SimpleChatEngine:
            memory = ChatMemoryBuffer.from_defaults(
                chat_store=store, chat_store_key=sid, token_limit=3000, llm=llm
            )
            return SimpleChatEngine.from_defaults(llm=llm, memory=memory)

        return make

    def zep_memory_engine(client: ZepClient, aclient: AsyncZepClient | None = None) -> Any:
        def make(sid: str) -> SimpleChatEngine:
            memory = ZepMemory.from_defaults(sid, client=client, async_client=aclient)
            return SimpleChatEngine.from_defaults(llm=llm, memory=memory)

        return make

    def sync_round(make: Callable[[str], SimpleChatEngine]) -> Callable[[int], None]:
        def run(turns: int) -> None:
            for start in range(0, turns, SESSION_TURNS):
                engine = make(uuid.uuid4().hex)
                for i in range(min(SESSION_TURNS, turns - start)):
                    engine.chat(f"My favourite number is {i}.")

        return run

    def async_round(make: Callable[[str], SimpleChatEngine]) -> Callable[[int], Awaitable[None]]:
        async def run(turns: int) -> None:
            for start in range(0, turns, SESSION_TURNS):
                engine = make(uuid.uuid4().hex)
                for i in range(min(SESSION_TURNS, turns - start)):
                    await engine.achat(f"My favourite number is {i}.")

        return run

    simple = SimpleChatStore()
    sqlite_store = SQLiteChatStore.from_uri(f"sqlite:///{tmp / 'li-sqlite.db'}")
    sql_counter = Counter()
    # The store keeps a sync and an aiosqlite engine; count statements on both.
    for maker in (sqlite_store._session, sqlite_store._async_session):
        bind = maker.kw["bind"]
        event.listen(getattr(bind, "sync_engine", bind), "before_cursor_execute", sql_counter.sql)
    embedded = ZepClient(db_path=tmp / "li-embedded.db")
    zep_store = ZepChatStore(client=embedded)
    counter = Counter()
    c, ac = counted_clients(counter, db_path=tmp / "li-embedded.db")

    rows = [
        Contender("ChatMemoryBuffer + SimpleChatStore (floor)", sync_round(buffer_engine(simple))),
        Contender(
            "ChatMemoryBuffer + SQLiteChatStore (peer)", sync_round(buffer_engine(sqlite_store))
        ),
        Contender("ZepMemory, embedded", sync_round(zep_memory_engine(embedded))),
        Contender(
            "ChatMemoryBuffer + ZepChatStore, embedded", sync_round(buffer_engine(zep_store))
        ),
        Contender(
            "async ChatMemoryBuffer + SimpleChatStore (floor)",
            round_async=async_round(buffer_engine(simple)),
        ),
        Contender(
            "async ChatMemoryBuffer + SQLiteChatStore (peer)",
            round_async=async_round(buffer_engine(sqlite_store)),
        ),
        Contender(
            "async ZepMemory, embedded", round_async=async_round(zep_memory_engine(embedded))
        ),
        Contender(
            "async ChatMemoryBuffer + ZepChatStore, embedded",
            round_async=async_round(buffer_engine(zep_store)),
        ),
    ]
    counted_store = ZepChatStore(client=c, async_client=ac)
    rows[1].per_turn = per_turn(sql_counter, sync_round(buffer_engine(sqlite_store))) + " SQL"
    rows[2].per_turn = per_turn(counter, sync_round(zep_memory_engine(c, ac)))
    rows[3].per_turn = per_turn(counter, sync_round(buffer_engine(counted_store)))
    rows[5].per_turn = per_turn(sql_counter, async_round(buffer_engine(sqlite_store))) + " SQL"
    rows[6].per_turn = per_turn(counter, async_round(zep_memory_engine(c, ac)))
    rows[7].per_turn = per_turn(counter, async_round(buffer_engine(counted_store)))
    run_interleaved(rows, rounds, turns)
    sync_rows, async_rows = rows[:4], rows[4:]
    embedded.close()
    return "\n".join(
        [
            table("LlamaIndex turn (sync)", "ms", sync_rows, sync_rows[1].name, sync_rows[0].name),
            "",
            table(
                "LlamaIndex turn (async)", "ms", async_rows, async_rows[1].name, async_rows[0].name
            ),
        ]
    )


# -- API versions ----------------------------------------------------------------------------


def versions_section(tmp: Path, rounds: int, turns: int) -> str:
    """LangChain and LlamaIndex turns on embedded v2, v3 and v4, against the v2 row."""
    from langchain_core.language_models import GenericFakeChatModel
    from langchain_core.messages import AIMessage
    from langchain_core.prompts import ChatPromptTemplate, MessagesPlaceholder
    from langchain_core.runnables.history import RunnableWithMessageHistory
    from llama_index.core.chat_engine import SimpleChatEngine
    from llama_index.core.llms import MockLLM

    from zep_integrations.langchain import ZepChatMessageHistory
    from zep_integrations.llama_index import ZepMemory

    warnings.filterwarnings("ignore", message=".*deprecated.*")
    prompt = ChatPromptTemplate.from_messages(
        [("system", "You are terse."), MessagesPlaceholder("history"), ("human", "{input}")]
    )
    llm = MockLLM(max_tokens=8)
    user = "bench-user"

    def session_for(client: ZepClient) -> Callable[[], str]:
        # A new conversation per SESSION_TURNS turns. v2/v3 create it on the first write from a
        # client-chosen id; v4 threads have server UUIDs, so the app creates one (1 request).
        if client.api_version == "v4":
            return lambda: client.create_user_and_thread(user).session_id
        return lambda: uuid.uuid4().hex

    def lc_round(client: ZepClient, aclient: AsyncZepClient, is_async: bool) -> Any:
        chain = RunnableWithMessageHistory(
            prompt | GenericFakeChatModel(messages=itertools.cycle([AIMessage("Noted.")])),
            lambda sid: ZepChatMessageHistory(
                sid, user_id=user, client=client, async_client=aclient
            ),
            input_messages_key="input",
            history_messages_key="history",
        )
        new_session = session_for(client)

        def run(turns: int) -> None:
            for start in range(0, turns, SESSION_TURNS):
                config = {"configurable": {"session_id": new_session()}}
                for i in range(min(SESSION_TURNS, turns - start)):
                    chain.invoke({"input": f"My favourite number is {i}."}, config)

        async def arun(turns: int) -> None:
            for start in range(0, turns, SESSION_TURNS):
                config = {"configurable": {"session_id": new_session()}}
                for i in range(min(SESSION_TURNS, turns - start)):
                    await chain.ainvoke({"input": f"My favourite number is {i}."}, config)

        return arun if is_async else run

    def li_round(client: ZepClient, aclient: AsyncZepClient, is_async: bool) -> Any:
        new_session = session_for(client)

        def engine() -> SimpleChatEngine:
            memory = ZepMemory.from_defaults(
                new_session(), user_id=user, client=client, async_client=aclient
            )
            return SimpleChatEngine.from_defaults(llm=llm, memory=memory)

        def run(turns: int) -> None:
            for start in range(0, turns, SESSION_TURNS):
                chat = engine()
                for i in range(min(SESSION_TURNS, turns - start)):
                    chat.chat(f"My favourite number is {i}.")

        async def arun(turns: int) -> None:
            for start in range(0, turns, SESSION_TURNS):
                chat = engine()
                for i in range(min(SESSION_TURNS, turns - start)):
                    await chat.achat(f"My favourite number is {i}.")

        return arun if is_async else run

    out: list[str] = []
    for title, make in (("LangChain turn", lc_round), ("LlamaIndex turn", li_round)):
        for is_async in (False, True):
            rows: list[Contender] = []
            for version in ("v2", "v3", "v4"):
                db = tmp / f"versions-{title[:2]}-{is_async}-{version}.db"
                client = ZepClient(db_path=db, api_version=version)
                aclient = AsyncZepClient(db_path=db, api_version=version)
                counter = Counter()
                c, ac = counted_clients(counter, db_path=db, api_version=version)
                name = f"{'async ' if is_async else ''}{title}, embedded {version}"
                timed = make(client, aclient, is_async)
                row = (
                    Contender(name, round_async=timed)
                    if is_async
                    else Contender(name, round_sync=timed)
                )
                row.per_turn = per_turn(counter, make(c, ac, is_async))
                rows.append(row)
            # Rounds of one conversation (SESSION_TURNS turns), five times as many: the same turns
            # in all, but the contenders alternate every ~70 ms instead of every ~0.4 s, so a
            # burst of other load on the shared machine lands on all three alike (the ratios
            # are a few percent apart, less than such a burst moves a 50-turn round).
            run_interleaved(rows, rounds * 5, max(SESSION_TURNS, turns // 5))
            kind = "async" if is_async else "sync"
            out += [table(f"{title} ({kind}) by API version", "ms", rows, rows[0].name, None), ""]
    return "\n".join(out).rstrip()


# -- transport -------------------------------------------------------------------------------


def transport_section(serve_url: str, rounds: int, ops: int) -> str:
    from zep_cloud import Message
    from zep_cloud.client import Zep

    api = f"{serve_url}/api/v2"
    ours = ZepClient(base_url=serve_url)
    raw = httpx.Client(base_url=api + "/", headers={"Accept": "application/json"})
    sdk = Zep(api_key="unused", base_url=api)
    sessions = {name: uuid.uuid4().hex for name in ("ours", "raw", "sdk")}
    for sid in sessions.values():
        ours.add_session(sid)
    text = "I moved to Lisbon last spring and I surf on weekends."

    def ours_round(n: int) -> None:
        sid = sessions["ours"]
        for _ in range(n):
            ours.add_memory(sid, [{"role_type": "user", "role": "Jane", "content": text}])
            ours.get_memory(sid, lastn=6)

    def raw_round(n: int) -> None:
        sid = sessions["raw"]
        body = {"messages": [{"role_type": "user", "role": "Jane", "content": text}]}
        for _ in range(n):
            r = raw.post(f"sessions/{sid}/memory", json=body)
            r.raise_for_status()
            r.json()
            r = raw.get(f"sessions/{sid}/memory", params={"lastn": 6})
            r.raise_for_status()
            r.json()

    def sdk_round(n: int) -> None:
        sid = sessions["sdk"]
        for _ in range(n):
            sdk.memory.add(sid, messages=[Message(role_type="user", role="Jane", content=text)])
            sdk.memory.get(sid, lastn=6)

    rows = [
        Contender("raw httpx.Client (peer)", raw_round, per_turn="2"),
        Contender("ZepClient", ours_round, per_turn="2"),
        Contender("zep-cloud 2.22.1 SDK", sdk_round, per_turn="2"),
    ]
    run_interleaved(rows, rounds, ops)
    ours.close()
    raw.close()
    return table("add + get memory over loopback", "ms", rows, rows[0].name, None)


# -- cold import -----------------------------------------------------------------------------

FLOOR = "httpx + pydantic (one model)"
IMPORTS = {
    "httpx": "import httpx",
    "pydantic": "import pydantic",
    # The core dependencies as this package uses them: a first BaseModel loads most of pydantic.
    FLOOR: "import httpx, pydantic; pydantic.create_model('M', x=(int, ...))",
    "zep_integrations": "import zep_integrations",
    "zep_integrations.langchain": "import zep_integrations.langchain",
    "zep_integrations.llama_index": "import zep_integrations.llama_index",
    "langchain_core.chat_history": "import langchain_core.chat_history",
    "llama_index.core": "import llama_index.core",
}


def import_section(repeats: int) -> str:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    snippet = "import time; t = time.perf_counter(); {stmt}; print(time.perf_counter() - t)"
    times: dict[str, list[float]] = {label: [] for label in IMPORTS}
    for _ in range(repeats):
        for label, stmt in IMPORTS.items():
            out = subprocess.run(
                [sys.executable, "-c", snippet.format(stmt=stmt)],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            times[label].append(float(out.stdout.strip().splitlines()[-1]))
    floor = statistics.median(times[FLOOR])
    lines = [
        "| cold `import` (fresh interpreter) | median ms | min ms | vs core-deps floor |",
        "|---|---:|---:|---:|",
    ]
    for label, values in times.items():
        name = label if label == FLOOR else f"`{label}`"
        median = statistics.median(values)
        lines.append(
            f"| {name} | {median * 1e3:.0f} | {min(values) * 1e3:.0f} | {median / floor:.2f}x |"
        )
    return "\n".join(lines)


# -- main ------------------------------------------------------------------------------------


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"nproc={os.cpu_count()}, {cpu}, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}, {platform.machine()}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=9, help="interleaved rounds (default 9)")
    parser.add_argument("--turns", type=int, default=50, help="chat turns per round (default 50)")
    parser.add_argument("--ops", type=int, default=200, help="transport ops per round (200)")
    parser.add_argument("--imports", type=int, default=7, help="cold imports per module (7)")
    parser.add_argument(
        "--only",
        default="langchain,agents,llama_index,llama_index_agents,transport,imports,versions",
        help="sections to run",
    )
    args = parser.parse_args()
    only = set(args.only.split(","))
    print(f"# {machine()}")
    print(f"# {' '.join(['python', *sys.argv])}")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="zep-peers-") as tmp_name:
        tmp = Path(tmp_name)
        with serve_process(tmp / "served.db") as served:
            url = served.url
            if "langchain" in only:
                print(langchain_section(tmp, url, args.rounds, args.turns), end="\n\n", flush=True)
            if "agents" in only:
                from peers_agents import agent_section

                section = agent_section(
                    tmp,
                    args.rounds,
                    args.turns,
                    contender=Contender,
                    run_interleaved=run_interleaved,
                    table=table,
                    counted_clients=counted_clients,
                    counter=Counter,
                    per_turn=per_turn,
                )
                print(section, end="\n\n", flush=True)
            if "llama_index" in only:
                print(llama_index_section(tmp, args.rounds, args.turns), end="\n\n", flush=True)
            if "llama_index_agents" in only:
                from agent_memory_section import agent_memory_section

                print(agent_memory_section(tmp, args.rounds, args.turns), end="\n\n", flush=True)
            if "transport" in only:
                print(transport_section(url, args.rounds, args.ops), end="\n\n", flush=True)
        if "versions" in only:
            print(versions_section(tmp, args.rounds, args.turns), end="\n\n", flush=True)
        if "imports" in only:
            print(import_section(args.imports), end="\n\n")
    print(f"# total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
