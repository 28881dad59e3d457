"""The layer rule of DESIGN.md is a check that fails: import-linter, on the real tree and on a broken copy."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT = [sys.executable, "-c", "from importlinter.cli import lint_imports_command; lint_imports_command()"]


def lint(src: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    return subprocess.run(
        [*LINT, "--no-cache"], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )


def test_the_tree_keeps_every_contract() -> None:
    done = lint(ROOT / "src", ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "4 kept, 0 broken" in done.stdout


@pytest.mark.parametrize(
    ("module", "bad_import", "contract"),
    [
        ("rules/gate.py", "from taxmatch.pipeline import batch", "all on the vocabulary BROKEN"),
        (
            "matching/training.py",
            "from taxmatch.lab import synth",
            "Nothing in production imports the lab BROKEN",
        ),
        ("standardise/names.py", "import duckdb", "import no I/O library BROKEN"),
        ("db/ledger.py", "from taxmatch.matching import model", "do not know each other BROKEN"),
    ],
)
def test_a_wrong_way_import_breaks_its_contract(
    tmp_path: Path, module: str, bad_import: str, contract: str
) -> None:
    copy = tmp_path / "src" / "taxmatch"
    shutil.copytree(ROOT / "src" / "taxmatch", copy, ignore=shutil.ignore_patterns("__pycache__"))
    target = copy / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n{bad_import}  # noqa\n", encoding="utf-8")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    done = lint(tmp_path / "src", tmp_path)
    assert done.returncode != 0
    assert contract in " ".join(done.stdout.split()), done.stdout
