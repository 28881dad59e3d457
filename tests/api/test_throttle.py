from taxmatch.api.throttle import Throttle


def test_the_limit_holds_per_key_within_the_window() -> None:
    throttle = Throttle(limit=3, window=60)
    assert [throttle.admit("a", t) for t in (0, 1, 2)] == [0.0, 0.0, 0.0]
    assert throttle.admit("a", 30) == 30.0
    assert throttle.admit("b", 30) == 0.0


def test_calls_age_out_of_the_window() -> None:
    throttle = Throttle(limit=2, window=60)
    throttle.admit("a", 0)
    throttle.admit("a", 10)
    assert throttle.admit("a", 59) == 1.0
    assert throttle.admit("a", 60) == 0.0
    assert throttle.admit("a", 61) == 9.0


def test_a_refused_call_does_not_count() -> None:
    throttle = Throttle(limit=1, window=60)
    throttle.admit("a", 0)
    for t in range(1, 59):
        assert throttle.admit("a", t) > 0
    assert throttle.admit("a", 60) == 0.0
