"""The waterfall of match weights: from the prior, each comparison's bits, with the running total."""

from taxmatch.agreement import Agreement
from taxmatch.matching import explain


def test_waterfall_adds_up_from_the_prior() -> None:
    steps = explain.waterfall(
        -20.0,
        [["surname", "exact", 9.0], ["surname", "frequency of the value", -2.0], ["address", "exact", 15.5]],
    )
    assert [s.comparison for s in steps] == ["prior", "surname", "surname", "address"]
    assert [s.total for s in steps] == [-20.0, -11.0, -13.0, 2.5]


def stored(outcome: str, codes: str, *weights: tuple[float, float]) -> dict[str, object]:
    """A decision as the store keeps it, with candidates of these (match weight, probability)."""
    roles = ("subject", "runner_up")
    found = {
        role: {
            "tin": f"12345678{n}",
            "match_weight": w,
            "match_probability": p,
            "weights": [["surname", "exact", 9.0]],
        }
        for n, (role, (w, p)) in enumerate(zip(roles, weights, strict=False))
    }
    return {
        "batch_id": "IRS:abc",
        "request_id": "R1",
        "outcome": outcome,
        "reason_codes": codes,
        "candidates": len(weights),
        "asked": {"first_name": "Peter", "last_name": "Wilde"},
        "explanation": {"prior_bits": -20.0, **found} if weights else {"prior_bits": -20.0},
    }


def test_a_namesake_row_says_the_margin_and_that_the_scores_are_equal(terms: Agreement) -> None:
    told = explain.story(stored("REVIEW", "NAMESAKE_AT_ADDRESS", (23.6, 1.0), (23.6, 1.0)), terms)
    assert "10-bit margin" in told["decided_by"] and "+23.6 against +23.6 bits" in told["decided_by"]
    assert "nothing in the request tells them apart" in told["decided_by"]
    assert [c["role"] for c in told["candidates"]] == ["best candidate", "runner-up"]
    assert told["asked"]["last_name"] == "Wilde" and "doubles the odds" in told["bits"]


def test_a_verified_row_states_the_threshold_and_the_gap(terms: Agreement) -> None:
    told = explain.story(stored("VERIFIED", "MATCH_NAME_ADDRESS", (31.0, 0.9999996), (2.0, 0.0001)), terms)
    assert "threshold 0.999" in told["decided_by"] and "29.0 bits behind" in told["decided_by"]


def test_below_the_threshold_states_both_numbers(terms: Agreement) -> None:
    told = explain.story(stored("REVIEW", "BELOW_THRESHOLD", (8.0, 0.98)), terms)
    assert "0.980000 is under the agreement's threshold 0.999" in told["decided_by"]


def test_a_rejected_row_says_what_it_failed_and_shows_no_candidate(terms: Agreement) -> None:
    told = explain.story(stored("REJECTED", "STATUTE_NOT_AUTHORISED;ADDRESS_PLACEHOLDER"), terms)
    assert told["decided_by"].startswith("Rule 1") and "placeholder" in told["decided_by"]
    assert told["candidates"] == [] and [r["code"] for r in told["reasons"]] == [
        "STATUTE_NOT_AUTHORISED",
        "ADDRESS_PLACEHOLDER",
    ]


def test_a_tin_is_shown_by_its_last_four_digits() -> None:
    assert explain.masked("123456789") == "•••••6789" and explain.masked(None) == ""
