"""Time and memory of a batch's last sort: answers staged in the order answered, written in request order.

    python scripts/bench_answer_sort.py ANSWERS_DIR [--memory-limit 5GB] [--shares 1 0.25] [--times 6]

ANSWERS_DIR is a processed batch's output folder (its answers.parquet). Its rows are staged again in
a random order (the worst for the sort; a batch stages them in ZIP order), with their disclosure ids
taken out and given back as the ledger gives them, and then written in request order by
answer_files.Staged, once per share of the memory budget, each in a process of its own. `--times N`
stages the rows N times over, each copy with ids of its own: a 1.28M-row batch's answers six times
over are a 7.68M-row batch's sort, the one that set the 7.6M-row batch's peak (docs/benchmarks.md,
2026-12-02). Prints a Markdown row per share: wall time, the process's peak RSS, and whether the
files are byte-identical to those of the first share.
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from taxmatch import runtime
from taxmatch.matching import duck
from taxmatch.pipeline import answer_files
from taxmatch.settings import byte_size

ID, RID = "decision.disclosure_id", "result.request_id"


def _copies(table: pa.Table, times: int) -> pa.Table:
    """The rows `times` over, each copy's request and disclosure ids made its own (a larger batch)."""
    ids = [c for c in table.column_names if c.endswith((".request_id", ".disclosure_id"))]
    copies = [table]
    for n in range(1, times):
        copy = table
        for c in ids:
            own = pc.if_else(pc.equal(table[c], ""), "", pc.binary_join_element_wise(table[c], f"~{n}", ""))
            copy = copy.set_column(copy.schema.get_field_index(c), c, own)
        copies.append(copy)
    return pa.concat_tables(copies)


def stage(answers: Path, work: Path, times: int) -> None:
    """The answers staged in a random order without their disclosure ids, and the ids apart (ids.parquet)."""
    table = _copies(pq.read_table(answers / answer_files.ANSWERS), times)
    order = np.random.default_rng(13).permutation(table.num_rows)
    given = table.filter(pc.not_equal(table[ID], ""))
    pq.write_table(pa.table({"rid": given[RID], "did": given[ID]}), work / "ids.parquet")
    blank = pa.array([""] * table.num_rows, pa.string())
    for column in (ID, "result.disclosure_id"):
        table = table.set_column(table.schema.get_field_index(column), column, blank)
    table = table.append_column(answer_files.Staged.ROW, pa.array(np.arange(table.num_rows), pa.int64()))
    pq.write_table(table.take(order), work / ".answers.staging.parquet")


def sort(work: Path, out: Path, memory: int, share: float) -> None:
    """One measured run (in its own process): the staged rows written in order into `out`."""
    runtime.arrow_allocator()
    ids_table = pq.read_table(work / "ids.parquet")
    ids = dict(zip(ids_table["rid"].to_pylist(), ids_table["did"].to_pylist(), strict=True))
    del ids_table
    out.mkdir(parents=True, exist_ok=True)
    (out / ".answers.staging.parquet").hardlink_to(work / ".answers.staging.parquet")
    budget = duck.Budget(memory, work / "spill")
    staged = answer_files.Staged(out, budget, share)
    started = time.perf_counter()
    staged._write_in_order(ids, answer_files.NOTHING)
    seconds = time.perf_counter() - started
    with open("/proc/self/status") as status:
        peak = next(int(line.split()[1]) // 1024 for line in status if line.startswith("VmHWM"))
    print(f"{seconds:.1f} {peak}")


def _digest(folder: Path) -> str:
    files = (answer_files.RESULTS, answer_files.DECISIONS)
    return hashlib.sha256(b"".join((folder / f).read_bytes() for f in files)).hexdigest()[:12]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("answers", type=Path)
    parser.add_argument("--memory-limit", default="5GB")
    parser.add_argument("--shares", type=float, nargs="+", default=[1.0, answer_files.SORT_SHARE])
    parser.add_argument("--times", type=int, default=1, help="stage the rows this many times over")
    parser.add_argument("--run", nargs=3, help=argparse.SUPPRESS)  # WORK OUT SHARE: one measured run
    args = parser.parse_args()
    memory = byte_size(args.memory_limit)
    if args.run:
        sort(Path(args.run[0]), Path(args.run[1]), memory, float(args.run[2]))
        return
    with tempfile.TemporaryDirectory(dir=args.answers.parent) as temp:
        work = Path(temp)
        stage(args.answers, work, args.times)
        rows = pq.ParquetFile(work / ".answers.staging.parquet").metadata.num_rows
        print(f"{rows:,} rows, TAXMATCH_MEMORY_LIMIT={args.memory_limit}\n")
        print("| share of the budget | wall time (s) | peak RSS (MiB) | files |\n|---:|---:|---:|---|")
        first = ""
        for n, share in enumerate(args.shares):
            out = work / f"out{n}"
            run = [sys.executable, __file__, str(args.answers), "--memory-limit", args.memory_limit]
            measured = [*run, "--run", str(work), str(out), str(share)]
            done = subprocess.run(measured, capture_output=True, text=True)
            if done.returncode:
                raise SystemExit(done.stderr)
            seconds, peak = done.stdout.split()
            digest = _digest(out)
            first = first or digest
            same = "the same" if digest == first else "DIFFERENT"
            print(f"| {share:g} | {float(seconds):.1f} | {int(peak):,} | {same} ({digest}) |")


if __name__ == "__main__":
    main()
