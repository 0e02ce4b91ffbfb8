"""Benchmark of the embedded Zep-compatible server.

Run: python benchmarks/server_bench.py [--sizes 10000,100000,1000000]

For each size the database is bulk-loaded through the storage layer (1000 messages per session),
then we measure: messages/s written through ZepClient in-process (batches of 30), GET memory
latency and session search latency (p50/p95, through ZepClient in-process). Finally the same write
through `zep-integrations serve` on loopback.

Then v2 against v4 on the same database, both as raw HTTP through the in-process transport (no
client library on either side), rounds interleaved so machine noise hits both alike: writes of 30
messages (v4 with a fresh ``Idempotency-Key`` each, as zep-cloud 4.x sends), the context of a
thread (v2 ``GET memory`` vs v4 ``GET threads/{uuid}/context``) and search (v2 session search vs
v4 ``search/episodes`` on the owner's graph; every bulk session has its own user, so both search
the same messages).
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

from zep_integrations import ZepClient  # noqa: E402
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
                (str(uuid.uuid4()), f"u{s}", now, now),
            )
            cur = conn.execute(
                "INSERT INTO sessions(uuid, session_id, user_id, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (str(uuid.uuid4()), f"bulk{s}", f"u{s}", now, now),
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
        **versions,
        "load_s": load,
        "write": rate,
        "mem_p50": pct(mem, 0.5),
        "mem_p95": pct(mem, 0.95),
        "search_p50": pct(srch, 0.5),
        "search_p95": pct(srch, 0.95),
    }


ROUNDS = 6
WRITES_PER_ROUND = 100  # requests of 30 messages
READS_PER_ROUND = 50


def compare_versions(db: Path, sessions: int) -> dict[str, float]:
    """v2 vs v4 write rate and context/search latency, rounds interleaved (see module doc)."""
    import httpx

    from zep_integrations.server import ZepServer

    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT sessions.session_id, sessions.uuid, users.uuid FROM sessions"
            " JOIN users ON users.user_id = sessions.user_id WHERE session_id LIKE 'bulk%'"
        ).fetchall()
    server = ZepServer(db)
    http = httpx.Client(transport=server.transport(), base_url="http://zep/api/")
    v4_user = http.post("v4/users", json={"first_name": "Jane"}).json()["uuid"]
    v4_thread = http.post("v4/threads", json={"user_uuid": v4_user}).json()["uuid"]
    http.post("v2/sessions", json={"session_id": "v2-writes"})
    batch = [{"role": "user", "name": "Jane", "content": sentence()} for _ in range(30)]
    v2_body = {
        "messages": [{"role_type": "user", "role": "Jane", "content": m["content"]} for m in batch]
    }
    times: dict[str, list[float]] = {k: [] for k in ("w2", "w4", "c2", "c4", "s2", "s4")}
    for _ in range(ROUNDS):
        start = time.perf_counter()
        for _ in range(WRITES_PER_ROUND):
            http.post("v2/sessions/v2-writes/memory", json=v2_body)
        times["w2"].append(time.perf_counter() - start)
        start = time.perf_counter()
        for _ in range(WRITES_PER_ROUND):
            http.post(
                f"v4/threads/{v4_thread}/messages",
                json={"messages": batch},
                headers={"Idempotency-Key": str(uuid.uuid4())},
            )
        times["w4"].append(time.perf_counter() - start)
        picks = [rows[rng.randrange(len(rows))] for _ in range(READS_PER_ROUND)]
        queries = [" ".join(rng.choice(VOCAB) for _ in range(4)) for _ in picks]
        for sid, thread, _ in picks:
            for key, path in (
                ("c2", f"v2/sessions/{sid}/memory"),
                ("c4", f"v4/threads/{thread}/context"),
            ):
                start = time.perf_counter()
                http.get(path)
                times[key].append(time.perf_counter() - start)
        for (sid, _, user), query in zip(picks, queries, strict=True):
            start = time.perf_counter()
            http.post(f"v2/sessions/{sid}/search", params={"limit": 10}, json={"text": query})
            times["s2"].append(time.perf_counter() - start)
            start = time.perf_counter()
            http.post(
                f"v4/graphs/{user}/search/episodes", params={"page_size": 10}, json={"query": query}
            )
            times["s4"].append(time.perf_counter() - start)
    server.close()
    messages = ROUNDS * WRITES_PER_ROUND * 30
    return {
        "w2": messages / sum(times["w2"]),
        "w4": messages / sum(times["w4"]),
        **{f"{k}_p50": pct(times[k], 0.5) for k in ("c2", "c4", "s2", "s4")},
        **{f"{k}_p95": pct(times[k], 0.95) for k in ("c2", "c4", "s2", "s4")},
    }


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
        results = []
        for size in sizes:
            r = run_size(size, tmp)
            results.append((size, r))
            print(
                f"| {size:,} | {r['load_s']:.1f} | {r['write']:,.0f} | "
                f"{r['mem_p50']:.2f} / {r['mem_p95']:.2f} | "
                f"{r['search_p50']:.2f} / {r['search_p95']:.2f} |",
                flush=True,
            )
        print(f"\nwrite through `serve` on loopback: {served_rate(tmp):,.0f} msg/s")
        print(
            "\nv2 vs v4 (raw HTTP in-process; ratio = v4 cost / v2 cost, target <= 1.2x)\n"
            "| messages in DB | API | write msg/s | context p50/p95 ms | search p50/p95 ms |\n"
            "|---:|---|---:|---:|---:|"
        )
        for size, r in results:
            for v in ("2", "4"):
                print(
                    f"| {size:,} | v{v} | {r['w' + v]:,.0f} | "
                    f"{r['c' + v + '_p50']:.2f} / {r['c' + v + '_p95']:.2f} | "
                    f"{r['s' + v + '_p50']:.2f} / {r['s' + v + '_p95']:.2f} |"
                )
            print(
                f"| {size:,} | v4/v2 | {r['w2'] / r['w4']:.2f}x | "
                f"{r['c4_p50'] / r['c2_p50']:.2f}x / {r['c4_p95'] / r['c2_p95']:.2f}x | "
                f"{r['s4_p50'] / r['s2_p50']:.2f}x / {r['s4_p95'] / r['s2_p95']:.2f}x |"
            )


if __name__ == "__main__":
    main()
