"""Issue 11: a production install from requirements.lock, as docs/operators.md gives it: hashes checked,
the runtime alone (no test, lint or browser tooling), and the command works."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]


def production_install() -> str:
    """The shell block after 'A production install' in docs/operators.md."""
    page = (ROOT / "docs" / "operators.md").read_text(encoding="utf-8")
    return str(re.findall(r"```sh\n(.*?)```", page.split("A production install", 1)[1], flags=re.DOTALL)[0])


def test_a_production_install_takes_the_runtime_alone_with_every_hash_checked(tmp_path: Path) -> None:
    script = production_install().replace("/opt/taxmatch", str(tmp_path / "venv"))
    script = script.replace("python3.11 ", f"{sys.executable} ")
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip().splitlines()[-1].startswith("taxmatch ")
    installed = {p.name.lower() for p in (tmp_path / "venv" / "lib").glob("python3*/site-packages/*")}
    for tool in ("playwright", "mypy", "schemathesis", "pytest", "hypothesis", "pyspark"):
        assert not any(n == tool or n.startswith(f"{tool}-") for n in installed), tool
    locked = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    assert all("--hash=sha256:" in block for block in re.split(r"\n(?=[a-z0-9])", locked) if "==" in block)
