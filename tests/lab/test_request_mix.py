"""The synthetic request mix: the officials a batch is spread over."""

from __future__ import annotations

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
