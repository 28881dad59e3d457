from taxmatch.agreement import Agreement
from taxmatch.lab import calibration
from taxmatch.reasons import Reason
from taxmatch.rules.decide import Candidate
from taxmatch.rules.levels import Level, Levels


def cand(tin: str, p: float, weight: float) -> Candidate:
    return Candidate(tin, weight, p, Levels(name=Level.EXACT, address=Level.EXACT))


def test_sweep_trades_wrong_person_against_recall(terms: Agreement) -> None:
    truth = [
        {"true_tin": "111111111", "expected_outcome": "VERIFIED"},  # strong, right
        {"true_tin": "222222222", "expected_outcome": "VERIFIED"},  # weak, right
        {"true_tin": "", "expected_outcome": "NO_MATCH"},  # weak, wrong person
        {"true_tin": "", "expected_outcome": "REJECTED"},  # gated out
    ]
    found = {
        0: [cand("111111111", 0.999999, 40)],
        1: [cand("222222222", 0.995, 8)],
        2: [cand("333333333", 0.95, 4)],
        3: [cand("444444444", 0.99, 9)],  # a rejected row never counts, even alone
    }
    reasons: list[list[Reason]] = [[], [], [], [Reason.STATUTE_NOT_AUTHORISED]]
    points = {
        p.threshold: p for p in calibration.sweep(reasons, found, truth, terms, [0.9, 0.99, 0.999], [10.0])
    }
    assert (points[0.9].verified, points[0.9].wrong_person, points[0.9].recalled) == (3, 1, 2)
    assert (points[0.99].verified, points[0.99].wrong_person, points[0.99].recalled) == (2, 0, 2)
    assert (points[0.999].verified, points[0.999].recall) == (1, 0.5)
    assert points[0.999].reviewed == 2 and points[0.999].review_rate == 0.5
    assert "| 0.999 | 10 | 1 | 0 | 0.5000 | 0.5000 | 0 |" in calibration.markdown(list(points.values()))
    assert points[0.9].wrong_by_probability_alone == 1
