"""Threads, tasks and processes writing to one session: every message once, each writer in order."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.test_server_served import REPO, start_server, stop_server
from zep_integrations import AsyncZepClient, ZepClient

THREADS = 8
BATCHES = 6
PER_BATCH = 3
SESSION = "shared"

WRITER = """
import sys
from zep_integrations import ZepClient
target, tag, batches, per_batch = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
kwargs = {"base_url": target} if target.startswith("http") else {"db_path": target}
with ZepClient(**kwargs) as client:
    for batch in range(batches):
        client.add_memory(
            "shared",
            [{"role_type": "user", "content": f"{tag}:{batch * per_batch + i}"}
             for i in range(per_batch)],
        )
"""


def messages(tag: str, batch: int) -> list[dict[str, str]]:
    return [
        {"role_type": "user", "content": f"{tag}:{batch * PER_BATCH + i}"} for i in range(PER_BATCH)
    ]


def check(stored: list[str], tags: list[str], per_writer: int) -> None:
    """Every writer's messages are there exactly once and in the order it wrote them."""
    assert len(stored) == len(set(stored)) == len(tags) * per_writer
    for tag in tags:
        mine = [int(text.split(":")[1]) for text in stored if text.split(":")[0] == tag]
        assert mine == list(range(per_writer)), tag


def integrity_ok(db: Path) -> bool:
    with sqlite3.connect(db) as conn:
        return bool(conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """One `zep-integrations serve` on loopback for the module."""
    db = tmp_path_factory.mktemp("concurrency") / "served.db"
    proc, port = start_server(db, api_key=None)
    yield f"http://127.0.0.1:{port}", db
    stop_server(proc)


def stored(client: ZepClient, session: str = SESSION) -> list[str]:
    return [m.content for m in client.get_messages(session).messages]


@pytest.mark.parametrize("shared_client", [True, False], ids=["one-client", "client-per-thread"])
def test_threads_on_the_embedded_default(tmp_path: Path, shared_client: bool) -> None:
    """Eight threads writing through the embedded server store every message once, in order."""
    db = tmp_path / "threads.db"
    shared = ZepClient(db_path=db)
    tags = [f"t{n}" for n in range(THREADS)]

    def write(tag: str) -> None:
        client = shared if shared_client else ZepClient(db_path=db)
        for batch in range(BATCHES):
            client.add_memory(SESSION, messages(tag, batch))

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(write, tags))
    check(stored(shared), tags, BATCHES * PER_BATCH)
    assert integrity_ok(db)


def test_async_tasks_on_the_embedded_default(tmp_path: Path) -> None:
    """Eight asyncio tasks sharing one AsyncZepClient store every message once, in order."""
    db = tmp_path / "tasks.db"
    tags = [f"a{n}" for n in range(THREADS)]

    async def main() -> None:
        client = AsyncZepClient(db_path=db)

        async def write(tag: str) -> None:
            for batch in range(BATCHES):
                await client.add_memory(SESSION, messages(tag, batch))
                await asyncio.sleep(0)

        await asyncio.gather(*(write(tag) for tag in tags))
        await client.aclose()

    asyncio.run(main())
    check(stored(ZepClient(db_path=db)), tags, BATCHES * PER_BATCH)


def _spawn(target: str, tag: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    args = [sys.executable, "-c", WRITER, target, tag, str(BATCHES), str(PER_BATCH)]
    return subprocess.Popen(args, env=env, stderr=subprocess.PIPE)


def test_processes_and_threads_on_one_embedded_file(tmp_path: Path) -> None:
    """Three processes plus four threads of this one share a database file without loss."""
    db = tmp_path / "multi.db"
    procs = [_spawn(str(db), f"p{n}") for n in range(3)]
    client = ZepClient(db_path=db)
    thread_tags = [f"t{n}" for n in range(4)]

    def write(tag: str) -> None:
        for batch in range(BATCHES):
            client.add_memory(SESSION, messages(tag, batch))

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(write, thread_tags))
    for proc in procs:
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err.decode()
    check(stored(client), [f"p{n}" for n in range(3)] + thread_tags, BATCHES * PER_BATCH)
    assert integrity_ok(db)


def test_threads_tasks_and_processes_through_serve(served: tuple[str, Path]) -> None:
    """Threads, async tasks and processes writing to one served session lose and repeat nothing."""
    url, db = served
    procs = [_spawn(url, f"p{n}") for n in range(2)]
    thread_tags = [f"t{n}" for n in range(4)]
    task_tags = [f"a{n}" for n in range(4)]

    def write(tag: str) -> None:
        with ZepClient(base_url=url) as client:
            for batch in range(BATCHES):
                client.add_memory(SESSION, messages(tag, batch))

    async def tasks() -> None:
        client = AsyncZepClient(base_url=url)

        async def one(tag: str) -> None:
            for batch in range(BATCHES):
                await client.add_memory(SESSION, messages(tag, batch))

        await asyncio.gather(*(one(tag) for tag in task_tags))

    with ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(write, tag) for tag in thread_tags]
        asyncio.run(tasks())
        for future in futures:
            future.result()
    for proc in procs:
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err.decode()
    with ZepClient(base_url=url) as client:
        check(stored(client), [f"p{n}" for n in range(2)] + thread_tags + task_tags, 18)
    assert integrity_ok(db)


def test_langchain_histories_on_threads_share_a_session(tmp_path: Path) -> None:
    """ZepChatMessageHistory objects on threads create the session once and lose nothing."""
    from langchain_core.messages import HumanMessage

    from zep_integrations.langchain import ZepChatMessageHistory

    db = tmp_path / "lc.db"
    client = ZepClient(db_path=db)
    tags = [f"h{n}" for n in range(THREADS)]

    def write(tag: str) -> None:
        history = ZepChatMessageHistory(SESSION, user_id="jane", client=client)
        for i in range(BATCHES):
            history.add_messages([HumanMessage(f"{tag}:{i}")])

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(write, tags))
    check(stored(client), tags, BATCHES)
    assert client.get_session(SESSION).user_id == "jane"
    assert [u.user_id for u in client.list_users().users or []] == ["jane"]


OPENER = """
import sys, time
from zep_integrations import ZepClient
import zep_integrations.server
time.sleep(max(0.0, float(sys.argv[3]) - time.time()))  # all open the file at the same moment
with ZepClient(db_path=sys.argv[1]) as client:
    client.add_memory("fresh", [{"role_type": "user", "content": sys.argv[2]}])
"""


def test_processes_opening_a_new_file_at_once_all_succeed(tmp_path: Path) -> None:
    """Several processes creating the same new database together all open it and write."""
    for attempt in range(2):
        db = tmp_path / f"fresh{attempt}.db"
        start = str(time.time() + 1.5)
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", OPENER, str(db), f"w{i}", start], stderr=subprocess.PIPE
            )
            for i in range(4)
        ]
        errors = [p.communicate(timeout=60)[1].decode() for p in procs]
        assert [p.returncode for p in procs] == [0, 0, 0, 0], errors
        with ZepClient(db_path=db) as client:
            contents = sorted(m.content for m in client.get_messages("fresh").messages)
        assert contents == ["w0", "w1", "w2", "w3"]
