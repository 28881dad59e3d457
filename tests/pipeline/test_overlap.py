"""The next chunk is scored while this one is decided: in order, overlapped, and stopped on the way out."""

from __future__ import annotations

import threading
import time

import pytest

from taxmatch.pipeline import overlap


def test_items_come_in_order_with_their_own_preparation_and_work() -> None:
    for background in (True, False):
        with overlap.ahead(range(5), lambda n: n * 10, lambda r: r + 1, background=background) as done:
            assert list(done) == [(n, n * 10, n * 10 + 1) for n in range(5)]


def test_the_next_items_work_runs_while_the_caller_handles_this_one() -> None:
    caller, started_next = threading.get_ident(), threading.Event()
    threads: list[int] = []

    def work(n: int) -> int:
        threads.append(threading.get_ident())
        if n == 1:
            started_next.set()
        return n

    with overlap.ahead(range(3), lambda n: n, work) as done:
        for n, _, _ in done:
            if n == 0:  # one at a time, item 1's work would only start after this wait gave up
                assert started_next.wait(timeout=10)
    assert threads and caller not in threads


def test_without_background_the_work_stays_on_the_callers_thread() -> None:
    threads: list[int] = []
    with overlap.ahead(
        range(2), lambda n: n, lambda _: threads.append(threading.get_ident()), background=False
    ) as done:
        list(done)
    assert threads == [threading.get_ident()] * 2


def test_a_failure_reaches_the_caller_and_no_work_outlives_the_block() -> None:
    called: list[int] = []

    def work(n: int) -> int:
        called.append(n)
        if n == 1:
            raise RuntimeError("the matching engine stopped")
        return n

    seen = []
    with pytest.raises(RuntimeError, match="stopped"), overlap.ahead(range(4), lambda n: n, work) as done:
        for n, _, _ in done:
            seen.append(n)
    assert seen == [0]
    assert 3 not in called  # nothing was started past the failure
    assert not [t for t in threading.enumerate() if t.name.startswith("taxmatch-scoring")]


def test_work_handed_behind_runs_one_piece_at_a_time_off_the_callers_thread() -> None:
    done: list[tuple[int, int]] = []
    release = threading.Event()

    def piece(n: int) -> None:
        if n == 0:
            assert release.wait(timeout=10)  # the caller goes on while the first piece works
        done.append((n, threading.get_ident()))

    with overlap.Behind() as behind:
        behind.hand(lambda: piece(0))
        release.set()
        behind.hand(lambda: piece(1))  # waits for piece 0 first
        behind.wait()
    assert [n for n, _ in done] == [0, 1]
    assert threading.get_ident() not in {t for _, t in done}


def test_a_failure_behind_reaches_the_caller_at_the_next_hand_off() -> None:
    def fails() -> None:
        raise RuntimeError("the store is full")

    with overlap.Behind() as behind:
        behind.hand(fails)
        with pytest.raises(RuntimeError, match="full"):
            behind.hand(lambda: None)
        behind.hand(fails)
        with pytest.raises(RuntimeError, match="full"):
            behind.wait()


def test_work_beside_the_caller_runs_in_another_thread_and_has_ended_when_the_caller_leaves() -> None:
    started, ended = threading.Event(), threading.Event()

    def work() -> str:
        started.set()
        time.sleep(0.05)
        ended.set()
        return threading.current_thread().name

    with pytest.raises(KeyError, match="the caller's own"), overlap.beside(work):
        started.wait()
        raise KeyError("the caller's own")
    assert ended.is_set()  # begun, so not cancelled: over before the block was left
    with overlap.beside(work) as counted:
        assert counted.result().startswith("taxmatch-beside")
    with overlap.beside(lambda: 1 // 0) as failed, pytest.raises(ZeroDivisionError):
        failed.result()
