"""Benchmark of the embedded Zep-compatible server.

Run: python benchmarks/server_bench.py [--sizes 10000,100000,1000000]

For each size the database is bulk-loaded through the storage layer (1000 messages per session),
then we measure: messages/s written through ZepClient in-process (batches of 30), GET memory
latency and session search latency (p50/p95, through ZepClient in-process). Finally the same write
through `zep-integrations serve` on loopback.
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
            cur = conn.execute(
                "INSERT INTO sessions(uuid, session_id, created_at, updated_at)"
                " VALUES (?, ?, ?, ?)",
                (str(uuid.uuid4()), f"bulk{s}", now, now),
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
    return {
        "load_s": load,
        "write": rate,
        "mem_p50": pct(mem, 0.5),
        "mem_p95": pct(mem, 0.95),
        "search_p50": pct(srch, 0.5),
        "search_p95": pct(srch, 0.95),
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
        for size in sizes:
            r = run_size(size, tmp)
            print(
                f"| {size:,} | {r['load_s']:.1f} | {r['write']:,.0f} | "
                f"{r['mem_p50']:.2f} / {r['mem_p95']:.2f} | "
                f"{r['search_p50']:.2f} / {r['search_p95']:.2f} |",
                flush=True,
            )
        print(f"\nwrite through `serve` on loopback: {served_rate(tmp):,.0f} msg/s")


if __name__ == "__main__":
    main()
