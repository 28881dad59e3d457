"""The synthetic request mix: the officials a batch is spread over."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from taxmatch.lab import synth
from taxmatch.lab.request_mix import officials_for


def test_a_larger_batch_is_spread_over_more_officials() -> None:
    """Issue 13: at 200,000 rows the fixed pool of 4,000 officials made 78,078 rows CASELOAD_IMPLAUSIBLE."""
    assert officials_for(10_000) == officials_for(100_000) == 4000  # the demo and the 1M bench unchanged
    assert officials_for(200_000) == 8000 and officials_for(1_280_000) == 51_200


def test_a_large_batch_written_as_it_is_made_is_the_batch_made_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 13: `synth requests` streams a national-scale batch; the rows are the ones it made whole."""
    people = synth.write_master(tmp_path / "master.csv", 800, seed=3)
    synth.write_requests(tmp_path / "whole.csv", tmp_path / "whole-truth.csv", people, 4000, seed=4)
    monkeypatch.setattr(synth, "STREAM_ABOVE", 0)
    synth.write_requests(tmp_path / "streamed.csv", tmp_path / "streamed-truth.csv", people, 4000, seed=4)
    assert (tmp_path / "streamed.csv").read_bytes() == (tmp_path / "whole.csv").read_bytes()
    assert (tmp_path / "streamed-truth.csv").read_bytes() == (tmp_path / "whole-truth.csv").read_bytes()


def test_a_sample_of_the_master_keeps_whole_people_and_knows_every_tin(tmp_path: Path) -> None:
    synth.write_master(tmp_path / "master.csv", 500, seed=3)
    everyone, tins = synth.read_people(tmp_path / "master.csv")
    some, same = synth.read_people(tmp_path / "master.csv", sample=50, seed=1)
    assert (len(everyone), len(some), tins) == (500, 50, same)
    whole = {p.tin: p for p in everyone}
    assert all(whole[p.tin] == p for p in some)  # every address of a sampled person, not a part


def test_a_batch_larger_than_a_round_holds_one_round_of_people_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 13: a 7,600,000-row batch about a 10M master would hold every taxpayer in Python; it is
    made in rounds of people instead, each asked about in its share of the rows."""
    synth.write_master(tmp_path / "master.csv", 3000, seed=3)
    monkeypatch.setattr(synth, "ROUND", 1000)
    held: list[list[str]] = []
    people_in = synth._people_in

    def spied(path: Path, tins: list[str] | None) -> list[synth.Taxpayer]:
        people = people_in(path, tins)
        held.append([p.tin for p in people])
        return people

    monkeypatch.setattr(synth, "_people_in", spied)
    synth.write_batch(tmp_path / "master.csv", tmp_path / "r.csv", tmp_path / "t.csv", 5000, seed=4)
    assert [len(r) for r in held] == [1000, 1000, 1000]
    assert len({t for r in held for t in r}) == 3000  # the rounds share nobody and miss nobody
    with (tmp_path / "t.csv").open(encoding="utf-8") as handle:
        truth = list(csv.DictReader(handle))
    assert [t["request_id"] for t in truth] == [f"R{i:07d}" for i in range(1, 5001)]
    for n, rows in enumerate((truth[:1666], truth[1667:3333], truth[3334:])):  # each round's rows
        asked = {t["true_tin"] for t in rows if t["kind"] in {"exact", "variant"}}
        assert asked and asked <= set(held[n])
