"""End to end on a small synthetic batch: the promises the issue names, checked on real output."""

from __future__ import annotations

import csv
import datetime as dt
import json
import logging
import multiprocessing
import shutil
import sqlite3
from contextlib import closing
from dataclasses import dataclass, replace
from pathlib import Path

import pyarrow as pa
import pytest
from sqlalchemy import func, select

from taxmatch import agreement
from taxmatch.db import decisions, ledger, schema
from taxmatch.errors import EngineError, InputError, ManifestError, NoMasterLoaded
from taxmatch.interchange import DECISION_COLUMNS, RESULT_COLUMNS
from taxmatch.lab import baseline, evaluate, synth
from taxmatch.layout import Layout
from taxmatch.matching import reference
from taxmatch.matching.duck import Budget
from taxmatch.matching.search import WholeMaster
from taxmatch.pipeline import batch as pipeline
from taxmatch.pipeline import chunking
from taxmatch.pipeline.results import BatchReport
from taxmatch.rules.decide import Candidate
from tests.conftest import context_for, process_files

pytestmark = pytest.mark.slow
NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Batch:
    root: Path
    store: Path
    requests: Path
    manifest: Path
    truth: Path
    out: Path
    report: BatchReport


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Batch:
    root = tmp_path_factory.mktemp("e2e")
    people = synth.write_master(root / "master.csv", 4000, seed=11)
    synth.write_requests(root / "requests.csv", root / "truth.csv", people, 1500, seed=12)
    synth.write_manifest(root / "manifest.json", root / "requests.csv")
    reference.load(root / "master.csv", Layout(root / "store"), NOW)
    report = process_files(
        context_for(root / "store", NOW, agreement.load()),
        root / "requests.csv",
        root / "manifest.json",
        root / "out",
    )
    return Batch(
        root,
        root / "store",
        root / "requests.csv",
        root / "manifest.json",
        root / "truth.csv",
        root / "out",
        report,
    )


def read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def test_every_row_is_answered_exactly_once_in_order(batch: Batch) -> None:
    _, requests = read(batch.requests)
    for name, columns in (("results.csv", RESULT_COLUMNS), ("decisions.csv", DECISION_COLUMNS)):
        header, rows = read(batch.out / name)
        assert header == list(columns)
        assert [r["request_id"] for r in rows] == [r["request_id"] for r in requests]


def test_no_unlawful_and_no_wrong_person_disclosures(batch: Batch) -> None:
    result = evaluate.evaluate(batch.out, batch.truth)
    assert result.taxmatch.disclosures > 0.3 * result.rows
    assert result.taxmatch.unlawful == 0
    assert result.taxmatch.wrong_person == 0
    assert result.recall >= 0.9


def test_only_verified_rows_disclose_anything(batch: Batch) -> None:
    _, results = read(batch.out / "results.csv")
    for row in results:
        disclosed = any(row[c] for c in RESULT_COLUMNS if c.startswith("disclosed_"))
        assert disclosed == (row["outcome"] == "VERIFIED") == bool(row["disclosure_id"])


def test_disclosed_address_is_the_last_known_one(batch: Batch) -> None:
    _, master = read(batch.root / "master.csv")
    latest: dict[str, dict[str, str]] = {}
    for row in master:
        if row["tin"] not in latest or row["address_as_of"] > latest[row["tin"]]["address_as_of"]:
            latest[row["tin"]] = row
    _, results = read(batch.out / "results.csv")
    _, decisions = read(batch.out / "decisions.csv")
    for res, dec in zip(results, decisions, strict=True):
        if res["outcome"] == "VERIFIED":
            assert res["disclosed_street_address"] == latest[dec["matched_tin"]]["street_address"]
            assert res["disclosed_zip"] == latest[dec["matched_tin"]]["zip"]


def test_placeholder_addresses_are_rejected_even_with_a_tin(batch: Batch) -> None:
    _, truth = read(batch.truth)
    _, results = read(batch.out / "results.csv")
    placeholder = [r for r, t in zip(results, truth, strict=True) if t["kind"] == "placeholder_address"]
    assert placeholder
    assert all(r["outcome"] == "REJECTED" for r in placeholder)


