"""scripts/bench_intake.py, which docs/benchmarks.md's whole-file figures come from, runs as written."""

import os
import subprocess
import sys
from pathlib import Path

from taxmatch import runtime
from tests.pipeline.conftest import Loaded

SCRIPT = Path(__file__).parents[2] / "scripts" / "bench_intake.py"


def test_the_whole_file_stages_are_measured_one_line_each(loaded: Loaded) -> None:
    files = loaded.root.parent
    done = subprocess.run(
        [sys.executable, str(SCRIPT), str(files / "requests.csv"), str(files / "manifest.json")],
        env={k: v for k, v in os.environ.items() if k != runtime.ARROW_POOL},
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    lines = done.stdout.splitlines()
    assert lines[0] == "Arrow's allocator: jemalloc"
    stages = [line.split(" | ")[0].lstrip("| ") for line in lines[3:]]
    assert stages == ["start", "read 150 rows", "repeats", "ZIP order", "caseloads"]
    peaks = [int(line.split(" | ")[3].replace(",", "")) for line in lines[3:]]
    assert peaks == sorted(peaks) and peaks[0] > 0  # a peak so far never falls
