"""Benchmark: wall time and peak memory per stage, at national-master scale.

    python scripts/benchmark.py [--taxpayers 1000000] [--requests 100000] [--dir bench] [--memory-limit 5GB]
                                [--large-batch 7600000]

National scale (issue 13): --taxpayers 10000000 --requests 1280000 --memory-limit 5GB, and
--large-batch 7600000 for the largest 2025 batch against the same master after the first.

Each stage runs as its own `taxmatch` process so that its peak resident set
size is its own (from wait4's rusage). Prints a Markdown table for
docs/benchmarks.md. Figures depend on the machine: record which one.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

TAXMATCH = [sys.executable, "-m", "taxmatch"]


PAGE = os.sysconf("SC_PAGE_SIZE")


def tree_rss(root: int) -> int:
    """Bytes resident in a process and all its descendants now (a large batch's second process
    included), from /proc: wait4's peak is one process's, not their sum."""
    parent, resident = {}, {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            statm = (stat.parent / "statm").read_text().split()
        except OSError:  # the process ended while we looked
            continue
        pid = int(stat.parent.name)
        parent[pid], resident[pid] = int(fields[1]), int(statm[1]) * PAGE
    wanted, more = {root}, {root}
    while more:  # children, then theirs
        more = {pid for pid, up in parent.items() if up in more} - wanted
        wanted |= more
    return sum(resident.get(pid, 0) for pid in wanted)


def _sample(pid: int, peak: list[int], done: threading.Event) -> None:
    while not done.wait(0.5):
        peak[0] = max(peak[0], tree_rss(pid))


def stage(name: str, args: list[str], env: dict[str, str] | None = None) -> tuple[str, float, float, float]:
    """(stage, wall seconds, peak RSS of the stage's process in MiB, sampled peak of its process tree)."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        [*TAXMATCH, *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, **(env or {})},
    )
    peak, done = [0], threading.Event()
    sampler = threading.Thread(target=_sample, args=(proc.pid, peak, done), daemon=True)
    sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.stderr.write(proc.stderr.read().decode() if proc.stderr else "")
        raise SystemExit(f"stage {name!r} failed")
    return name, seconds, usage.ru_maxrss / 1024, peak[0] / 2**20  # KiB -> MiB on Linux


def large_batch(
    work: Path, master: str, store: str, count: int, budget: dict[str, str] | None
) -> list[tuple[str, float, float, float]]:
    """A second batch, of `count` rows, against the master already loaded (its own seed and files)."""
    f = {n: str(work / f"large-{n}") for n in ("requests.csv", "truth.csv", "manifest.json", "out")}
    made = ["synth", "requests", master, f["requests.csv"], "--truth", f["truth.csv"], "--seed", "3"]
    process = ["process", f["requests.csv"], "--manifest", f["manifest.json"], "--out", f["out"]]
    larger = {"TAXMATCH_MAX_ROWS_PER_BATCH": str(count)}  # the default refuses more than 1,300,000 rows
    return [
        stage(f"synth requests ({count:,})", [*made, "--manifest", f["manifest.json"], "--rows", str(count)]),
        stage(f"process batch ({count:,})", [*process, "--store", store], (budget or {}) | larger),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--taxpayers", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--dir", type=Path, default=Path("bench"))
    parser.add_argument("--memory-limit", help="TAXMATCH_MEMORY_LIMIT for loading and processing, e.g. 5GB")
    parser.add_argument("--large-batch", type=int, help="then make and process a batch of this many rows")
    args = parser.parse_args()
    budget = {"TAXMATCH_MEMORY_LIMIT": args.memory_limit} if args.memory_limit else None
    work: Path = args.dir
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    store = str(work / "store")
    f = {n: str(work / n) for n in ("master.csv", "requests.csv", "truth.csv", "manifest.json", "out")}
    rows = [
        stage("synth master", ["synth", "master", f["master.csv"], "--taxpayers", str(args.taxpayers)]),
        stage(
            "synth requests",
            [
                "synth",
                "requests",
                f["master.csv"],
                f["requests.csv"],
                "--truth",
                f["truth.csv"],
                "--manifest",
                f["manifest.json"],
                "--rows",
                str(args.requests),
            ],
        ),
        stage("master load", ["master", "load", f["master.csv"], "--store", store], budget),
        stage(
            "process batch",
            [
                "process",
                f["requests.csv"],
                "--manifest",
                f["manifest.json"],
                "--out",
                f["out"],
                "--store",
                store,
            ],
            budget,
        ),
        stage("ledger verify", ["ledger", "verify", "--store", store]),
    ]
    if args.large_batch:
        rows += large_batch(work, f["master.csv"], store, args.large_batch, budget)
    with open(f["master.csv"], "rb") as handle:
        master_rows = sum(block.count(b"\n") for block in iter(lambda: handle.read(1 << 20), b"")) - 1
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"master: {args.taxpayers:,} taxpayers ({master_rows:,} rows); batch: {args.requests:,} requests\n")
    print("| stage | wall time (s) | peak RSS (MiB) | peak RSS of its processes together (MiB, sampled) |")
    print("|---|---:|---:|---:|")
    for name, seconds, rss, tree in rows:
        print(f"| {name} | {seconds:.1f} | {rss:.0f} | {tree:.0f} |")
    subprocess.run(
        [
            *TAXMATCH,
            "evaluate",
            f["out"],
            "--truth",
            f["truth.csv"],
            "--requests",
            f["requests.csv"],
            "--store",
            store,
        ],
        check=True,
    )


if __name__ == "__main__":
    main()
