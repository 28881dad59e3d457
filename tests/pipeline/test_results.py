"""A chunk's answers recorded a column at a time: each row's values are the ones it would have alone."""

from __future__ import annotations

from typing import Any

import orjson
import pyarrow as pa

from taxmatch.interchange import DECISION_COLUMNS, REQUEST_COLUMNS, RESULT_COLUMNS
from taxmatch.pipeline.results import Answer, Columns, Decided, decision_row, result_columns, result_row
from taxmatch.reasons import Outcome, Reason
from taxmatch.rules.decide import Candidate, Decision
from taxmatch.rules.levels import COLUMNS as LEVELS
from taxmatch.rules.levels import DISAGREE, EXACT, FUZZY, Levels

PRIOR = -20.5
ALICE = Candidate("900000001", 12.5, 0.9999, Levels(EXACT, EXACT, EXACT, EXACT), (("tin", "exact", 9.25),))
BOB = Candidate("900000002", -3.0, 0.125, Levels(DISAGREE, FUZZY), ())
ANSWERS = [
    Answer("R1", Decision(Outcome.REJECTED, (Reason.STATUTE_NOT_AUTHORISED,))),
    Answer(
        "R2",
        Decision(Outcome.VERIFIED, (Reason.MATCH_NAME_ADDRESS,), ALICE, ALICE, BOB, 2),
        "TXM-0000000001",
        ("1 Main St", "", "Springfield", "IL", "62701"),
    ),
    Answer("R3", Decision(Outcome.NO_MATCH, (Reason.WITHHELD_6103I6,), None, ALICE, None, 1)),
    Answer("R4", Decision(Outcome.REVIEW, (Reason.BELOW_THRESHOLD,), None, BOB, ALICE, 2, held=ALICE)),
]
_ASKED = {"official_name": "  agent   smith ", "case_number": " c-1 ", "street_address": '12 "B" Zoë\tWay'}
REQUESTS = pa.Table.from_pylist(
    [{c: f"R{i}" if c == "request_id" else _ASKED.get(c, "") for c in REQUEST_COLUMNS} for i in range(1, 5)]
)


def _stored(answers: list[Answer], requests: pa.Table) -> Columns:
    return Decided(answers).stored("B", requests, PRIOR)


def _value(value: Any) -> Any:
    """A value as the store reads it back: JSON made beforehand (an orjson.Fragment) as what it holds."""
    return orjson.loads(orjson.dumps(value)) if isinstance(value, orjson.Fragment) else value


def _rows(columns: Columns) -> list[dict[str, Any]]:
    return [
        {c: _value(v) for c, v in zip(columns, values, strict=True)}
        for values in zip(*columns.values(), strict=True)
    ]


def test_each_row_of_a_chunk_is_recorded_as_it_would_be_alone() -> None:
    """Column by column, nothing is taken from another row (a column built in another order would be)."""
    together = _rows(_stored(ANSWERS, REQUESTS))
    alone = [_rows(_stored([a], REQUESTS.slice(n, 1)))[0] for n, a in enumerate(ANSWERS)]
    assert together == alone
    assert _rows(result_columns(ANSWERS)) == [result_row(a) for a in ANSWERS]
    assert _rows(Decided(ANSWERS).file_columns()) == [decision_row(a) for a in ANSWERS]


def test_the_files_have_their_columns_and_the_requester_never_reads_an_internal_code() -> None:
    results, decisions = result_columns(ANSWERS), Decided(ANSWERS).file_columns()
    assert tuple(results) == RESULT_COLUMNS
    assert set(decisions) == set(DECISION_COLUMNS)
    assert results["outcome"][2] == "NO_MATCH"
    assert results["reason_codes"][2] == "NO_CANDIDATE"  # the face of WITHHELD_6103I6
    assert decisions["reason_codes"][2] == "WITHHELD_6103I6"
    assert results["disclosed_city"] == ["", "Springfield", "", ""]
    assert decisions["match_probability"] == ["", "0.9999", "0.9999", "0.9999"]  # R4 is about the held
    assert decisions["runner_up_probability"] == ["", "0.125", "", "0.125"]
    assert decisions["name_agreement"] == ["", "exact", "exact", "exact"]
    assert decisions["dob_agreement"] == ["", "exact", "exact", "exact"]


def test_a_stored_decision_holds_the_request_as_asked_and_what_the_model_added_up() -> None:
    stored = _rows(_stored(ANSWERS, REQUESTS))
    rejected, verified, withheld, review = stored
    assert rejected["matched_tin"] is None
    assert rejected["subject_tin"] is None
    assert rejected["match_probability"] is None
    assert rejected["levels"] == dict.fromkeys(LEVELS, "")
    assert rejected["explanation"] == {"prior_bits": PRIOR, "subject": None, "runner_up": None}
    assert rejected["asked"] == REQUESTS.slice(0, 1).to_pylist()[0]
    assert list(rejected["asked"]) == list(REQUEST_COLUMNS)  # in the interchange's order
    assert rejected["asked"]["street_address"] == '12 "B" Zoë\tWay'
    assert (rejected["official"], rejected["case_number"]) == ("AGENT SMITH", "C-1")
    assert verified["matched_tin"] == verified["subject_tin"] == "900000001"
    assert verified["disclosure_id"] == "TXM-0000000001"
    assert verified["explanation"]["subject"]["weights"] == (("tin", "exact", 9.25),)
    assert verified["explanation"]["runner_up"]["tin"] == "900000002"
    assert withheld["matched_tin"] is None  # nothing left, though the best candidate was found
    assert withheld["subject_tin"] == "900000001"
    assert (review["subject_tin"], review["runner_up_probability"]) == ("900000001", 0.125)
    assert review["levels"]["address_agreement"] == "exact"
