import gc
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from taxmatch import runtime


def test_collector_setting_is_restored_even_on_error() -> None:
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), runtime.fewer_collections():
        assert gc.get_threshold() == runtime.FEWER
        raise RuntimeError
    assert gc.get_threshold() == before


def test_overlapping_jobs_leave_the_collector_as_it_was_before_the_first() -> None:
    """The service reads an upload in one thread while it answers a call in another: whichever ends
    last, the setting before either began comes back (each restoring its own left FEWER for good)."""
    before = gc.get_threshold()
    upload, call = runtime.fewer_collections(), runtime.fewer_collections()
    upload.__enter__()
    call.__enter__()
    upload.__exit__(None, None, None)
    assert gc.get_threshold() == runtime.FEWER  # the call still runs
    call.__exit__(None, None, None)
    assert gc.get_threshold() == before


def test_a_chunk_s_objects_made_and_let_go_in_a_batch_are_never_walked_by_the_collector() -> None:
    """A chunk holds a million-odd objects at once (candidates, decisions, their records), then lets them
    go: within a batch no collection comes for them (at 200,000, five came)."""
    walked: list[int] = []

    def heard(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            walked.append(info["generation"])

    gc.collect()
    gc.callbacks.append(heard)
    try:
        with runtime.fewer_collections():
            chunk = [[n] for n in range(1_000_000)]
            del chunk
    finally:
        gc.callbacks.remove(heard)
    assert walked == []


def test_settling_the_heap_freezes_what_is_alive_now() -> None:
    alive = [object() for _ in range(3)]
    before = gc.get_freeze_count()
    try:
        runtime.settle_heap()
        assert gc.get_freeze_count() > before
    finally:
        gc.unfreeze()
    assert alive


@pytest.mark.parametrize(("setting", "expected"), [(None, "jemalloc"), ("system", "system")])
def test_arrow_allocator_is_jemalloc_unless_the_operator_chose_one(
    setting: str | None, expected: str
) -> None:
    """Issue 13: mimalloc kept what a large batch freed; an operator's ARROW_DEFAULT_MEMORY_POOL stands.
    In a process of its own: the allocator is the process's, for good."""
    env = {k: v for k, v in os.environ.items() if k != runtime.ARROW_POOL}
    env |= {runtime.ARROW_POOL: setting} if setting else {}
    code = "from taxmatch import runtime; print(runtime.arrow_allocator())"
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == expected


def test_arrow_converts_python_values_without_searching_for_a_module(monkeypatch: pytest.MonkeyPatch) -> None:
    """pyarrow looks for dateutil.relativedelta each time it converts Python values; while it was not
    installed, a failed import (never remembered) searched the path about 100 times an interactive call."""
    import builtins

    import pyarrow as pa
    import pyarrow.compute as pc

    def convert() -> None:
        pc.fill_null(pc.cast(pa.array(["x", None, "=1"]), pa.string()), "")

    convert()
    searched: list[str] = []
    real = builtins.__import__

    def spy(name: str, *args: object, **kwargs: object) -> object:
        if name not in sys.modules:
            searched.append(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", spy)
    for _ in range(3):
        convert()
    assert searched == []


_SET_UP: list[str] = []  # what a worker's set-up was given, in that worker
_HERE: list[str] = []  # what this process holds: a forked worker would hold it too, a spawned one not


def _set_up(word: str) -> None:
    _SET_UP.append(word)


def _state() -> tuple[tuple[int, ...], list[str], list[str]]:
    return gc.get_threshold(), _SET_UP, _HERE


@pytest.mark.slow  # starts a process: a second or two
def test_a_worker_pool_s_process_is_spawned_and_set_up_before_its_first_task() -> None:
    """A batch's second process and the load's standardising workers: fewer collections, then their own
    set-up, each in a spawned process (a forked one would hold the parent's DuckDB and its threads)."""
    _HERE.append("the parent's state")
    try:
        with runtime.worker_pool(1, _set_up, "ready") as pool:
            thresholds, set_up, inherited = pool.submit(_state).result()
    finally:
        _HERE.clear()
    assert (thresholds, set_up, inherited) == (runtime.FEWER, ["ready"], [])
    assert _SET_UP == []  # set up there, not here


def _running(pid: int) -> bool:
    """Whether the process runs: a zombie nobody has reaped yet has ended."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc")
def test_a_worker_ends_when_the_process_that_started_it_is_killed(tmp_path: Path) -> None:
    """Issue 13: a batch killed outright left its second process waiting for work, holding its memory."""
    script = tmp_path / "parent.py"
    script.write_text(
        "import gc, os, time\n"
        "from taxmatch import runtime\n"
        "if __name__ == '__main__':\n"
        "    pool = runtime.worker_pool(1, gc.collect)\n"
        "    print(pool.submit(os.getpid).result(), flush=True)\n"
        "    time.sleep(120)\n"
    )
    # Its resource tracker, left behind too, reports the pool's semaphores on stderr once it is killed.
    started = [sys.executable, str(script)]
    with subprocess.Popen(started, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) as parent:
        assert parent.stdout is not None
        worker = int(parent.stdout.readline())
        assert _running(worker)
        parent.kill()
    deadline = time.monotonic() + 30
    while _running(worker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _running(worker)
