"""Issue 11: a production install from requirements.lock, as docs/operators.md gives it: hashes checked,
the runtime alone (no test, lint or browser tooling), and the command works."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_as_written, shell_block

pytestmark = pytest.mark.slow


def test_a_production_install_takes_the_runtime_alone_with_every_hash_checked(tmp_path: Path) -> None:
    script = shell_block(ROOT / "docs" / "operators.md", "A production install")
    script = script.replace("/opt/taxmatch", str(tmp_path / "venv"))
    script = script.replace("python3.11 ", f"{sys.executable} ")
    said = run_as_written(script, ROOT, timeout=900)
    assert said.strip().splitlines()[-1].startswith("taxmatch ")
    installed = {p.name.lower() for p in (tmp_path / "venv" / "lib").glob("python3*/site-packages/*")}
    for tool in ("playwright", "mypy", "schemathesis", "pytest", "hypothesis", "pyspark"):
        assert not any(n == tool or n.startswith(f"{tool}-") for n in installed), tool
    locked = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    assert all("--hash=sha256:" in block for block in re.split(r"\n(?=[a-z0-9])", locked) if "==" in block)
