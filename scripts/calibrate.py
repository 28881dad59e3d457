"""Calibration curve: wrong-person disclosures against automatic recall, per threshold and margin.

    python scripts/calibrate.py [--taxpayers 1000000] [--requests 100000] [--hard] [--dir calib]
    python scripts/calibrate.py --second --taxpayers 200000 --requests 20000
    python scripts/calibrate.py --febrl

Generates a synthetic master and a (hard) request batch, loads the master,
gates and scores the batch once, then re-decides it under each setting.
Prints a Markdown table for docs/calibration.md.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import shutil
import time
from pathlib import Path

import second_generator  # scripts/, beside this one

from taxmatch import agreement
from taxmatch.lab import calibration, synth
from taxmatch.layout import Layout
from taxmatch.matching import reference
from taxmatch.matching.search import WholeMaster
from taxmatch.pipeline import answering, intake


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--taxpayers", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--hard", action="store_true")
    parser.add_argument("--febrl", action="store_true", help="use FEBRL4 (tests/data/febrl4) instead")
    parser.add_argument(
        "--second",
        action="store_true",
        help="use the second generator (scripts/second_generator.py)",
    )
    parser.add_argument("--dir", type=Path, default=Path("calib"))
    args = parser.parse_args()
    work: Path = args.dir
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    started = time.perf_counter()
    if args.febrl:
        data, label = Path(__file__).resolve().parents[1] / "tests" / "data" / "febrl4", "FEBRL4"
    elif args.second:
        data = work
        second_generator.generate(work, args.taxpayers, args.requests, seed=5)
        label = f"second generator: {args.taxpayers:,} taxpayers, {args.requests:,} requests"
    else:
        data = work
        people = synth.write_master(work / "master.csv", args.taxpayers, seed=21)
        synth.write_requests(work / "requests.csv", work / "truth.csv", people, args.requests, 22, args.hard)
        del people
        mix = "hard" if args.hard else "demo"
        label = f"{args.taxpayers:,} taxpayers, {args.requests:,} requests ({mix} mix)"
    now = dt.datetime.now(dt.UTC)
    today = now.date()
    # FEBRL4's master holds 261 defective rows of 5,000, set aside as `master load --max-rejected 0.1` does.
    ref = reference.load(
        data / "master.csv", Layout(work / "store"), now, max_rejected=0.1 if args.febrl else 0
    )
    rows = intake.read_requests(data / "requests.csv").rows
    terms = agreement.load()
    reasons, found = answering.assess(rows, terms, dt.date(2026, 11, 2), WholeMaster(ref), today)
    with (data / "truth.csv").open(encoding="utf-8", newline="") as handle:
        truth = list(csv.DictReader(handle))
    points = calibration.sweep(reasons, found, truth, terms)
    print(f"{label}; {time.perf_counter() - started:.0f} s\n")
    print(calibration.markdown(points))


if __name__ == "__main__":
    main()
