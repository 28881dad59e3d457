"""The interactive index finds exactly the batch path's candidates, scored the same."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from taxmatch.lab import synth
from taxmatch.layout import Layout
from taxmatch.matching import candidate_index as index
from taxmatch.matching import known_addresses, model, reference
from taxmatch.matching import scorer as matcher
from taxmatch.matching.search import WholeMaster
from taxmatch.matching.term_frequencies import TermFrequencies
from taxmatch.pipeline import intake
from taxmatch.rules.decide import Candidate
from taxmatch.standardise.table import standardise
from tests.conftest import at

pytestmark = pytest.mark.slow
TODAY = dt.date(2026, 11, 25)
Found = dict[int, list[Candidate]]


def by_tin(found: Found) -> Found:
    """SQL returns a request's candidates in no set order; the decision sorts them itself."""
    return {uid: sorted(c, key=lambda x: x.tin) for uid, c in found.items()}


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> tuple[reference.Reference, pa.Table]:
    root = tmp_path_factory.mktemp("index")
    people = synth.write_master(root / "master.csv", 3000, seed=21)
    synth.write_requests(root / "requests.csv", root / "truth.csv", people, 400, seed=22)
    ref = reference.load(root / "master.csv", Layout(root / "store"), at(TODAY))
    rows = intake.read_requests(root / "requests.csv").rows
    table = standardise(pa.Table.from_pylist(rows), TODAY)
    return ref, table.append_column(model.UID, pa.array(range(len(rows)), pa.int64()))


def batch_path(requests: pa.Table, ref: reference.Reference) -> dict[int, list[Candidate]]:
    """The whole master's candidates, found by scanning it with the blocking rules as SQL joins."""
    scan = matcher.Matcher(ref, scan=True)
    try:
        return scan.score(requests)
    finally:
        scan.close()


def test_a_batch_finds_its_candidates_in_the_index_saved_with_the_reference(
    loaded: tuple[reference.Reference, pa.Table],
) -> None:
    """Issue 13: a chunk's master rows come from the index the load saved, not a scan of the master, and
    they are scored exactly as the scan's."""
    ref, requests = loaded
    assert index.CandidateIndex.saved(ref) is not None
    whole = WholeMaster(ref)
    try:
        found = by_tin(whole.score(requests))
        assert whole._matcher is not None and whole._matcher._index is not None  # searched, not scanned
    finally:
        whole.close()
    assert found == by_tin(batch_path(requests, ref))


def test_the_index_scores_exactly_what_the_whole_master_scores(
    loaded: tuple[reference.Reference, pa.Table],
) -> None:
    ref, requests = loaded
    found = index.CandidateIndex(ref)
    whole = by_tin(batch_path(requests, ref))
    narrowed = by_tin(matcher.Matcher(ref).score(requests, master=found.candidates(requests)))
    assert sum(map(len, whole.values())) > len(whole) > 300
    assert narrowed == whole


@pytest.mark.parametrize("in_memory", [False, True], ids=["lookup tables", "term frequencies in memory"])
def test_one_request_at_a_time_matches_too(
    loaded: tuple[reference.Reference, pa.Table], in_memory: bool
) -> None:
    """Issue 13: also with the call's own term-frequency rows (the service's session), not whole lookups."""
    ref, requests = loaded
    found = index.CandidateIndex(ref)
    whole = by_tin(batch_path(requests, ref))
    frequencies = TermFrequencies(ref) if in_memory else None
    session = matcher.Matcher(ref, frequencies=frequencies)  # one session for many calls, as the service
    for uid in range(0, requests.num_rows, 40):
        one = requests.slice(uid, 1)
        alone = by_tin(session.score(one, master=found.candidates(one)))
        assert alone == {k: v for k, v in whole.items() if k == uid}


def test_a_request_with_no_keys_finds_nothing(loaded: tuple[reference.Reference, pa.Table]) -> None:
    ref, requests = loaded
    empty = requests.slice(0, 0)
    assert index.CandidateIndex(ref).candidates(empty).num_rows == 0


def test_last_known_addresses_from_memory_match_the_file(
    loaded: tuple[reference.Reference, pa.Table],
) -> None:
    ref, _ = loaded
    tins = [str(t) for t in pq.read_table(ref.last_known, columns=["tin"]).column("tin").to_pylist()[::50]]
    asked = [*tins, "000000000", tins[0]]
    from_file = known_addresses.last_known(ref, asked)
    assert len(from_file) == len(tins)
    assert known_addresses.KnownAddresses(ref).last_known(asked) == from_file


def _binding_seconds(con: duckdb.DuckDBPyConnection, profile: Path, statement: Callable[[], object]) -> float:
    """How long DuckDB spent binding the last statement `statement` ran, by its own profiler."""
    con.execute("SET enable_profiling = 'json'")
    con.execute(f"SET profiling_output = '{profile}'")
    con.execute("SET profiling_mode = 'detailed'")
    statement()
    con.execute("SET enable_profiling = 'no_output'")
    return float(json.loads(profile.read_text())["planner"]["binding_time"])


def test_a_session_s_calls_do_not_bind_its_prediction_again(
    loaded: tuple[reference.Reference, pa.Table], tmp_path: Path
) -> None:
    """Issue 13: a statement prepared while DuckDB's optimiser was on, or one that reads a catalog that
    changed (a view registered under an input's name), is bound again at every EXECUTE: about 26 ms of
    a call at 2M (docs/benchmarks.md, 2026-12-07). A call must leave it planned."""
    ref, requests = loaded
    found = index.CandidateIndex(ref)
    session = matcher.Matcher(ref, frequencies=TermFrequencies(ref))
    for uid in (0, 40):  # the first call records Splink's script and prepares it
        one = requests.slice(uid, 1)
        session.score(one, master=found.candidates(one))
    one, con = requests.slice(80, 1), session.con
    call = _binding_seconds(con, tmp_path / "call.json", lambda: session.score(one, found.candidates(one)))
    con.execute("CREATE TABLE unrelated (x INTEGER)")  # a catalog change: the next EXECUTE binds again
    again = _binding_seconds(con, tmp_path / "again.json", lambda: con.execute("EXECUTE pairs"))
    assert again > 20 * call


def test_a_replayed_scoring_reads_the_predictions_through_their_query(
    loaded: tuple[reference.Reference, pa.Table], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 13: a session's later scorings replay Splink's recorded statements, but read the predictions
    through their query, never made a table of every pair's compared values; the rows are Splink's own,
    as the first scoring gave them."""
    ref, requests = loaded
    order = [("request_uid", "ascending"), ("tin", "ascending")]
    session = matcher.Matcher(ref)
    try:
        first = session.best(requests)  # through Splink, which records its statements
        sent: list[str] = []
        run = matcher.duck.run
        monkeypatch.setattr(matcher.duck, "run", lambda con, sql, *a: sent.append(sql) or run(con, sql, *a))
        again = session.best(requests)
    finally:
        session.close()
    made = [m.group(1) for s in sent if (m := re.match(r"CREATE (?:OR REPLACE )?TABLE (\S+)", s))]
    assert made and not any(name.startswith("__splink__df_predict") for name in made)
    assert again.sort_by(order).equals(first.sort_by(order))
