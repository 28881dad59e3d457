from pathlib import Path

import pytest

from taxmatch.db.schema import connect, decisions
from taxmatch.errors import InputError
from taxmatch.matching import explain


def test_waterfall_adds_up_from_the_prior() -> None:
    steps = explain.waterfall(
        -20.0,
        [["surname", "exact", 9.0], ["surname", "frequency of the value", -2.0], ["address", "exact", 15.5]],
    )
    assert [s.comparison for s in steps] == ["prior", "surname", "surname", "address"]
    assert [s.total for s in steps] == [-20.0, -11.0, -13.0, 2.5]


def _store(tmp_path: Path, *batch_ids: str) -> Path:
    engine = connect(tmp_path)
    with engine.begin() as conn:
        conn.execute(
            decisions.insert(),
            [
                {
                    "batch_id": b,
                    "request_id": "R1",
                    "outcome": "NO_MATCH",
                    "reason_codes": "NO_CANDIDATE",
                    "candidates": 0,
                    "levels": {},
                    "explanation": {"prior_bits": -20.0, "subject": None},
                }
                for b in batch_ids
            ],
        )
    return tmp_path


def test_find_by_batch_prefix(tmp_path: Path) -> None:
    store = _store(tmp_path, "IRS:abc123", "IRS:def456")
    assert explain.find(connect(store), "IRS:abc", "R1")["batch_id"] == "IRS:abc123"
    with pytest.raises(InputError, match="2 batches"):
        explain.find(connect(store), "IRS:", "R1")
    with pytest.raises(InputError, match="no decision"):
        explain.find(connect(store), "IRS:abc", "R2")


def test_prefix_is_not_a_pattern(tmp_path: Path) -> None:
    store = _store(tmp_path, "IRS:abc123")
    with pytest.raises(InputError):
        explain.find(connect(store), "%", "R1")
