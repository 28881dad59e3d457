"""Master-file checks happen before anything is built: a bad master never replaces a good one."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from taxmatch.errors import InputError, NoMasterLoaded
from taxmatch.interchange import MASTER_COLUMNS
from taxmatch.lab import synth
from taxmatch.layout import Layout
from taxmatch.matching import master_file, reference, standardising
from tests.conftest import at

TODAY = dt.date(2026, 11, 25)
GOOD = {
    "tin": "123456789",
    "tin_type": "SSN",
    "first_name": "Ana",
    "middle_name": "",
    "last_name": "Ruiz",
    "suffix": "",
    "date_of_birth": "1980-01-01",
    "street_address": "1 Oak St",
    "unit": "",
    "city": "Austin",
    "state": "TX",
    "zip": "78701",
    "address_as_of": "2024-01-15",
    "address_source": "return",
}


def master(tmp_path: Path, *rows: dict[str, str], columns: list[str] | None = None) -> Path:
    path = tmp_path / "master.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns or list(MASTER_COLUMNS), extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.mark.parametrize(
    ("bad", "column", "needle"),
    [
        ({"tin": "12345678"}, "tin", "not 9 digits"),
        ({"tin_type": "EIN"}, "tin_type", "tin_type"),
        ({"address_source": "guess"}, "address_source", "address_source"),
        ({"address_as_of": "01/15/2024"}, "address_as_of", "YYYY-MM-DD"),
        ({"last_name": " "}, "last_name", "empty value"),
    ],
)
def test_bad_values_name_line_and_column(
    tmp_path: Path, bad: dict[str, str], column: str, needle: str
) -> None:
    path = master(tmp_path, GOOD, {**GOOD, "tin": "223456789", **bad})
    with pytest.raises(InputError) as info:
        reference.load(path, Layout(tmp_path / "store"), at(TODAY))
    assert needle in info.value.message
    assert "line 3" in info.value.message and repr(column) in info.value.message
    assert not (tmp_path / "store" / "reference").exists()


def test_missing_column(tmp_path: Path) -> None:
    path = master(tmp_path, GOOD, columns=[c for c in MASTER_COLUMNS if c != "address_source"])
    with pytest.raises(InputError, match="missing column"):
        reference.load(path, Layout(tmp_path / "store"), at(TODAY))


def test_no_rows(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no rows"):
        reference.load(master(tmp_path), Layout(tmp_path / "store"), at(TODAY))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read"):
        reference.load(tmp_path / "nope.csv", Layout(tmp_path / "store"), at(TODAY))


def test_empty_store(tmp_path: Path) -> None:
    with pytest.raises(NoMasterLoaded):
        reference.open_reference(Layout(tmp_path))


def _loaded(path: Path, store: Path) -> dict[str, pa.Table]:
    reference.load(path, Layout(store), at(TODAY))
    folder = Layout(store).reference
    return {  # last_known's order is the window query's, not the file's: compared by TIN
        "reference.parquet": pq.read_table(folder / "reference.parquet"),
        "last_known.parquet": pq.read_table(folder / "last_known.parquet").sort_by("tin"),
    }


def test_a_master_read_in_blocks_is_indexed_as_one_read_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 13: a national master is standardised a block at a time, never held whole."""
    path = tmp_path / "master.csv"
    synth.write_master(path, 300, seed=5)
    whole = _loaded(path, tmp_path / "whole")
    monkeypatch.setattr(master_file, "BLOCK_BYTES", 4096)
    blocked = _loaded(path, tmp_path / "blocked")
    assert whole["reference.parquet"].num_rows > 300
    for name, table in whole.items():
        assert blocked[name].equals(table), name


def test_a_small_file_or_a_single_core_starts_no_worker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "master.csv"
    synth.write_master(path, 20, seed=5)
    monkeypatch.setattr(standardising.os, "sched_getaffinity", lambda _: {0, 1})
    assert standardising.processes_for(path) == 0  # under PARALLEL_BYTES
    monkeypatch.setattr(standardising, "PARALLEL_BYTES", path.stat().st_size)
    assert standardising.processes_for(path) == 2
    monkeypatch.setattr(standardising.os, "sched_getaffinity", lambda _: {0})
    assert standardising.processes_for(path) == 0


@pytest.mark.slow  # starts worker processes: seconds each
def test_a_master_standardised_by_worker_processes_is_indexed_as_one_process_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 13: a large master's blocks are standardised on every core, and written back in file order."""
    path = tmp_path / "master.csv"
    synth.write_master(path, 300, seed=5)
    monkeypatch.setattr(master_file, "BLOCK_BYTES", 4096)
    alone = _loaded(path, tmp_path / "alone")
    assert standardising.processes_for(path) == 0  # a small file: no worker started
    monkeypatch.setattr(standardising, "PARALLEL_BYTES", 0)
    monkeypatch.setattr(standardising.os, "sched_getaffinity", lambda _: {0, 1, 2})
    assert standardising.processes_for(path) == 3
    shared = _loaded(path, tmp_path / "shared")
    for name, table in alone.items():
        assert shared[name].equals(table), name


def test_defects_are_counted_over_every_block_and_the_first_is_located(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [{**GOOD, "tin": f"{100000000 + i}"} for i in range(200)]
    for i in (150, 170, 190):
        rows[i]["tin_type"] = "EIN"
    monkeypatch.setattr(master_file, "BLOCK_BYTES", 2048)
    with pytest.raises(InputError) as info:
        reference.load(master(tmp_path, *rows), Layout(tmp_path / "store"), at(TODAY))
    assert "3 row(s) with a tin_type other than SSN or ITIN" in info.value.message
    assert "line 152" in info.value.message


def test_a_load_may_set_a_few_defective_rows_aside_and_says_which(tmp_path: Path) -> None:
    """Issue 14: 112 FEBRL rows without a first name made the whole master unloadable."""
    rows = [{**GOOD, "tin": f"{100000000 + i}"} for i in range(40)]
    rows[7]["first_name"] = ""
    rows[20]["tin"] = "12-34"
    rows[33].update(address_as_of="yesterday", address_source="guess")
    path = master(tmp_path, *rows)
    with pytest.raises(InputError) as info:
        reference.load(path, Layout(tmp_path / "store"), at(TODAY), max_rejected=0.05)
    assert "(3 defective rows of 40, 7.50%; --max-rejected allows 5.00%)" in info.value.message
    assert not (tmp_path / "store" / "reference").exists()
    ref = reference.load(path, Layout(tmp_path / "store"), at(TODAY), max_rejected=0.075)
    assert (ref.meta["rows"], ref.meta["rejected_rows"], ref.meta["taxpayers"]) == (37, 3, 37)
    kept = pq.read_table(ref.parquet)
    assert kept["uid"].to_pylist() == list(range(37))
    assert "12-34" not in kept["tin"].to_pylist()
    with (ref.directory / reference.REJECTED).open(encoding="utf-8", newline="") as handle:
        aside = [(r["line"], r["column"], r["reason"]) for r in csv.DictReader(handle)]
    assert aside == [
        ("9", "first_name", "an empty value"),
        ("22", "tin", "a TIN that is not 9 digits"),
        ("35", "address_source", "an unknown address_source"),
        ("35", "address_as_of", "a date that is not YYYY-MM-DD"),
    ]


def test_a_master_with_no_sound_row_is_refused_whatever_the_share_allowed(tmp_path: Path) -> None:
    path = master(tmp_path, {**GOOD, "tin": "1"})
    with pytest.raises(InputError, match="not 9 digits"):
        reference.load(path, Layout(tmp_path / "store"), at(TODAY), max_rejected=1.0)