def test_the_2025_style_process_would_have_disclosed_unlawfully(batch: Batch) -> None:
    _, rows = read(batch.requests)
    base = baseline.disclosures(rows, reference.open_reference(Layout(batch.store)).parquet)
    result = evaluate.evaluate(batch.out, batch.truth, base)
    assert result.baseline is not None and result.baseline.unlawful > 0.1 * result.rows


def test_ledger_verifies_and_reprocessing_adds_nothing(batch: Batch) -> None:
    engine = context_for(batch.store).engine
    before = ledger.verify(engine).count
    assert before == batch.report.outcomes["VERIFIED"]
    again = process_files(
        context_for(batch.store, NOW, agreement.load()), batch.requests, batch.manifest, batch.root / "again"
    )
    assert ledger.verify(engine).count == before
    first = [a.disclosure_id for a in batch.report.answers]
    assert [a.disclosure_id for a in again.answers] == first


def test_manifest_digest_mismatch_writes_nothing(batch: Batch, tmp_path: Path) -> None:
    manifest = json.loads(batch.manifest.read_text())
    manifest["request_file_sha256"] = "0" * 64
    bad = tmp_path / "manifest.json"
    bad.write_text(json.dumps(manifest))
    with pytest.raises(ManifestError, match=r"integrity failure: .* does not match") as info:
        process_files(context_for(batch.store, NOW, agreement.load()), batch.requests, bad, tmp_path / "out")
    assert "0" * 64 in info.value.message and "CRLF" in info.value.fix  # both digests, and the likely cause
    assert "legally insufficient" not in info.value.message
    assert not (tmp_path / "out").exists()


def test_bad_request_file_writes_nothing(batch: Batch, tmp_path: Path) -> None:
    broken = tmp_path / "requests.csv"
    broken.write_bytes(batch.requests.read_bytes().replace(b"request_id,", b"request,", 1))
    with pytest.raises(InputError, match="missing column"):
        process_files(
            context_for(batch.store, NOW, agreement.load()), broken, batch.manifest, tmp_path / "out"
        )
    assert not (tmp_path / "out").exists()


def test_processing_before_a_master_is_loaded(batch: Batch, tmp_path: Path) -> None:
    with pytest.raises(NoMasterLoaded, match="master load"):
        process_files(
            context_for(tmp_path / "empty", NOW, agreement.load()),
            batch.requests,
            batch.manifest,
            tmp_path / "out",
        )


