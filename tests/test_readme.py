"""Issue 11: the README's service walkthrough, run as written against a real server and worker."""

from __future__ import annotations

import csv
import datetime as dt
import os
import shutil
import socket
import sys
from pathlib import Path

import pytest

from taxmatch.lab import synth
from taxmatch.layout import Layout
from taxmatch.matching import reference
from tests.conftest import ROOT, TODAY, run_as_written, shell_block

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_service_walkthrough_runs_as_written(tmp_path: Path) -> None:
    if shutil.which("curl") is None:
        pytest.fail("the walkthrough needs curl")
    demo = tmp_path / "demo-output"  # what `make demo` leaves, at a smaller size
    demo.mkdir()
    people = synth.write_master(demo / "master.csv", 800, seed=71)
    synth.write_requests(demo / "requests.csv", demo / "truth.csv", people, 120, seed=72)
    synth.write_manifest(demo / "manifest.json", demo / "requests.csv")
    reference.load(demo / "master.csv", Layout(demo / "store"), dt.datetime.combine(TODAY, dt.time(), dt.UTC))
    (tmp_path / ".venv").symlink_to(Path(sys.executable).parents[1])
    port = str(free_port())  # the README's port, unless something here already holds it
    script = shell_block(ROOT / "README.md", "## The service").replace("8000", port)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAXMATCH_")}
    said = run_as_written(script, tmp_path, env, timeout=300).replace(" ", "")
    assert '"status":"released"' in said
    assert '"verifier_key":"taxmatch-ledger/' in said  # the auditor's GET /ledger/verify answered
    with (tmp_path / "results.csv").open(encoding="utf-8", newline="") as handle:
        answered = list(csv.DictReader(handle))
    assert len(answered) == 120 and any(r["outcome"] == "VERIFIED" for r in answered)
    assert (tmp_path / "checkpoint.txt").read_text(encoding="utf-8").startswith("taxmatch-ledger/")
