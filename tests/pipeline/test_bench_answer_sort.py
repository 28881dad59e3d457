"""scripts/bench_answer_sort.py, behind the last sort's figures in docs/benchmarks.md, runs as written."""

import subprocess
import sys
from pathlib import Path

from tests.pipeline.conftest import Store

SCRIPT = Path(__file__).parents[2] / "scripts" / "bench_answer_sort.py"


def test_each_share_is_timed_and_writes_the_same_files(store: Store) -> None:
    _, out = store.answered(store.rows, "first")
    before = sorted(p.name for p in out.parent.iterdir())
    done = subprocess.run(
        [sys.executable, str(SCRIPT), str(out), "--memory-limit", "1GiB", "--shares", "1", "0.25"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "150 rows, TAXMATCH_MEMORY_LIMIT=1GiB"
    rows = [line.strip("|").split("|") for line in lines[4:]]
    assert [share.strip() for share, *_ in rows] == ["1", "0.25"]
    assert all(float(seconds) >= 0 and int(peak.replace(",", "")) > 0 for _, seconds, peak, _ in rows)
    assert all(files.strip().startswith("the same") for *_, files in rows)
    assert sorted(p.name for p in out.parent.iterdir()) == before  # its staging is removed
