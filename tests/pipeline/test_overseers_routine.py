"""Issue 9: the overseer's routine in docs/overseers.md, run exactly as written against a real store."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from taxmatch.db import ledger
from tests.conftest import ROOT, run_as_written, shell_block
from tests.pipeline.conftest import Store

pytestmark = pytest.mark.slow
DOC = ROOT / "docs" / "overseers.md"


@pytest.mark.parametrize("store", ["sqlite"], indirect=True)
def test_the_overseers_routine_runs_as_written(store: Store, tmp_path: Path) -> None:
    report, out = store.answered(store.rows, "first")
    disclosed = ledger.count(store.ctx.engine)
    assert disclosed > 0
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "STORE": str(store.ctx.layout.root),
        "RECEIVED": str(out / "checkpoint.txt"),
        "BATCH": report.batch_id,
    }
    said = run_as_written(shell_block(DOC, "## The overseer's routine"), tmp_path, env)
    assert said.count("ledger verifies") == 3, said
    assert f"would retract {disclosed:,} disclosure(s)" in said and "nothing was written" in said
    assert f"{disclosed:,} disclosure(s) retracted" in said
    assert (tmp_path / "export" / "entries.jsonl").read_text().count("\n") == disclosed
    notice = (tmp_path / "notice.csv").read_text(encoding="utf-8").splitlines()
    assert notice[0].startswith("disclosure_id,request_id,batch_id") and len(notice) == 1 + disclosed
    assert ledger.count(store.ctx.engine) == 2 * disclosed
    assert "<svg" in (tmp_path / "report.html").read_text(encoding="utf-8")
