"""Process-wide settings while a large job runs, restored when it ends."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


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
