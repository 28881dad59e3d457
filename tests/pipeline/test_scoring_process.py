"""The second process's first chunk, sent before the checks of the whole batch, is scored once: taken
when the batch reaches it, not sent again, and given the batch's reasons here; every other chunk is
sent with them, so that the rows they reject are never scored.

Whether its answers are the same as in one process is tests/pipeline/test_batch.py's (byte for byte);
here only which chunk goes to the process, with the process itself left out.
"""

from __future__ import annotations

from concurrent.futures import Future

import pyarrow as pa
import pytest

from taxmatch.pipeline.scoring_process import Batchwide, Scored, SecondProcess
from taxmatch.reasons import Reason


def _chunk(*ids: str) -> pa.Table:
    return pa.table({"request_id": list(ids), "zip": ["20500"] * len(ids)})


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[tuple[pa.Table, Batchwide | None]]:
    """The chunks sent to the second process, in order, with what they carry of the whole batch (each
    answered by a future of its own)."""
    tables: list[tuple[pa.Table, Batchwide | None]] = []

    def send(_: SecondProcess, table: pa.Table, batchwide: Batchwide | None) -> Scored:
        tables.append((table, batchwide))
        return Future()

    monkeypatch.setattr(SecondProcess, "send", send)
    return tables


Sent = list[tuple[pa.Table, Batchwide | None]]


def _process() -> SecondProcess:
    process = object.__new__(SecondProcess)  # no process started: only its choice of what to send
    process._first = None
    return process


BATCH = Batchwide([False, True], frozenset({"AGENT SMITH"}))


def test_the_first_chunk_sent_early_is_taken_not_sent_again(sent: Sent) -> None:
    process = _process()
    process.send_first(_chunk("R1", "R2"))
    early = process._first
    assert early is not None and sent == [(early[0], None)]  # before the batch's reasons are known
    # The batch takes its first chunk again, as a table of its own with the same rows; the batch's
    # reasons are added to it where it comes back.
    first = process.sent(_chunk("R1", "R2"), BATCH)
    assert first.scored is early[1] and first.batchwide is BATCH
    assert len(sent) == 1
    second = process.sent(_chunk("R3"), Batchwide([False], frozenset()))
    assert len(sent) == 2 and second.scored is not early[1]
    assert second.batchwide is None and sent[1][1] == Batchwide([False], frozenset())  # gated there


def test_a_first_chunk_that_is_not_the_one_sent_early_is_sent_and_the_early_one_let_go(
    sent: Sent,
) -> None:
    process = _process()
    process.send_first(_chunk("R1", "R2"))
    early = process._first
    assert early is not None
    got = process.sent(_chunk("R2", "R1"), BATCH)  # the same rows in another order are another chunk
    assert got.scored is not early[1] and early[1].cancelled() and got.batchwide is None
    assert [t.column("request_id").to_pylist() for t, _ in sent] == [["R1", "R2"], ["R2", "R1"]]
    assert sent[1][1] is BATCH


def test_without_an_early_chunk_every_chunk_is_sent_with_the_batchs_reasons(sent: Sent) -> None:
    process = _process()
    process.sent(_chunk("R1"), Batchwide([False], frozenset()))
    process.sent(_chunk("R2"), Batchwide([True], frozenset()))
    assert [b for _, b in sent] == [Batchwide([False], frozenset()), Batchwide([True], frozenset())]


def test_the_batchs_reasons_of_a_chunk_name_its_repeats_and_its_overloaded_officials() -> None:
    table = pa.table({"request_id": ["R1", "R2", "R3"], "official_name": ["agent  smith", "A Jones", ""]})
    found = Batchwide([False, True, True], frozenset({"AGENT SMITH"})).reasons(table)
    assert found == {
        0: [Reason.CASELOAD_IMPLAUSIBLE],
        1: [Reason.DUPLICATE_REQUEST],
        2: [Reason.DUPLICATE_REQUEST],
    }
    assert Batchwide([False] * 3, frozenset()).reasons(table) == {}
