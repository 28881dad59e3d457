"""Decisions as stored, found again by batch (or a prefix of its id) and request."""

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine, event, text

from taxmatch.db import bulk, oversight
from taxmatch.db import decisions as stored
from taxmatch.db.engine import connect
from taxmatch.db.schema import HELD_ROWS, batches, decisions
from taxmatch.errors import InputError
from taxmatch.reasons import Outcome
from tests.conftest import inserts_sent

_BATCH = {
    "agreement_id": "A",
    "requesting_agency": "DHS/ICE",
    "signer_name": "S",
    "signer_title": "T",
    "signed_on": dt.date(2026, 11, 1),
    "request_file": "requests.csv",
    "request_file_sha256": "0" * 64,
    "rows": 4,
    "outcomes": {},
    "processed_at": dt.datetime(2026, 11, 25, tzinfo=dt.UTC),
}


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


def test_the_rows_to_disclose_come_in_the_order_they_were_stored(engine: Engine) -> None:
    """Release writes the disclosure ids in this order: in request id order (the primary key's), every
    update of a large batch landed on a page of its own (docs/benchmarks.md, update order)."""
    stored.finish_batch(engine, {"batch_id": "B", **_BATCH})
    as_stored = ["R3", "R1", "R4", "R2"]  # ZIP order, as a batch stores its chunks
    _add(
        engine,
        [
            {
                "batch_id": "B",
                "request_id": rid,
                "outcome": "NO_MATCH" if rid == "R4" else "VERIFIED",
                "reason_codes": "",
                "matched_tin": f"90000000{rid[1]}",
                "candidates": 1,
                "levels": {},
            }
            for rid in as_stored
        ],
    )
    verified, request_file = stored.to_disclose(engine, "B")
    assert verified == [("R3", "900000003"), ("R1", "900000001"), ("R2", "900000002")]
    assert request_file == "requests.csv"


def _add(engine: Engine, rows: list[dict[str, object]]) -> None:
    """Rows as a batch gives them: a column at a time."""
    stored.add(engine, {c: [r[c] for r in rows] for c in rows[0]}, len(rows))


def _decision(rid: str, **given: object) -> dict[str, object]:
    return {
        "batch_id": "B",
        "request_id": rid,
        "outcome": "VERIFIED",
        "reason_codes": "",
        "matched_tin": "900000001",
        "subject_tin": "900000001",
        "candidates": 2,
        "match_probability": 0.9999999999999998,
        "runner_up_probability": None,
        "levels": {"name": "exact", "address": "street and number"},
        "disclosure_id": None,
        "official": "Agent O'Brien",
        "case_number": "C-1",
        "asked": {"surname": 'Ó "Brien" \\ 李', "street": ""},
        "explanation": {
            "prior_bits": -20.123456789012345,
            "subject": None,
            "weights": [["tin", "exact", 1e-300]],
        },
        **given,
    }


def test_decisions_come_back_as_they_were_added(engine: Engine) -> None:
    """The rows go to the database many to a statement, bound by the driver: every column, of every
    type, comes back as given (floats to the last digit, quotes, backslashes and any script in text)."""
    given = [
        _decision("R1"),
        _decision("R2", matched_tin=None, match_probability=None, candidates=0, asked=None, explanation=None),
    ]
    _add(engine, given)
    assert [stored.get(engine, "B", r["request_id"]) for r in given] == given


def test_decisions_go_to_the_database_a_few_statements_at_a_time(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not a driver's executemany, which takes Python's lock back after every row: one statement for
    each AT_ONCE rows, in the order given."""
    monkeypatch.setattr(bulk, "AT_ONCE", 3)
    with inserts_sent(engine) as sent:
        _add(engine, [_decision(f"R{i}") for i in range(7)])
    assert [many for _, many in sent] == [False, False, False]
    order = f"ORDER BY {stored.STORED_ORDER[engine.dialect.name]}"
    with engine.connect() as conn:
        kept = conn.execute(text(f"SELECT request_id FROM decisions {order}")).scalars().all()
    assert kept == [f"R{i}" for i in range(7)]


def test_the_review_queue_and_its_backlog_read_the_held_rows_from_their_index(tmp_path: Path) -> None:
    """Neither scans every batch's decisions: SQLite's plan for each names the partial index of REVIEW
    rows (schema.HELD_ROWS, the outcome's own value), and they find the held row."""
    engine = connect(_store(tmp_path, "IRS:abc123"))
    with engine.begin() as conn:
        conn.execute(text("UPDATE decisions SET outcome = :held"), {"held": Outcome.REVIEW.value})
        conn.execute(batches.insert(), [{"batch_id": "IRS:abc123", **_BATCH}])
    assert f"outcome = '{Outcome.REVIEW.value}'" == HELD_ROWS
    sent: list[tuple[str, object]] = []

    def heard(_: object, __: object, statement: str, params: object, ___: object, ____: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            sent.append((statement, params))

    event.listen(engine, "before_cursor_execute", heard)
    assert [r["request_id"] for r in stored.held(engine, None, 10)] == ["R1"]
    assert oversight.review_backlog(engine) == 1
    event.remove(engine, "before_cursor_execute", heard)
    with engine.connect() as conn:
        plans = [
            " ".join(str(r[-1]) for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {q}", p)) for q, p in sent
        ]
    queue, backlog = plans
    assert "decisions_held" in queue and "COVERING INDEX decisions_held" in backlog, plans
