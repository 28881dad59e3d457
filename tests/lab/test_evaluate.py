import csv
from pathlib import Path

import pytest

from taxmatch.errors import InputError
from taxmatch.interchange import DECISION_COLUMNS
from taxmatch.lab import evaluate
from taxmatch.lab.synth import TRUTH_COLUMNS, origin_of


def write(path: Path, columns: tuple[str, ...], rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns), restval="")
        writer.writeheader()
        writer.writerows(rows)


def truth(rid: str, tin: str, expected: str, lawful: bool, origin: str) -> dict[str, str]:
    return {
        "request_id": rid,
        "kind": "k",
        "variation": "",
        "true_tin": tin,
        "expected_outcome": expected,
        "lawful_address": str(lawful),
        "origin": origin,
    }


@pytest.fixture
def batch(tmp_path: Path) -> Path:
    write(
        tmp_path / "decisions.csv",
        DECISION_COLUMNS,
        [
            {"request_id": "a", "outcome": "VERIFIED", "matched_tin": "111111111"},  # right
            {"request_id": "b", "outcome": "VERIFIED", "matched_tin": "999999999"},  # wrong person
            {"request_id": "c", "outcome": "VERIFIED", "matched_tin": "333333333"},  # unlawful address
            {"request_id": "d", "outcome": "REVIEW"},
            {"request_id": "e", "outcome": "NO_MATCH"},
        ],
    )
    write(
        tmp_path / "truth.csv",
        TRUTH_COLUMNS,
        [
            truth("a", "111111111", "VERIFIED", True, "hispanic"),
            truth("b", "222222222", "VERIFIED", True, "hispanic"),
            truth("c", "333333333", "REJECTED", False, "other"),
            truth("d", "444444444", "VERIFIED", True, "other"),
            truth("e", "555555555", "VERIFIED", True, "asian"),
        ],
    )
    return tmp_path


def test_counts_unlawful_wrong_person_and_recall(batch: Path) -> None:
    result = evaluate.evaluate(batch, batch / "truth.csv", {"a": "111111111", "c": "000000000"})
    assert result.taxmatch == evaluate.Tally(disclosures=3, unlawful=1, wrong_person=1)
    assert result.baseline == evaluate.Tally(disclosures=2, unlawful=1, wrong_person=1)
    assert (result.findable, result.recalled) == (4, 1)
    assert result.review_rate == pytest.approx(0.2)


def test_error_rates_by_origin(batch: Path) -> None:
    groups = evaluate.evaluate(batch, batch / "truth.csv").by_origin
    assert groups["hispanic"] == evaluate.Group(rows=2, findable=2, recalled=1, wrong_person=1)
    assert groups["other"] == evaluate.Group(rows=2, findable=1, reviewed=1, wrong_person=0)
    assert groups["asian"] == evaluate.Group(rows=1, findable=1, missed=1)


def test_rows_without_truth_are_an_error(batch: Path) -> None:
    write(batch / "truth.csv", TRUTH_COLUMNS, [truth("a", "1", "VERIFIED", True, "other")])
    with pytest.raises(InputError, match="no ground truth"):
        evaluate.evaluate(batch, batch / "truth.csv")


@pytest.mark.parametrize(
    ("name", "origin"),
    [("García López", "hispanic"), ("Nguyen", "asian"), ("Smith", "other"), ("Zzyzx", "other")],
)
def test_origin_of_a_surname(name: str, origin: str) -> None:
    assert origin_of(name) == origin
