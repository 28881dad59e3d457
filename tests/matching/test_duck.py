"""The memory budget: every DuckDB connection keeps to it and spills to the store's disk."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from taxmatch.matching import duck
from taxmatch.pipeline.context import Context
from taxmatch.settings import Settings, byte_size


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("8GB", 8_000_000_000),
        ("512MiB", 512 * 2**20),
        ("1.5GiB", 3 * 2**29),
        ("123", 123),
        (" 2 gb ", 2 * 10**9),
    ],
)
def test_sizes_read_as_people_write_them(text: str, size: int) -> None:
    assert byte_size(text) == size


@pytest.mark.parametrize("text", ["", "lots", "8 parsecs", "-1GB", "GB"])
def test_a_size_that_is_not_one_is_refused_at_start_up(text: str) -> None:
    with pytest.raises(ValidationError, match="not a size"):
        Settings(memory_limit=text)


def test_the_default_budget_is_half_the_machine(tmp_path: Path) -> None:
    assert 0 < Settings(store=tmp_path).memory_bytes <= 32 * 2**30
    assert Settings(store=tmp_path, memory_limit="3GiB").memory_bytes == 3 * 2**30


def test_a_connection_keeps_to_its_budget(tmp_path: Path) -> None:
    con = duck.connect(duck.Budget(256 * 2**20, tmp_path / "spill", 1))
    settings = dict(con.sql("SELECT name, value FROM duckdb_settings() WHERE name IN "
                            "('memory_limit', 'temp_directory', 'threads')").fetchall())  # fmt: skip
    assert settings["memory_limit"] == "256.0 MiB" and settings["threads"] == "1"
    assert settings["temp_directory"] == str(tmp_path / "spill") and (tmp_path / "spill").is_dir()


def test_the_context_carries_the_settings_budget(tmp_path: Path) -> None:
    ctx = Context.open(Settings(store=tmp_path, memory_limit="1GiB"))
    assert ctx.budget == duck.Budget(2**30, tmp_path / "spill")
    ctx.engine.dispose()


def test_spill_files_of_a_killed_process_are_cleared_and_a_live_one_s_are_kept(tmp_path: Path) -> None:
    """A batch killed mid-way left 15 GB in STORE/spill at the 10M benchmark."""
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    dead = int(gone.stdout)
    (tmp_path / f"duckdb_temp_{dead}_0_storage_DEFAULT-0.tmp").write_bytes(b"x" * 10)
    (tmp_path / f"duckdb_temp_{dead}_0_owner").write_bytes(b"")
    mine = tmp_path / f"duckdb_temp_{os.getpid()}_0_storage_DEFAULT-0.tmp"
    mine.write_bytes(b"y")
    assert duck.clear_abandoned(tmp_path) == 2
    assert [p.name for p in tmp_path.iterdir()] == [mine.name]


def test_a_share_of_the_budget_keeps_its_spill_and_threads(tmp_path: Path) -> None:
    budget = duck.Budget(4 * 2**30, tmp_path, 2)
    assert budget.share(0.25) == duck.Budget(2**30, tmp_path, 2)
    assert budget.share(0.25, at_least=2 * 2**30) == duck.Budget(2 * 2**30, tmp_path, 2)
    assert budget.share(0.25, at_least=8 * 2**30) == budget  # never more than the whole
    assert duck.UNLIMITED.share(0.25) == duck.UNLIMITED  # DuckDB's own default stands


def test_a_connection_draws_no_progress_bar_of_its_own() -> None:
    # DuckDB draws its bar on standard output, into the CLI's report, for any statement past two
    # seconds (a large batch's scoring of each chunk). Asked of a process of its own, as the CLI is one:
    # under pytest DuckDB starts with the bar off, and making a short statement draw it
    # (`SET progress_bar_time`) would switch it back on.
    asked = "SELECT current_setting('enable_progress_bar')"
    script = f"from taxmatch.matching import duck; print(duck.connect().sql({asked!r}).fetchall()[0][0])"
    shown = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert shown.stdout.strip() == "False"
