"""The second generator (scripts/second_generator.py), run as docs/calibration.md runs it, end to end."""

from __future__ import annotations

import csv
import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest

from taxmatch import agreement
from taxmatch.lab import evaluate, synth
from taxmatch.layout import Layout
from taxmatch.matching import reference
from tests.conftest import ROOT, context_for, process_files

pytestmark = pytest.mark.slow
NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)


def test_its_batch_is_lawful_and_answered_without_a_wrong_person(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "scripts/second_generator.py",
            str(tmp_path),
            "--taxpayers",
            "3000",
            "--requests",
            "400",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    synth.write_manifest(tmp_path / "manifest.json", tmp_path / "requests.csv")
    reference.load(tmp_path / "master.csv", Layout(tmp_path / "store"), NOW)  # no defective row
    process_files(
        context_for(tmp_path / "store", NOW, agreement.load()),
        tmp_path / "requests.csv",
        tmp_path / "manifest.json",
        tmp_path / "out",
    )
    with (tmp_path / "out" / "results.csv").open(encoding="utf-8", newline="") as handle:
        outcomes = [r["outcome"] for r in csv.DictReader(handle)]
    assert len(outcomes) == 400 and "REJECTED" not in outcomes  # every row legally sufficient
    result = evaluate.evaluate(tmp_path / "out", tmp_path / "truth.csv")
    assert result.taxmatch.wrong_person == 0 and result.taxmatch.unlawful == 0
    assert result.findable > 200 and result.recalled / result.findable > 0.85
