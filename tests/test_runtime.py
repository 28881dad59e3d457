import gc

import pytest

from taxmatch import runtime


def test_collector_setting_is_restored_even_on_error() -> None:
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), runtime.fewer_collections():
        assert gc.get_threshold()[0] == 200_000
        raise RuntimeError
    assert gc.get_threshold() == before


def test_settling_the_heap_freezes_what_is_alive_now() -> None:
    alive = [object() for _ in range(3)]
    before = gc.get_freeze_count()
    try:
        runtime.settle_heap()
        assert gc.get_freeze_count() > before
    finally:
        gc.unfreeze()
    assert alive
