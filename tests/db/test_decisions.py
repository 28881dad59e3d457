"""Decisions as stored, found again by batch (or a prefix of its id) and request."""

from pathlib import Path

import pytest

from taxmatch.db import decisions as stored
from taxmatch.db.engine import connect
from taxmatch.db.schema import decisions
from taxmatch.errors import InputError


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
    assert stored.find(connect(store), "IRS:abc", "R1")["batch_id"] == "IRS:abc123"
    with pytest.raises(InputError, match="2 batches"):
        stored.find(connect(store), "IRS:", "R1")
    with pytest.raises(InputError, match="no decision"):
        stored.find(connect(store), "IRS:abc", "R2")


def test_prefix_is_not_a_pattern(tmp_path: Path) -> None:
    store = _store(tmp_path, "IRS:abc123")
    with pytest.raises(InputError):
        stored.find(connect(store), "%", "R1")
