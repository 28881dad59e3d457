"""Benchmark: the overseers' checks on a ledger of N entries (issue 9): verify, export, audit.

    python scripts/bench_ledger.py [--entries 1000000] [--dir bench-ledger]

Fills a fresh store's ledger with N synthetic disclosures (through the ledger's
own append, a page at a time), signs a checkpoint, then times `taxmatch ledger
verify --checkpoint`, `ledger export` and `taxmatch audit --checkpoint`, each
as its own process with its peak RSS, and prints a Markdown table for
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchmark import stage

from taxmatch.db import disclosure, ledger
from taxmatch.pipeline import transparency
from taxmatch.pipeline.context import Context
from taxmatch.settings import Settings

PAGE = 50_000
ADDRESS = '{"disclosed_city":"Springfield","disclosed_state":"IL","disclosed_street_address":"12 Main St",'
ADDRESS += '"disclosed_unit":"","disclosed_zip":"62701"}'


def fill(store: Path, entries: int) -> str:
    ctx = Context.open(Settings(store=store))
    now = dt.datetime.now(dt.UTC)
    for start in range(0, entries, PAGE):
        batch = f"BENCH:{start // PAGE:06d}"
        items = [
            disclosure.Disclosure(
                batch,
                f"R{n}",
                f"{n % 10**9:09d}",
                "last_known_address",
                "8 U.S.C. 1253(a)(1)",
                f"Officer {n % 997}",
                "Deportation Officer",
                f"A{n % 50_000}",
                "DHS/ICE",
                ADDRESS,
            )
            for n in range(start, min(start + PAGE, entries))
        ]
        ledger.append(ctx.engine, items, now)
    note = transparency.make(ctx)
    ctx.engine.dispose()
    return note


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--dir", type=Path, default=Path("bench-ledger"))
    args = parser.parse_args()
    work: Path = args.dir
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    store = work / "store"
    (work / "kept.txt").write_text(fill(store, args.entries), encoding="utf-8")
    kept, middle = str(work / "kept.txt"), ledger.disclosure_id(args.entries // 2)
    key = transparency.signer(Context.open(Settings(store=store)).layout).verifier_key
    rows = [
        stage(
            "ledger verify --checkpoint", ["ledger", "verify", "--store", str(store), "--checkpoint", kept]
        ),
        stage("ledger export", ["ledger", "export", str(work / "export"), "--store", str(store)]),
        stage(
            "audit --checkpoint (no store)",
            ["audit", str(work / "export"), "--checkpoint", kept, "--key", key],
        ),
        stage("ledger prove (one disclosure)", ["ledger", "prove", middle, "--store", str(store)]),
    ]
    size = sum(p.stat().st_size for p in (work / "export").iterdir())
    print(
        f"machine: {platform.machine()}, Python {platform.python_version()}; ledger: {args.entries:,} entries"
    )
    print(f"export: {size / 2**20:,.0f} MiB\n")
    print("| check | wall time (s) | peak RSS (MiB) |")
    print("|---|---:|---:|")
    for name, seconds, rss in rows:
        print(f"| {name} | {seconds:.1f} | {rss:.0f} |")


if __name__ == "__main__":
    main()
