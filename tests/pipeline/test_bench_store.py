"""scripts/bench_store.py, behind the storing figures in docs/benchmarks.md, runs as written."""

import os
import subprocess
import sys
from pathlib import Path

from tests.pipeline.conftest import Store

SCRIPT = Path(__file__).parents[2] / "scripts" / "bench_store.py"


def test_each_way_is_timed_alone_and_beside_busy_python(store: Store) -> None:
    store.answered(store.rows, "first")
    done = subprocess.run(
        [sys.executable, str(SCRIPT), str(store.ctx.layout.root), "--rows", "40"],
        env={
            **os.environ,
            "TAXMATCH_DATABASE_URL": store.ctx.engine.url.render_as_string(hide_password=False),
        },
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "40 decisions"
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in lines[4:]]
    assert [(way, beside) for way, beside, _ in rows] == [
        ("executemany", "nothing"),
        ("executemany", "a thread spinning in Python"),
        ("bulk.insert", "nothing"),
        ("bulk.insert", "a thread spinning in Python"),
    ]
    assert all(float(seconds) >= 0 for *_, seconds in rows)
