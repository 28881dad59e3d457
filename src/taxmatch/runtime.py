"""Process-wide settings while a large job runs, restored when it ends."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


def settle_heap() -> None:
    """Exempt everything alive now from future collections: for a long-lived server after start-up.

    The service holds hundreds of thousands of long-lived objects (libraries, the
    model, the index). A full collection rescans them all and stalled about one
    interactive call in fifty by 100-200 ms (docs/benchmarks.md); frozen, they are
    never rescanned, while the garbage that calls make is still collected.
    """
    gc.collect()
    gc.freeze()


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Collect cyclic garbage less often while a batch runs, then restore the interpreter's setting.

    A batch makes millions of small acyclic objects (rows, candidates, decisions);
    at the default threshold the collector rescans them all again and again,
    which cost a quarter of a 100,000-row batch's time (docs/benchmarks.md).
    """
    before = gc.get_threshold()
    gc.set_threshold(200_000, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*before)
