"""The second process's first chunk, sent before the checks of the whole batch, is scored once: taken
when the batch reaches it, not sent again; a chunk that is not it is sent as any other.

Whether its answers are the same as in one process is tests/pipeline/test_batch.py's (byte for byte);
here only which chunk goes to the process, with the process itself left out.
"""

from __future__ import annotations

from concurrent.futures import Future

import pyarrow as pa
import pytest

from taxmatch.pipeline.scoring_process import Scored, SecondProcess


def _chunk(*ids: str) -> pa.Table:
    return pa.table({"request_id": list(ids), "zip": ["20500"] * len(ids)})


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[pa.Table]:
    """The chunks sent to the second process, in order (each answered by a future of its own)."""
    tables: list[pa.Table] = []

    def send(_: SecondProcess, table: pa.Table) -> Scored:
        tables.append(table)
        return Future()

    monkeypatch.setattr(SecondProcess, "send", send)
    return tables


def _process() -> SecondProcess:
    process = object.__new__(SecondProcess)  # no process started: only its choice of what to send
    process._first = None
    return process


def test_the_first_chunk_sent_early_is_taken_not_sent_again(sent: list[pa.Table]) -> None:
    process = _process()
    process.send_first(_chunk("R1", "R2"))
    early = process._first
    assert early is not None and len(sent) == 1
    # The batch takes its first chunk again, as a table of its own with the same rows.
    assert process.sent(_chunk("R1", "R2")) is early[1]
    assert len(sent) == 1
    second = process.sent(_chunk("R3"))
    assert len(sent) == 2 and second is not early[1]


def test_a_first_chunk_that_is_not_the_one_sent_early_is_sent_and_the_early_one_let_go(
    sent: list[pa.Table],
) -> None:
    process = _process()
    process.send_first(_chunk("R1", "R2"))
    early = process._first
    assert early is not None
    got = process.sent(_chunk("R2", "R1"))  # the same rows in another order are another chunk
    assert got is not early[1] and early[1].cancelled()
    assert [t.column("request_id").to_pylist() for t in sent] == [["R1", "R2"], ["R2", "R1"]]


def test_without_an_early_chunk_every_chunk_is_sent(sent: list[pa.Table]) -> None:
    process = _process()
    process.sent(_chunk("R1"))
    process.sent(_chunk("R2"))
    assert len(sent) == 2
