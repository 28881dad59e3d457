"""Issue 14: a malformed optional identifier is answered as if absent, through the whole pipeline.

The 10,000,000-taxpayer benchmark caught the first version: the gate's note
kept the row out of matching, so 25,489 findable people got NO_CANDIDATE.
"""

from __future__ import annotations

from tests.pipeline.conftest import Store


def _answer(store: Store, rows: list[dict[str, str]], name: str) -> dict[str, dict[str, str]]:
    report, _ = store.answered(rows, name, released=False)
    return {
        a.request_id: {"outcome": a.decision.outcome, "reasons": a.decision.reasons} for a in report.answers
    }


def test_a_verified_row_with_its_tin_or_birth_date_malformed_is_still_verified(store: Store) -> None:
    plain = _answer(store, store.rows, "plain")
    verified = [r for r in store.rows if plain[r["request_id"]]["outcome"] == "VERIFIED"][:20]
    assert len(verified) == 20
    spoilt = [
        {**r, "tin": "000-12-3456"} if n % 2 else {**r, "date_of_birth": "1990-02-70"}
        for n, r in enumerate(verified)
    ]
    again = _answer(store, spoilt, "spoilt")
    for n, row in enumerate(spoilt):
        answer = again[row["request_id"]]
        note = "TIN_MALFORMED_IGNORED" if n % 2 else "DOB_MALFORMED_IGNORED"
        assert answer["outcome"] in {"VERIFIED", "REVIEW"}, (row, answer)
        assert note in answer["reasons"]
    assert sum(a["outcome"] == "VERIFIED" for a in again.values()) >= 15
