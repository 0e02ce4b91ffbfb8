"""MMR search latency: the incremental re-ranking against the previous quadratic one.

Run: python benchmarks/mmr_bench.py [--limits 50,100,200] [--messages 1000]

One session holds ``--messages`` messages that all match the query word (20 random words each
from a 300-word vocabulary plus "apple"). Each limit is timed as a whole ``POST
sessions/{id}/search`` with ``search_type=mmr`` through the in-process server, once with the
server's ``search.mmr`` and once with the previous algorithm patched in (the peer). Both must
return the same hits in the same order.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import httpx  # noqa: E402

from zep_integrations.server import ZepServer, search  # noqa: E402

T = TypeVar("T")


def quadratic_mmr(
    items: Sequence[T],
    scores: Sequence[float],
    text_of: Callable[[T], str],
    limit: int,
    mmr_lambda: float = 0.5,
) -> list[tuple[T, float]]:
    """The algorithm before issue 10: every pick recomputes every candidate's max similarity."""
    sets = [frozenset(search.tokens(text_of(item))) for item in items]
    remaining = list(range(len(items)))
    chosen: list[int] = []
    while remaining and len(chosen) < limit:
        best_index, best_value = remaining[0], -math.inf
        for index in remaining:
            redundancy = max((search.jaccard(sets[index], sets[c]) for c in chosen), default=0.0)
            value = mmr_lambda * scores[index] - (1.0 - mmr_lambda) * redundancy
            if value > best_value:
                best_index, best_value = index, value
        chosen.append(best_index)
        remaining.remove(best_index)
    return [(items[index], scores[index]) for index in chosen]


def timed_search(http: httpx.Client, limit: int) -> tuple[float, list[Any]]:
    start = time.perf_counter()
    answer = http.post(
        f"sessions/s/search?limit={limit}", json={"text": "apple", "search_type": "mmr"}
    )
    elapsed = time.perf_counter() - start
    answer.raise_for_status()
    return elapsed, [hit["message"]["uuid"] for hit in answer.json()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--limits", default="50,100,200")
    parser.add_argument("--messages", type=int, default=1000)
    args = parser.parse_args()
    rng = random.Random(7)
    words = [f"w{i}" for i in range(300)]
    with tempfile.TemporaryDirectory() as tmp:
        server = ZepServer(Path(tmp) / "mmr.db")
        http = httpx.Client(transport=server.transport(), base_url="http://zep/api/v2/")
        for start in range(0, args.messages, 30):
            batch = [
                {"role_type": "user", "content": " ".join(rng.choices(words, k=20)) + " apple"}
                for _ in range(min(30, args.messages - start))
            ]
            http.post("sessions/s/memory", json={"messages": batch}).raise_for_status()
        print(f"{args.messages} matching messages; seconds per MMR search request")
        print("| limit | incremental s | previous (quadratic) s | speed-up | same hits |")
        print("|---:|---:|---:|---:|:---:|")
        current = search.mmr
        for limit in (int(x) for x in args.limits.split(",")):
            new_s, new_hits = timed_search(http, limit)
            search.mmr = quadratic_mmr
            try:
                old_s, old_hits = timed_search(http, limit)
            finally:
                search.mmr = current
            same = "yes" if new_hits == old_hits else "NO"
            print(f"| {limit} | {new_s:.3f} | {old_s:.2f} | {old_s / new_s:.0f}x | {same} |")
        server.close()


if __name__ == "__main__":
    main()
