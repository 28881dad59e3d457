"""The waterfall of match weights: from the prior, each comparison's bits, with the running total."""

from taxmatch.matching import explain


def test_waterfall_adds_up_from_the_prior() -> None:
    steps = explain.waterfall(
        -20.0,
        [["surname", "exact", 9.0], ["surname", "frequency of the value", -2.0], ["address", "exact", 15.5]],
    )
    assert [s.comparison for s in steps] == ["prior", "surname", "surname", "address"]
    assert [s.total for s in steps] == [-20.0, -11.0, -13.0, 2.5]
