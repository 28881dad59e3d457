"""Memory of a batch's whole-file stages, before its first chunk: read, repeats, ZIP order, caseloads.

    python scripts/bench_intake.py REQUESTS.csv MANIFEST.json [--store DIR]

Prints, after each stage, the process's resident set (now and its peak so far) and what Arrow holds.
These stages are what a batch holds whole (docs/benchmarks.md, 2026-12-02); the chunks after them
are measured by `scripts/benchmark.py`. Set ARROW_DEFAULT_MEMORY_POOL to compare allocators.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import pyarrow as pa

from taxmatch import runtime
from taxmatch.pipeline import batch, chunking
from taxmatch.pipeline.context import Context
from taxmatch.settings import Settings


def _status() -> dict[str, int]:
    """VmRSS and VmHWM of this process, in MiB."""
    wanted = ("VmRSS", "VmHWM")
    with open("/proc/self/status") as status:
        fields = (line.split() for line in status if line.startswith(wanted))
        return {f[0].rstrip(":"): int(f[1]) // 1024 for f in fields}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("requests", type=Path)
    parser.add_argument("manifest", type=Path)
    parser.add_argument("--store", type=Path, help="a store to count earlier caseloads in (default: empty)")
    args = parser.parse_args()
    print(f"Arrow's allocator: {runtime.arrow_allocator()}")
    started = time.perf_counter()

    def report(stage: str) -> None:
        now = _status()
        at, arrow = time.perf_counter() - started, pa.total_allocated_bytes() // 2**20
        print(f"| {stage} | {at:.1f} s | {now['VmRSS']:,} | {now['VmHWM']:,} | {arrow:,} |")

    with tempfile.TemporaryDirectory() as empty:
        ctx = Context.open(Settings.with_store(args.store or Path(empty)))
        print("| stage | at | RSS (MiB) | peak RSS (MiB) | Arrow (MiB) |\n|---|---:|---:|---:|---:|")
        report("start")
        submission = batch.read_batch(args.requests, args.manifest, ctx.agreement, max_rows=None)
        report(f"read {len(submission.requests):,} rows")
        chunking.repeated(submission.requests)
        report("repeats")
        chunking.by_locality(submission.requests)
        report("ZIP order")
        chunking.overloaded(ctx, submission.requests, ctx.now())
        report("caseloads")


if __name__ == "__main__":
    main()