def test_a_caseload_spread_over_batches_is_still_counted(batch: Batch, tmp_path: Path) -> None:
    store = tmp_path / "store"
    shutil.copytree(batch.store, store)
    header, rows = read(batch.requests)
    terms = agreement.load()
    spread = [
        {**row, "official_name": "Officer Spread", "case_number": f"S{i:03d}"}
        for i, row in enumerate(rows[: terms.caseload_cap + 10])
    ]
    halves = (spread[: terms.caseload_cap // 2], spread[terms.caseload_cap // 2 :])
    reports = []
    for n, part in enumerate(halves):
        requests, manifest = tmp_path / f"r{n}.csv", tmp_path / f"m{n}.json"
        with requests.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, header)
            writer.writeheader()
            writer.writerows(part)
        synth.write_manifest(manifest, requests)
        reports.append(
            process_files(context_for(store, NOW, terms), requests, manifest, tmp_path / f"out{n}")
        )
    assert reports[0].reasons["CASELOAD_IMPLAUSIBLE"] == 0
    assert reports[1].reasons["CASELOAD_IMPLAUSIBLE"] == len(halves[1])
    # Outside the window the earlier batch no longer counts.
    later = NOW + dt.timedelta(days=terms.caseload_window_days + 1)
    late = tmp_path / "late"
    again = process_files(context_for(store, later, terms), tmp_path / "r1.csv", tmp_path / "m1.json", late)
    assert again.reasons["CASELOAD_IMPLAUSIBLE"] == 0


def test_a_tight_memory_budget_gives_the_same_answers(batch: Batch) -> None:
    """Issue 13: DuckDB keeps to TAXMATCH_MEMORY_LIMIT (spilling to the store's disk) and decides the same."""
    ctx = context_for(batch.store, NOW, agreement.load())
    tight = replace(ctx, budget=Budget(160 * 2**20, Layout(batch.store).spill, 1))
    process_files(tight, batch.requests, batch.manifest, batch.root / "tight")
    for name in ("results.csv", "decisions.csv"):
        assert (batch.root / "tight" / name).read_bytes() == (batch.out / name).read_bytes()


def stored(store: Path) -> list[tuple[object, ...]]:
    """Every stored decision, every column, as SQLite holds it."""
    with closing(sqlite3.connect(store / "taxmatch.db")) as con:
        return con.execute("SELECT * FROM decisions ORDER BY batch_id, request_id").fetchall()


def test_a_batch_answered_in_chunks_is_answered_as_in_one_pass(
    batch: Batch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Issue 13: rows are answered in chunks, in ZIP order; duplicates (the first row in the file stands)
    and caseloads still see the whole batch, and the files come out in request order."""
    header, rows = read(batch.requests)
    again = [{**row, "request_id": f"AGAIN-{n}"} for n, row in enumerate(rows[::40])]  # asked twice
    requests, manifest = tmp_path / "requests.csv", tmp_path / "manifest.json"
    with requests.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, header)
        writer.writeheader()
        writer.writerows([*again[:5], *rows, *again[5:]])
    synth.write_manifest(manifest, requests)
    answered, progress = {}, {}
    # "second": the chunks gated and scored in a second process, as a large batch is (scoring_process.py).
    for name, size, second in (("whole", 10**6, False), ("chunked", 97, False), ("second", 97, True)):
        store = tmp_path / f"store-{name}"
        shutil.copytree(batch.store, store)
        ctx = context_for(store, NOW, agreement.load())
        submission = pipeline.read_batch(requests, manifest, ctx.agreement)
        caplog.clear()
        with caplog.at_level(logging.INFO, logger=pipeline.log.name):
            answered[name] = pipeline.process(
                ctx, submission, tmp_path / name, chunk_rows=size, second_process=second
            )
        progress[name] = [r.getMessage() for r in caplog.records if "rows answered at" in r.getMessage()]
        ctx.engine.dispose()
    # Under -v a batch of chunks logs each chunk as it is answered, the rows so far last; one chunk, none.
    chunks = -(-(len(rows) + len(again)) // 97)
    assert progress["whole"] == []
    assert len(progress["chunked"]) == len(progress["second"]) == chunks
    assert f" {len(rows) + len(again)} rows answered" in progress["chunked"][-1]
    for file in ("results.csv", "decisions.csv", "answers.parquet"):
        whole = (tmp_path / "whole" / file).read_bytes()
        assert (tmp_path / "chunked" / file).read_bytes() == whole, file
        assert (tmp_path / "second" / file).read_bytes() == whole, file
    # What the store keeps of each row too: its explanation's weights are made by the second process.
    kept = [stored(tmp_path / f"store-{name}") for name in ("whole", "chunked", "second")]
    assert kept[0] == kept[1] == kept[2] and len(kept[0]) >= len(rows) + len(again)
    whole, chunked = answered["whole"], answered["chunked"]
    assert (chunked.rows, chunked.outcomes, chunked.reasons) == (whole.rows, whole.outcomes, whole.reasons)
    assert chunked.answers == []  # a large batch keeps its counts, not its rows
    _, decided = read(tmp_path / "chunked" / "results.csv")
    first = {r["request_id"]: r for r in decided}
    assert "DUPLICATE_REQUEST" not in first["AGAIN-0"]["reason_codes"]  # before its twin in the file
    assert first[rows[0]["request_id"]]["reason_codes"] == "DUPLICATE_REQUEST"
    assert whole.reasons["DUPLICATE_REQUEST"] == len(again)
    # The second process scores before the batch's own checks are known; rows they reject are still
    # rejected, their candidates unread (the files and the store above are the same bytes).
    assert whole.reasons["CASELOAD_IMPLAUSIBLE"] > 0


class _FailsOnSecondChunk:
    def __init__(self, inner: WholeMaster) -> None:
        self.inner, self.calls = inner, 0

    def score(self, requests: pa.Table) -> dict[int, list[Candidate]]:
        self.calls += 1
        if self.calls == 2:
            raise RuntimeError("the matching engine stopped")
        return self.inner.score(requests)

    def last_known(self, tins: list[str]) -> dict[str, tuple[str, ...]]:
        return self.inner.last_known(tins)

    def close(self) -> None:
        self.inner.close()


def test_a_batch_stopped_part_way_leaves_no_files_and_no_decisions(batch: Batch, tmp_path: Path) -> None:
    store = tmp_path / "store"
    shutil.copytree(batch.store, store)
    ctx = context_for(store, NOW, agreement.load())
    submission = pipeline.read_batch(batch.requests, batch.manifest, ctx.agreement)
    search = _FailsOnSecondChunk(WholeMaster(reference.open_reference(ctx.layout)))
    with pytest.raises(RuntimeError, match="stopped"):
        pipeline.process(ctx, submission, tmp_path / "out", search=search, chunk_rows=400, released=False)
    search.close()
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []
    with ctx.engine.connect() as conn:
        for table in (schema.batches, schema.decisions):
            mine = select(func.count()).select_from(table).where(table.c.batch_id == submission.batch_id)
            assert conn.execute(mine).scalar_one() == 0, table.name  # the earlier run replaced, then cleared
    assert decisions.held(ctx.engine, None, 10) == []


def test_a_batch_stopped_before_its_chunks_stops_its_second_process(
    batch: Batch, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 13: the second process starts before the checks of the whole batch, so that its start-up
    runs beside them; if those checks fail, the batch stops with their error and the process with it."""
    store = tmp_path / "store"
    shutil.copytree(batch.store, store)
    ctx = context_for(store, NOW, agreement.load())
    submission = pipeline.read_batch(batch.requests, batch.manifest, ctx.agreement)

    def unreachable(*_: object) -> frozenset[str]:
        assert multiprocessing.active_children(), "the second process starts before the caseloads"
        raise sqlite3.OperationalError("the store went away")

    monkeypatch.setattr(chunking, "overloaded", unreachable)
    with pytest.raises(sqlite3.OperationalError, match="went away"):
        pipeline.process(ctx, submission, tmp_path / "out", chunk_rows=400, second_process=True)
    assert multiprocessing.active_children() == []
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []


def test_a_batch_in_a_second_process_is_answered_in_four_chunks_at_least(
    batch: Batch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Issue 13: in a batch of a few chunks, one process waits for the other's first and last chunks;
    a batch scored in a second process is cut into four chunks at least (scoring_process.FEWEST_CHUNKS),
    and answered as in one."""
    store = tmp_path / "store"
    shutil.copytree(batch.store, store)
    ctx = context_for(store, NOW, agreement.load())
    submission = pipeline.read_batch(batch.requests, batch.manifest, ctx.agreement)
    with caplog.at_level(logging.INFO, logger=pipeline.log.name):
        pipeline.process(ctx, submission, tmp_path / "out", second_process=True)
    answered = [r.getMessage() for r in caplog.records if "rows answered at" in r.getMessage()]
    assert len(answered) == 4
    assert f" {len(submission.requests)} rows answered" in answered[-1]
    for file in ("results.csv", "decisions.csv"):
        assert (tmp_path / "out" / file).read_bytes() == (batch.out / file).read_bytes(), file


def test_a_second_process_that_cannot_start_stops_the_batch_with_nothing_written(
    batch: Batch, tmp_path: Path
) -> None:
    """Issue 13: a large batch is gated and scored in a second process; if that process cannot open the
    reference, the batch stops with an EngineError that says what to do, and nothing is kept."""
    store = tmp_path / "store"
    shutil.copytree(batch.store, store)
    ctx = context_for(store, NOW, agreement.load())
    for frequencies in ctx.layout.reference.glob("tf_*.parquet"):  # only the scoring session reads them
        frequencies.unlink()
    submission = pipeline.read_batch(batch.requests, batch.manifest, ctx.agreement)
    with pytest.raises(EngineError, match=r"second process .* stopped") as raised:
        pipeline.process(ctx, submission, tmp_path / "out", chunk_rows=400, second_process=True)
    assert "Nothing was written" in raised.value.message
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []
    with ctx.engine.connect() as conn:
        mine = select(func.count()).select_from(schema.decisions)
        assert conn.execute(mine.where(schema.decisions.c.batch_id == submission.batch_id)).scalar_one() == 0
