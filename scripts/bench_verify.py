"""Benchmark interactive verification against a loaded store (for docs/benchmarks.md).

    python scripts/bench_verify.py STORE REQUESTS.csv MANIFEST.json RESULTS.csv [--calls 200]

STORE holds a loaded master; REQUESTS/MANIFEST a batch already processed into
RESULTS (the batch path's answers). Times the index build, then calls of 25
requests and of 1 request through the same code the service runs (no HTTP),
and counts how often a call's answer differs from the batch path's, by the
batch's reason codes.

Use a copy of the store the batch was processed in. A call counts an official's
cases from the store (the caseload rule), and the batch counted them over the
whole file: on a store without the batch's cases, rows the batch rejected as
CASELOAD_IMPLAUSIBLE are answered on their own, and differ (docs/benchmarks.md,
2026-12-08).
"""

from __future__ import annotations

import argparse
import collections
import csv
import json
import logging
import statistics
import time
from pathlib import Path

from taxmatch.db.clients import Client, Role
from taxmatch.pipeline import calls
from taxmatch.pipeline.context import Context
from taxmatch.settings import Settings


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _quantiles(seconds: list[float]) -> str:
    ms = sorted(s * 1000 for s in seconds)
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    slowest = ", ".join(f"{m:.0f}" for m in ms[-3:])
    return f"p50 {statistics.median(ms):.0f} ms, p99 {p99:.0f} ms, slowest {slowest} ms ({len(ms)} calls)"


class Moments(logging.Handler):
    """The pipeline's own log lines of one call, with when they came: what a slow call was doing."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.began, self.lines = time.perf_counter(), list[str]()

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"    +{(time.perf_counter() - self.began) * 1000:.0f} ms {record.getMessage()}")

    def restart(self) -> None:
        self.began, self.lines = time.perf_counter(), []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store", type=Path)
    parser.add_argument("requests", type=Path)
    parser.add_argument("manifest", type=Path)
    parser.add_argument("results", type=Path)
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    manifest = json.loads(args.manifest.read_text())
    manifest.pop("request_file_sha256")
    requests, batch = _rows(args.requests), {r["request_id"]: r for r in _rows(args.results)}
    ctx = Context.open(Settings(store=args.store))
    client = Client("c_bench", manifest["requesting_agency"], Role.REQUESTER)
    verifier = calls.Verifier(ctx.layout)
    started = time.perf_counter()
    verifier.master()
    print(f"index build: {time.perf_counter() - started:.1f} s")
    verifier.answer(ctx, client, manifest, requests[-25:])  # warm-up
    moments = Moments()
    logging.getLogger("taxmatch").addHandler(moments)
    logging.getLogger("taxmatch").setLevel(logging.INFO)
    differ, compared = collections.Counter[str](), 0
    for size in (25, 1):
        took = []
        for n in range(args.calls):
            start = (n * 9973 * size) % (len(requests) - size)
            rows = requests[start : start + size]
            moments.restart()
            began = time.perf_counter()
            done = verifier.answer(ctx, client, manifest, rows)
            took.append(time.perf_counter() - began)
            if took[-1] > 0.15:
                print(f"  slow call {n} of {size}: {took[-1] * 1000:.0f} ms", *moments.lines, sep="\n")
            for got in done.results:
                compared += 1
                asked = batch[got["request_id"]]
                if got["outcome"] != asked["outcome"]:
                    batch_said = f"{asked['outcome']} {asked['reason_codes']}"
                    differ[f"{got['outcome']} here, {batch_said} in the batch"] += 1
        slow = sorted(range(len(took)), key=took.__getitem__)[-3:]
        print(f"calls of {size}: {_quantiles(took)}; the slowest were calls {slow}")
    print(f"answers differing from the batch path: {differ.total()} of {compared}")
    for why, count in differ.most_common():
        print(f"  {count}: {why}")


if __name__ == "__main__":
    main()
