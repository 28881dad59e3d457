"""The synthetic request mix: the officials a batch is spread over."""

from __future__ import annotations

from taxmatch.lab.request_mix import officials_for


def test_a_larger_batch_is_spread_over_more_officials() -> None:
    """Issue 13: at 200,000 rows the fixed pool of 4,000 officials made 78,078 rows CASELOAD_IMPLAUSIBLE."""
    assert officials_for(10_000) == officials_for(100_000) == 4000  # the demo and the 1M bench unchanged
    assert officials_for(200_000) == 8000 and officials_for(1_280_000) == 51_200
