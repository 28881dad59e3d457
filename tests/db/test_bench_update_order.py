"""scripts/bench_update_order.py, behind docs/benchmarks.md's update-order figures, runs as written."""

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).parents[2] / "scripts" / "bench_update_order.py"


def test_both_orders_are_timed(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--rows", "2000", "--dir", str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    rows = [line.strip("|").split("|") for line in done.stdout.splitlines()[2:]]
    assert [name.strip() for name, _ in rows] == ["request order", "the order stored"]
    assert all(float(seconds) >= 0 for _, seconds in rows)
    assert not list(tmp_path.iterdir())  # its stores are removed
