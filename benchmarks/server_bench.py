"""Benchmark of the embedded Zep-compatible server.

Run: python benchmarks/server_bench.py [--sizes 10000,100000,1000000]

For each size the database is bulk-loaded through the storage layer (1000 messages per session),
then we measure: messages/s written through ZepClient in-process (batches of 30), GET memory
latency and session search latency (p50/p95, through ZepClient in-process). Finally the same write
through `zep-integrations serve` on loopback.

API versions: on the same database and in the same run, the v2, v3 and v4 APIs are driven through
one plain httpx client on the in-process transport (no client library on either side), in
interleaved rounds: write (batches of 30; v4 with a fresh ``Idempotency-Key`` each, as zep-cloud
4.x sends, so every v4 write also records its answer), context (v2 ``GET memory``, v3/v4 ``GET
context``) and search (v2 session search, v3 ``graph/search`` and v4 ``search/episodes`` of the
user's episodes). Each bulk session belongs to its own user, so it is also a v3/v4 thread.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sqlite3
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import httpx  # noqa: E402

from zep_integrations import ZepClient  # noqa: E402
from zep_integrations.server import embedded_server  # noqa: E402
from zep_integrations.server.storage import MESSAGE_COLUMNS, Storage, insert_many  # noqa: E402

PER_SESSION = 1000
WRITE_MESSAGES = 30_000
rng = random.Random(7)
VOCAB = [f"w{i}" for i in range(5000)]
VOCAB += ["paris", "coffee", "train", "budget", "dog", "weather", "risotto"]


def sentence() -> str:
    return " ".join(rng.choice(VOCAB) for _ in range(12)) + "."


def bulk_load(db: Path, total: int) -> None:
    store = Storage(db)
    now = "2024-06-01T09:00:00.000000Z"
    sessions = max(1, total // PER_SESSION)
    for s in range(sessions):
        with store.write() as conn:
            conn.execute(
                "INSERT INTO users(uuid, user_id, first_name, created_at, updated_at)"
                " VALUES (?, ?, 'Jane', ?, ?)",
                (str(uuid.uuid4()), f"bulkuser{s}", now, now),
            )
            cur = conn.execute(
                "INSERT INTO sessions(uuid, session_id, user_id, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (str(uuid.uuid4()), f"bulk{s}", f"bulkuser{s}", now, now),
            )
            rowid = cur.lastrowid
            insert_many(
                conn,
                "messages",
                MESSAGE_COLUMNS,
                [
                    (str(uuid.uuid4()), rowid, "Jane", "user", sentence(), None, 13, now, now)
                    for _ in range(min(PER_SESSION, total - s * PER_SESSION))
                ],
            )
    store.close()


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] * 1000


def write_rate(client: ZepClient, n: int, prefix: str) -> float:
    batch = [{"role_type": "user", "role": "Jane", "content": sentence()} for _ in range(30)]
    start = time.perf_counter()
    for i in range(n // 30):
        client.add_memory(f"{prefix}{i // 33}", batch)
    return (n // 30) * 30 / (time.perf_counter() - start)


def run_size(size: int, tmp: Path) -> dict[str, float]:
    db = tmp / f"bench{size}.db"
    t0 = time.perf_counter()
    bulk_load(db, size)
    load = time.perf_counter() - t0
    sessions = max(1, size // PER_SESSION)
    with ZepClient(db_path=db) as client:
        mem, srch = [], []
        for _ in range(300):
            sid = f"bulk{rng.randrange(sessions)}"
            start = time.perf_counter()
            client.get_memory(sid)
            mem.append(time.perf_counter() - start)
        for _ in range(300):
            sid = f"bulk{rng.randrange(sessions)}"
            query = " ".join(rng.choice(VOCAB) for _ in range(4))
            start = time.perf_counter()
            client.search_memory(sid, query, limit=10)
            srch.append(time.perf_counter() - start)
        rate = write_rate(client, WRITE_MESSAGES, "w")
        versions = compare_versions(db, sessions)
    return {
        "versions": versions,  # type: ignore[dict-item]
        "load_s": load,
        "write": rate,
        "mem_p50": pct(mem, 0.5),
        "mem_p95": pct(mem, 0.95),
        "search_p50": pct(srch, 0.5),
        "search_p95": pct(srch, 0.95),
    }


ROUNDS = 5
ROUND_WRITES = 3_000
ROUND_CALLS = 100


V4 = "http://zep/api/v4/"


def _api_calls(api: str, sessions: int, uuids: dict[str, list[str]]) -> dict[str, object]:
    """Per API: a writer of one 30-message batch, a context read and a search.

    ``uuids`` holds the v4 addresses: ``threads`` (bulk sessions), ``users`` (their users) and
    ``writes`` (the v4 threads written to).
    """

    def write(http: httpx.Client, i: int) -> None:
        text = [sentence() for _ in range(30)]
        if api == "v2":
            body = [{"role_type": "user", "role": "Jane", "content": t} for t in text]
            response = http.post(f"sessions/{api}w{i // 33}/memory", json={"messages": body})
        elif api == "v4":
            body = [{"role": "user", "name": "Jane", "content": t} for t in text]
            response = http.post(
                f"{V4}threads/{uuids['writes'][i // 33]}/messages",
                json={"messages": body},
                headers={"Idempotency-Key": str(uuid.uuid4())},
            )
        else:
            body = [{"role": "user", "name": "Jane", "content": t} for t in text]
            response = http.post(f"threads/{api}w{i // 33}/messages", json={"messages": body})
        response.raise_for_status()

    def context(http: httpx.Client) -> None:
        k = rng.randrange(sessions)
        path = f"sessions/bulk{k}/memory" if api == "v2" else f"threads/bulk{k}/context"
        if api == "v4":
            path = f"{V4}threads/{uuids['threads'][k]}/context"
        http.get(path).raise_for_status()

    def find(http: httpx.Client) -> None:
        k = rng.randrange(sessions)
        query = " ".join(rng.choice(VOCAB) for _ in range(4))
        if api == "v2":
            response = http.post(f"sessions/bulk{k}/search?limit=10", json={"text": query})
        elif api == "v4":
            path = f"{V4}graphs/{uuids['users'][k]}/search/episodes?page_size=10"
            response = http.post(path, json={"query": query})
        else:
            body = {"user_id": f"bulkuser{k}", "query": query, "scope": "episodes", "limit": 10}
            response = http.post("graph/search", json=body)
        response.raise_for_status()

    return {"write": write, "context": context, "search": find}


def compare_versions(db: Path, sessions: int) -> dict[str, dict[str, float]]:
    """Interleaved rounds of v2, v3 and v4 on one in-process server; medians over rounds."""
    server = embedded_server(db)
    http = httpx.Client(transport=server.transport(), base_url="http://zep/api/v2/")
    http.post("users", json={"user_id": "writer", "first_name": "Jane"})
    writer = http.post(f"{V4}users/lookup", json={"user_id": "writer"}).json()["uuid"]
    uuids: dict[str, list[str]] = {"writes": [], "threads": [], "users": []}
    for i in range(ROUNDS * ROUND_WRITES // 30 // 33 + 1):
        http.post("threads", json={"thread_id": f"v3w{i}", "user_id": "writer"})
        thread = http.post(f"{V4}threads", json={"user_uuid": writer}).json()
        uuids["writes"].append(thread["uuid"])
    with sqlite3.connect(db) as conn:
        for k in range(sessions):
            thread_uuid, user_uuid = conn.execute(
                "SELECT sessions.uuid, users.uuid FROM sessions JOIN users"
                " ON users.user_id = sessions.user_id WHERE session_id = ?",
                (f"bulk{k}",),
            ).fetchone()
            uuids["threads"].append(thread_uuid)
            uuids["users"].append(user_uuid)
    calls = {api: _api_calls(api, sessions, uuids) for api in ("v2", "v3", "v4")}
    samples: dict[str, dict[str, list[float]]] = {
        api: {"write": [], "context": [], "search": []} for api in calls
    }
    done = {api: 0 for api in calls}
    for _ in range(ROUNDS):
        for api, fns in calls.items():
            start = time.perf_counter()
            for _ in range(ROUND_WRITES // 30):
                fns["write"](http, done[api])  # type: ignore[operator]
                done[api] += 1
            samples[api]["write"].append(ROUND_WRITES / (time.perf_counter() - start))
            for kind in ("context", "search"):
                for _ in range(ROUND_CALLS):
                    start = time.perf_counter()
                    fns[kind](http)  # type: ignore[operator]
                    samples[api][kind].append(time.perf_counter() - start)
    out = {}
    for api, got in samples.items():
        writes = sorted(got["write"])
        out[api] = {
            "write": writes[len(writes) // 2],
            "ctx_p50": pct(got["context"], 0.5),
            "ctx_p95": pct(got["context"], 0.95),
            "search_p50": pct(got["search"], 0.5),
            "search_p95": pct(got["search"], 0.95),
        }
    return out


def served_rate(tmp: Path) -> float:
    from zep_integrations.server.process import serve_process

    with serve_process(tmp / "served.db") as served, ZepClient(base_url=served.url) as client:
        return write_rate(client, 9_000, "served")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000")
    sizes = [int(s) for s in parser.parse_args().sizes.split(",")]
    print(
        f"machine: nproc={os.cpu_count()} python={platform.python_version()} {platform.machine()}"
        f" sqlite={sqlite3.sqlite_version}"
    )
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        print(
            "| messages in DB | bulk load s | write msg/s (in-process) | GET memory p50/p95 ms "
            "| search p50/p95 ms |"
        )
        print("|---:|---:|---:|---:|---:|")
        versions = {}
        for size in sizes:
            r = run_size(size, tmp)
            versions[size] = r.pop("versions")
            print(
                f"| {size:,} | {r['load_s']:.1f} | {r['write']:,.0f} | "
                f"{r['mem_p50']:.2f} / {r['mem_p95']:.2f} | "
                f"{r['search_p50']:.2f} / {r['search_p95']:.2f} |",
                flush=True,
            )
        print(
            "\nAPI versions on one in-process HTTP transport, interleaved rounds; `x v2` is"
            " this API's time per message or call over v2's (> 1 is slower):"
        )
        print(
            "| messages in DB | API | write msg/s | x v2 | context p50/p95 ms | x v2 (p50) "
            "| search p50/p95 ms | x v2 (p50) |"
        )
        print("|---:|---|---:|---:|---:|---:|---:|---:|")
        for size, by_api in versions.items():
            base = by_api["v2"]  # type: ignore[index]
            for api, v in by_api.items():  # type: ignore[attr-defined]
                print(
                    f"| {size:,} | {api} | {v['write']:,.0f} | {base['write'] / v['write']:.2f}x"
                    f" | {v['ctx_p50']:.2f} / {v['ctx_p95']:.2f}"
                    f" | {v['ctx_p50'] / base['ctx_p50']:.2f}x"
                    f" | {v['search_p50']:.2f} / {v['search_p95']:.2f}"
                    f" | {v['search_p50'] / base['search_p50']:.2f}x |"
                )
        print(f"\nwrite through `serve` on loopback: {served_rate(tmp):,.0f} msg/s")


if __name__ == "__main__":
    main()
